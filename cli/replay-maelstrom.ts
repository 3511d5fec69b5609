// `gossipcheck replay FILE` for a Maelstrom counterexample
// (maelstrom/convergence/generated): the same nodes, fault windows and
// settings, on a fresh cluster of local processes. Nodes on their own timers
// make a replay reproduce the verdict, not the bytes (docs/maelstrom.md).
import { isAbsolute } from 'node:path';
import { runGeneratedScenario } from '../adapters/maelstrom/scenario.js';
import { TOPOLOGIES, type TopologyName } from '../adapters/maelstrom/topology.js';
import { type GateOptions, gating } from '../checks/gate.js';
import { writeHistoryFile } from '../engine/history/recorder.js';
import { GENERATED_CASE } from '../suites/maelstrom.js';
import { judgeGenerated, type MaelstromCounterexample } from '../suites/maelstrom-generated.js';
import { validateMaelstromInput } from '../suites/maelstrom-input.js';

/** Why `cx` is not a Maelstrom counterexample, or null. */
export function maelstromProblem(cx: Partial<MaelstromCounterexample>): string | null {
  if (cx.case !== GENERATED_CASE.id) return `a Maelstrom counterexample is of ${GENERATED_CASE.id}`;
  const bad = validateMaelstromInput(cx.input);
  if (bad) return bad;
  const s = cx.settings;
  if (typeof s !== 'object' || s === null) return 'settings are missing';
  if (typeof s.command !== 'string' || s.command.trim() === '') return 'settings.command must be a command';
  if (!TOPOLOGIES.includes(s.topologyName as TopologyName))
    return `settings.topologyName must be one of ${TOPOLOGIES.join(', ')}`;
  const whole = (v: unknown, lo: number) => Number.isSafeInteger(v) && (v as number) >= lo;
  for (const f of ['seed', 'latencyMs', 'settleMs'] as const)
    if (!whole(s[f], 0)) return `settings.${f} must be a whole number >= 0`;
  for (const f of ['durationMs', 'rate', 'timeoutMs'] as const)
    if (!whole(s[f], 1)) return `settings.${f} must be a whole number >= 1`;
  return null;
}

export async function replayMaelstrom(
  cx: MaelstromCounterexample,
  o: { impl?: string; history: string | null; gate: GateOptions },
): Promise<number> {
  // A saved command ran from the directory the run started in; a new one from here.
  if (o.impl === undefined && cx.cwd && isAbsolute(cx.cwd)) process.chdir(cx.cwd);
  const settings = { ...cx.settings, command: o.impl ?? cx.settings.command };
  const started = performance.now();
  const run = await runGeneratedScenario(cx.input, {
    ...settings,
    topologyName: settings.topologyName as TopologyName,
  });
  if (o.history) writeHistoryFile(o.history, run.events);
  const v = judgeGenerated(run);
  const s = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`${v.verdict} ${cx.case} (maelstrom: ${settings.command}; ${s} s)\n`);
  process.stdout.write(`  expected ${v.evidence.expected}; observed ${v.evidence.observed}\n`);
  for (const d of v.evidence.details.slice(0, 5)) process.stdout.write(`    ${d}\n`);
  return gating({ verdict: v.verdict, level: GENERATED_CASE.level }, o.gate) ? 1 : 0;
}
