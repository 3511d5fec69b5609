// `gossipcheck replay FILE` for a realtime counterexample: the same input,
// parameters and seed, run again on a fresh endpoint process. Nodes on their
// own timers make a replay reproduce the verdict, not the bytes (docs/chaos.md
// says how often it does, measured).
import { isAbsolute, join } from 'node:path';
import { type GateOptions, gating } from '../checks/gate.js';
import { REALTIME_VARIANTS } from '../checks/realtime.js';
import { writeHistoryFile } from '../engine/history/recorder.js';
import type { Variant } from '../proto/contract.js';
import { findEntry } from '../suites/catalogue.js';
import { execute } from '../suites/realtime/execute.js';
import { validateInput } from '../suites/realtime/input.js';
import type { RealtimeCounterexample } from '../suites/realtime/property.js';
import { KIT_ROOT } from './docker-image.js';
import { UsageError } from './usage.js';

/** Why `cx` is not a realtime counterexample, or null. */
export function realtimeProblem(cx: Partial<RealtimeCounterexample>): string | null {
  if (typeof cx.case !== 'string' || !findEntry(cx.case)?.modes.includes('realtime'))
    return `unknown realtime case '${String(cx.case)}' (see gossipcheck list)`;
  if (!REALTIME_VARIANTS.includes(cx.variant as Variant))
    return `variant must be one of ${REALTIME_VARIANTS.join(', ')}`;
  const bad = validateInput(cx.input);
  if (bad) return bad;
  const p = cx.params;
  if (typeof p !== 'object' || p === null || p.variant !== cx.variant || !(p.periodMs > 0))
    return "params must be the run's Parameters (variant as saved, periodMs > 0)";
  if (!Number.isSafeInteger(cx.seed)) return 'seed must be a whole number';
  if (cx.impl !== null && cx.impl !== undefined && typeof cx.impl !== 'string')
    return 'impl must be a string or null';
  return null;
}

export async function replayRealtime(
  cx: RealtimeCounterexample,
  o: { impl?: string; timeoutMs?: number; history: string | null; gate: GateOptions },
): Promise<number> {
  const impl = o.impl ?? cx.impl;
  if (o.impl === undefined && impl && cx.cwd && isAbsolute(cx.cwd)) process.chdir(cx.cwd);
  const command =
    impl ?? `node ${join(KIT_ROOT, 'dist', 'cli', 'main.js')} serve-reference --listen {listen}`;
  let e: Awaited<ReturnType<typeof execute>>;
  try {
    e = await execute(cx.input, {
      command,
      params: cx.params,
      seed: cx.seed,
      durable: cx.durable === true,
      callTimeoutMs: o.timeoutMs ?? cx.callTimeoutMs ?? 2000,
      startupTimeoutMs: cx.startupTimeoutMs ?? 15_000,
    });
  } catch (err) {
    throw new UsageError(`cannot start the endpoint: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (o.history) writeHistoryFile(o.history, e.events);
  const init = e.events.find((x) => x.t === 'init');
  const who = init?.t === 'init' ? `${init.implementation} ${init.version}` : 'no Init';
  const mine = e.verdicts.find((v) => v.id === cx.case);
  const verdict = mine?.verdict ?? 'INCONCLUSIVE';
  process.stdout.write(
    `${verdict} ${cx.case} [${cx.variant}] (${who}; realtime, ${(e.elapsedMs / 1000).toFixed(1)} s, harness lag ${e.lag.totalMs} ms)\n`,
  );
  for (const c of [...(mine ? [mine] : []), ...e.verdicts.filter((v) => v !== mine)]) {
    process.stdout.write(
      `  ${c.verdict} ${c.id}: expected ${c.evidence.expected}; observed ${c.evidence.observed}\n`,
    );
    if (c === mine) for (const d of c.evidence.details.slice(0, 5)) process.stdout.write(`    ${d}\n`);
  }
  const level = mine?.level ?? findEntry(cx.case)?.level ?? 'MUST';
  return gating({ verdict, level }, o.gate) ? 1 : 0;
}
