// membership/partition-heal in realtime form (a SWIM node on its own timers,
// e.g. hashicorp/memberlist on the process backend): after the last
// disturbance (a fault stopping, a restart, a pause ending) every live member
// holds one and the same view, listing every member alive, within the
// lockstep bound T·(2P + 3D + 4) ticks (checks/membership/bounds.ts
// healBound, from SWIM and the declared parameters) re-stated in time: ticks
// of `period_ms`, plus the harness's grace (checks.ts GRACE_MS). The same
// bound covers a restart (rejoinBound T·(2D + 3) is smaller).

import type { HistoryEvent } from '../engine/history/events.js';
import { healBound } from './membership/bounds.js';
import { PARTITION_HEAL } from './membership/liveness.js';
import { membershipView, viewsAtHeal } from './membership/view.js';
import { notJudged, type Verdict, verdictOf } from './verdict.js';
import { buildView } from './view.js';

export function checkViewsHealRealtime(events: HistoryEvent[], graceMs: number): Verdict {
  const mv = membershipView(events);
  const hv = buildView(events);
  const p = mv.params;
  const period = hv.params?.periodMs ?? 0;
  const info = {
    ...PARTITION_HEAL,
    requirement:
      'After the last disturbance (fault stop, restart, pause end), every live member MUST hold one and the same view, listing every member alive, within T·(2P + 3D + 4) ticks of period_ms (plus the harness grace), and keep it to the end.',
  };
  if (!p || !(period > 0))
    return notJudged(info, { expected: 'membership parameters', observed: 'none declared', details: [] });
  const limit = healBound(mv.n, p) * period + graceMs;
  const dist = hv.lastDisturbance;
  const expected = `one all-alive view <= ${limit} ms after the last disturbance (${dist.round} ms: ${dist.what})`;
  // At each read time, the lockstep check's test (one view, every live member
  // alive); converged from the first time it holds until the end.
  const times = [...new Set(events.flatMap((e) => (e.t === 'read' ? [e.r] : [])))];
  let since: number | undefined;
  let views = new Map<string, string>();
  for (const r of times) {
    const at = viewsAtHeal(mv, r, `${r} ms`);
    views = at.views;
    if (at.bad.length === 0) since ??= r;
    else since = undefined;
  }
  const details = mv.live.map((n) => `${n}: ${views.get(n) ?? '(never read)'}`);
  if (since === undefined) {
    if (mv.lastRound < dist.round + limit)
      return notJudged(info, {
        expected,
        observed: `no one view by the end (${mv.lastRound} ms), before the bound: run too short`,
        details,
      });
    return verdictOf(
      info,
      false,
      { expected, observed: 'never one all-alive view', details },
      mv.live.length,
    );
  }
  const took = Math.max(0, since - dist.round);
  return verdictOf(
    info,
    took <= limit,
    {
      expected,
      observed: `one all-alive view from ${since} ms on: ${took} ms after the last disturbance`,
      details,
    },
    mv.live.length,
  );
}
