// Whether the run itself completed: an aborted run is a broken MUST.
import { type CheckInfo, type Verdict, verdictOf } from './verdict.js';
import type { HistoryView } from './view.js';

export const RUN_COMPLETED: CheckInfo = {
  id: 'run/completed',
  requirement: 'The IUT MUST serve every call of the run so that the run completes (no abort).',
  level: 'MUST',
  source:
    'GossipNode contract (proto/gossipcheck/v1/gossip.proto service GossipNode): every call is answered within --timeout; docs/verdicts.md: a hung or crashed IUT is a FAIL with its reason',
};

/** A history time in its unit: a round (lockstep) or milliseconds (realtime, docs/chaos.md). */
export function at(v: HistoryView, r: number): string {
  return v.run?.mode === 'realtime' ? `${r} ms` : `round ${r}`;
}

export function checkRunCompleted(v: HistoryView): Verdict {
  const errors = v.errors.map((e) => `${at(v, e.r)} ${e.op}(${e.nodes.join(', ')}): ${e.message}`);
  if (!v.run) {
    return verdictOf(
      RUN_COMPLETED,
      false,
      {
        expected: "a 'run' event, then an 'end' event with reason completed",
        observed: "no 'run' event in the history",
        details: errors,
      },
      1,
    );
  }
  if (!v.end) {
    return verdictOf(
      RUN_COMPLETED,
      false,
      {
        expected: "an 'end' event with reason completed",
        observed: `history stops at ${at(v, v.lastRound)} without an 'end' event`,
        details: errors,
      },
      1,
    );
  }
  const ok = v.end.reason === 'completed';
  return verdictOf(
    RUN_COMPLETED,
    ok,
    {
      expected: `end reason completed after ${v.run.mode === 'realtime' ? `${v.run.rounds} ms of workload` : `${v.run.rounds} rounds`}`,
      observed: ok
        ? `completed at ${at(v, v.end.r)}`
        : `aborted at ${at(v, v.end.r)}${errors.length ? `: ${v.errors[v.errors.length - 1].message}` : ''}`,
      details: ok ? [] : errors.length ? errors.slice(-10) : ['no error event recorded before the abort'],
    },
    1,
  );
}
