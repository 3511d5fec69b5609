// One generated realtime input, run for real: a fresh endpoint process (its
// nodes on their own timers, nothing carried over from the run before), the
// realtime runner with the materialized schedule, every realtime check over
// the history, and the harness's own event-loop lag. A run in which the
// harness stalled longer than its timing bounds allow cannot fail a timing
// property: such a FAIL becomes not judged, with the lag as its reason.

import { CHECKS } from '../../checks/index.js';
import { checkRealtimeHistory, GRACE_MS } from '../../checks/realtime.js';
import { sirObservationMs } from '../../checks/realtime-sir.js';
import { notJudged, type Verdict } from '../../checks/verdict.js';
import { spawnEndpoint } from '../../engine/backends/process.js';
import { oneProcessBackend } from '../../engine/backends/realtime.js';
import type { HistoryEvent } from '../../engine/history/events.js';
import { HistoryRecorder } from '../../engine/history/recorder.js';
import { type LagFigures, LagMonitor, STALL_MS } from '../../engine/realtime/lag.js';
import { type RealtimeOutcome, RealtimeRun } from '../../engine/realtime/runner.js';
import { fullMeshPeers, type RealtimeSpec } from '../../engine/realtime/spec.js';
import { isSirVariant, type Parameters } from '../../proto/contract.js';
import { materialize, type RealtimeInput } from './input.js';
import { settleBoundMs } from './params.js';

export interface ExecuteOptions {
  /** The endpoint command ({listen} replaced), started afresh for every run. */
  command: string;
  params: Parameters;
  /** The spec's seed: node seeds, the workload's and the router's choices. */
  seed: number;
  durable: boolean;
  callTimeoutMs: number;
  startupTimeoutMs: number;
  /** Extra output lines of the endpoint go here (the run's node log), if given. */
  logFile?: string;
}

export interface Execution {
  events: HistoryEvent[];
  verdicts: Verdict[];
  lag: LagFigures;
  outcome: RealtimeOutcome;
  elapsedMs: number;
}

/**
 * How much of its own stalling the harness may have in one run: a third of
 * the grace every realtime bound adds for the harness (checks/realtime.ts
 * GRACE_MS covers read intervals, restarts and Init as well). Past it, a
 * timing verdict could be the harness's delay, not the node's.
 */
export const LAG_ALLOWANCE_MS = GRACE_MS / 3;

/** Checks that read no time (checks/index.ts `realtime`): a stalled harness cannot make them fail falsely. */
const TIME_FREE: ReadonlySet<string> = new Set(CHECKS.filter((c) => c.realtime).map((c) => c.info.id));

export function specOf(input: RealtimeInput, o: ExecuteOptions): RealtimeSpec {
  const m = materialize(input, { periodMs: o.params.periodMs, seed: o.seed, durable: o.durable });
  return {
    seed: o.seed,
    nodes: m.nodes,
    peers: fullMeshPeers(m.nodes),
    params: o.params,
    transport: 'harness',
    durationMs: m.durationMs,
    settleMs: settleBoundMs(o.params, m.nodes.length) + 1000,
    // A rumor variant settles at least its SIR bound, so sir/quiescence can be judged.
    ...(isSirVariant(o.params.variant)
      ? { observeMs: sirObservationMs(o.params, m.nodes.length, GRACE_MS) }
      : {}),
    schedule: m.schedule,
    writeEveryMs: m.writeEveryMs,
    writeLimit: m.writeLimit,
    readEveryMs: Math.max(100, o.params.periodMs),
    keys: 4,
    callTimeoutMs: o.callTimeoutMs,
    startupTimeoutMs: o.startupTimeoutMs,
    scenario: 'realtime/generated',
  };
}

/** A FAIL of a timing check in a run where the harness stalled past its allowance is not evidence. */
export function discountLag(verdicts: Verdict[], lag: LagFigures): Verdict[] {
  if (lag.totalMs <= LAG_ALLOWANCE_MS) return verdicts;
  const why = `harness event-loop stalls (>= ${STALL_MS} ms) of ${lag.totalMs} ms in all (longest ${lag.maxMs} ms) exceed the ${LAG_ALLOWANCE_MS} ms the timing bounds allow the harness`;
  return verdicts.map((v) =>
    v.verdict === 'FAIL' && !TIME_FREE.has(v.id)
      ? notJudged(v, {
          expected: v.evidence.expected,
          observed: `not judged: ${why}`,
          details: [`what it saw: ${v.evidence.observed}`, ...v.evidence.details],
        })
      : v,
  );
}

export async function execute(input: RealtimeInput, o: ExecuteOptions): Promise<Execution> {
  const spec = specOf(input, o);
  const recorder = new HistoryRecorder();
  const started = performance.now();
  const iut = await spawnEndpoint(o.command, {
    startupTimeoutMs: o.startupTimeoutMs,
    callTimeoutMs: o.callTimeoutMs,
    ...(o.logFile ? { logFile: o.logFile } : {}),
  });
  // From the run's start: starting the process is not part of what the bounds time.
  const lag = new LagMonitor();
  let outcome: RealtimeOutcome;
  try {
    outcome = await new RealtimeRun(spec, oneProcessBackend(iut), recorder.record).run();
  } finally {
    await iut.close();
  }
  const figures = lag.stop();
  const verdicts = discountLag(checkRealtimeHistory(recorder.events), figures);
  return {
    events: recorder.events,
    verdicts,
    lag: figures,
    outcome,
    elapsedMs: Math.round(performance.now() - started),
  };
}
