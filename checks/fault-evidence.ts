// The evidence rule for fault-tolerance properties (docs/verdicts.md, "Faults
// proven to fire"): a run is evidence that a property holds under faults
// only if one of its faults of the kinds that property is about did
// something (checks/fault-effects.ts). When every such fault was inert, the
// run shows the fault-free behaviour and nothing more: the check is not
// judged for that run (INCONCLUSIVE, naming the inert faults). A run with no
// such fault at all is judged as it stands (a fault-free case, like
// convergence/no-faults, claims nothing about faults); a failure stands
// whatever the faults did. The effects are named in the verdict's evidence.
import type { HistoryEvent } from '../engine/history/events.js';
import { effectLine, type FaultEffect, type FaultKind, faultEffects } from './fault-effects.js';
import { capDetails, MAX_DETAILS, notJudged, type Verdict } from './verdict.js';

/** Every fault kind: what a convergence property is judged under (each disturbs dissemination). */
export const ALL_FAULTS: readonly FaultKind[] = [
  'partition',
  'loss',
  'delay',
  'duplicate',
  'reorder',
  'tamper',
  'crash',
  'pause',
];

/** One derivation per history: the several checks of one run share it. */
const cache = new WeakMap<readonly HistoryEvent[], FaultEffect[]>();

export function effectsOf(events: readonly HistoryEvent[]): FaultEffect[] {
  let e = cache.get(events);
  if (!e) {
    e = faultEffects(events);
    cache.set(events, e);
  }
  return e;
}

/** The evidence line, e.g. "faults: partition halves 12 dropped; loss p=0.1 3 dropped". */
export function faultsLine(effects: readonly FaultEffect[]): string {
  return `faults: ${effects.map(effectLine).join('; ')}`;
}

/**
 * `verdict` held to the rule for a property judged under faults of `kinds`:
 * unchanged when the run has none of them; not judged when all of them were
 * inert (unless it failed); otherwise with the faults' effects in its details.
 */
export function requireFaultEffect(
  verdict: Verdict,
  events: readonly HistoryEvent[],
  kinds: readonly FaultKind[],
): Verdict {
  const counted = effectsOf(events).filter((f) => kinds.includes(f.window.kind));
  if (counted.length === 0 || verdict.judged === 0) return verdict;
  const line = faultsLine(counted);
  const failed = verdict.verdict === 'FAIL' || verdict.verdict === 'NON-STRICT';
  if (failed || counted.some((f) => f.total > 0))
    return {
      ...verdict,
      // Last, so the check's own lines keep their places; kept whatever the cap cuts.
      evidence: {
        ...verdict.evidence,
        details: [...capDetails(verdict.evidence.details, MAX_DETAILS - 1), line],
      },
    };
  const inert = counted.map((f) => f.window.label).join(', ');
  return notJudged(verdict, {
    expected: verdict.evidence.expected,
    observed: `every fault was inert (${inert}): the run shows no fault tolerance`,
    details: [`not judged: every fault was inert, ${line}`, ...verdict.evidence.details],
  });
}
