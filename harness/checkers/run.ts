// Whether the run itself completed: an aborted run is a broken MUST.
import { type CaseInfo, type Verdict, verdictOf } from './verdict.js';
import type { HistoryView } from './view.js';

export const RUN_COMPLETED: CaseInfo = {
  id: 'run/completed',
  requirement: 'The IUT MUST serve every call of the run so that the run completes (no abort).',
  level: 'MUST',
  source: 'DESIGN.md robustness: a hung or crashed IUT becomes a FAIL with a reason',
};

export function checkRunCompleted(v: HistoryView): Verdict {
  const errors = v.errors.map((e) => `round ${e.r} ${e.op}(${e.nodes.join(', ')}): ${e.message}`);
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
        observed: `history stops at round ${v.lastRound} without an 'end' event`,
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
      expected: `end reason completed after ${v.run.rounds} rounds`,
      observed: ok
        ? `completed at round ${v.end.r}`
        : `aborted at round ${v.end.r}${errors.length ? `: ${v.errors[v.errors.length - 1].message}` : ''}`,
      details: ok ? [] : errors.length ? errors.slice(-10) : ['no error event recorded before the abort'],
    },
    1,
  );
}
