// `gossipcheck replay FILE`: re-runs one saved counterexample exactly (same
// case, variant and input; in lockstep the same history bytes) and prints
// its verdict. Exit 0 when it passes now, 1 when its verdict fails the gate
// (checks/gate.ts: FAIL; a MUST that judged nothing, unless
// --allow-inconclusive; NON-STRICT with --strict), 2 when the file is not a
// valid counterexample or the IUT cannot start.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { gating } from '../checks/gate.js';
import { writeHistoryFile } from '../engine/history/recorder.js';
import { VARIANTS } from '../proto/contract.js';
import { builtInReference } from '../reference/built-in.js';
import type { MaelstromCounterexample } from '../suites/maelstrom-generated.js';
import type { CaseDef } from '../suites/model.js';
import type { CounterexampleFile } from '../suites/property.js';
import { safeCheck } from '../suites/property.js';
import type { RealtimeCounterexample } from '../suites/realtime/property.js';
import { findCase } from '../suites/registry.js';
import { GATE_FLAGS, gateHelp, gateOptions } from './gate-flags.js';
import { probe, startImpl } from './iut.js';
import { maelstromProblem, replayMaelstrom } from './replay-maelstrom.js';
import { realtimeProblem, replayRealtime } from './replay-realtime.js';
import { durationFlag, parseFlags, printHelp, UsageError } from './usage.js';

const HELP = `usage: gossipcheck replay FILE [flags]

Re-runs one saved counterexample (report/counterexamples/*.json): the same
case, variant and input; in lockstep the same history bytes, in realtime the
same schedule on a fresh endpoint process, for a Maelstrom node the same fault
windows on a fresh cluster (the verdict, not the bytes).

  --impl "<command>"   check this IUT (for a Maelstrom counterexample: this node command) instead of
                       the one saved in FILE
  --history OUT        write the replayed run's history (JSONL) to OUT
  --timeout MS         deadline of every call to the IUT (default: as saved)
${gateHelp(23)}
  -h, --help           this help
exit: 0 passes now, 1 its verdict fails the gate (FAIL, an INCONCLUSIVE MUST), 2 bad FILE or the
      IUT cannot start`;

/** Counterexample files are small; a bigger one is not ours. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

type Loaded =
  | { mode: 'lockstep'; cx: CounterexampleFile; def: CaseDef<unknown> }
  | { mode: 'realtime'; cx: RealtimeCounterexample }
  | { mode: 'maelstrom'; cx: MaelstromCounterexample };

function load(file: string): Loaded {
  let data: unknown;
  try {
    const raw = readFileSync(file);
    if (raw.length > MAX_FILE_BYTES) throw new Error(`${raw.length} bytes, more than ${MAX_FILE_BYTES}`);
    data = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new UsageError(
      `cannot read counterexample ${file}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const bad = (what: string) => new UsageError(`${file} is not a valid gossipcheck counterexample: ${what}`);
  if (typeof data !== 'object' || data === null) throw bad('not a JSON object');
  const cx = data as Partial<CounterexampleFile>;
  if (cx.kit !== 'gossipcheck') throw bad('kit must be "gossipcheck"');
  if (typeof cx.case !== 'string') throw bad('case is missing');
  if ((data as { mode?: unknown }).mode === 'realtime') {
    const problem = realtimeProblem(data as Partial<RealtimeCounterexample>);
    if (problem) throw bad(problem);
    return { mode: 'realtime', cx: data as RealtimeCounterexample };
  }
  if ((data as { mode?: unknown }).mode === 'maelstrom') {
    const problem = maelstromProblem(data as Partial<MaelstromCounterexample>);
    if (problem) throw bad(problem);
    return { mode: 'maelstrom', cx: data as MaelstromCounterexample };
  }
  const def = findCase(cx.case);
  if (!def) throw bad(`unknown case '${cx.case}' (see gossipcheck list)`);
  if (!VARIANTS.includes(cx.variant as never)) throw bad(`variant must be one of ${VARIANTS.join(', ')}`);
  if (!def.variants.includes(cx.variant!))
    throw bad(`case ${cx.case} does not apply to variant ${cx.variant}`);
  if (!('input' in cx)) throw bad('input is missing');
  const problem = def.validate(cx.input);
  if (problem) throw bad(problem);
  if (cx.impl !== null && cx.impl !== undefined && typeof cx.impl !== 'string')
    throw bad('impl must be a string or null');
  if (cx.cwd !== undefined && typeof cx.cwd !== 'string') throw bad('cwd must be a string');
  for (const f of ['callTimeoutMs', 'minRounds'] as const)
    if (
      cx[f] !== undefined &&
      !(Number.isInteger(cx[f]) && (cx[f] as number) >= 0 && (cx[f] as number) <= 3_600_000)
    )
      throw bad(`${f} must be a whole number in [0, 3600000]`);
  return { mode: 'lockstep', cx: cx as CounterexampleFile, def };
}

export async function replayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { impl: { type: 'string' }, history: { type: 'string' }, timeout: { type: 'string' }, ...GATE_FLAGS },
    true,
  );
  if (printHelp(values, HELP)) return 0;
  if (positionals.length !== 1) throw new UsageError('replay takes one FILE (gossipcheck replay --help)');
  const loaded = load(positionals[0]);
  const history = values.history ? resolve(values.history) : null;
  if (loaded.mode === 'maelstrom')
    return replayMaelstrom(loaded.cx, {
      ...(values.impl !== undefined ? { impl: values.impl } : {}),
      history,
      gate: gateOptions(values),
    });
  if (loaded.mode === 'realtime') {
    const timeoutMs =
      values.timeout === undefined
        ? undefined
        : durationFlag('timeout', values.timeout, {
            bare: 'ms',
            fallbackMs: 2000,
            minMs: 1,
            maxMs: 3_600_000,
          });
    return replayRealtime(loaded.cx, {
      ...(values.impl !== undefined ? { impl: values.impl } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      history,
      gate: gateOptions(values),
    });
  }
  const { cx, def } = loaded;
  const timeoutMs = durationFlag('timeout', values.timeout, {
    bare: 'ms',
    fallbackMs: cx.callTimeoutMs || 10_000,
    minMs: 1,
    maxMs: 3_600_000,
  });
  // A saved --impl ran from the directory the run started in; a new one from here.
  const impl = values.impl ?? cx.impl;
  const cwd = values.impl === undefined && cx.cwd && isAbsolute(cx.cwd) ? cx.cwd : process.cwd();
  if (impl) process.chdir(cwd);
  const spawned = impl ? await startImpl(impl, 15_000, timeoutMs) : null;
  const endpoint = spawned?.endpoint ?? builtInReference();
  try {
    const init = await probe(endpoint);
    const ctx = {
      endpoint,
      capabilities: init.capabilities,
      callTimeoutMs: timeoutMs,
      minRounds: cx.minRounds ?? 0,
    };
    const outcome = await safeCheck(def, cx.input, cx.variant, ctx);
    if (history) writeHistoryFile(history, outcome.events);
    process.stdout.write(
      `${outcome.verdict} ${cx.case} [${cx.variant}] (${init.implementation} ${init.version})\n`,
    );
    for (const c of outcome.checks) {
      process.stdout.write(
        `  ${c.verdict} ${c.id}: expected ${c.evidence.expected}; observed ${c.evidence.observed}\n`,
      );
      for (const d of c.evidence.details.slice(0, 5)) process.stdout.write(`    ${d}\n`);
    }
    return gating({ verdict: outcome.verdict, level: def.level }, gateOptions(values)) ? 1 : 0;
  } finally {
    await (spawned ? spawned.close() : endpoint.close());
  }
}
