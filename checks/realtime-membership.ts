// The membership suite in time form, for realtime histories of
// membership-swim (a SWIM node on its own timers: the reference in realtime
// mode, hashicorp/memberlist, Serf): the lockstep checkers of
// checks/membership/, their bounds in ticks re-stated as ticks of period_ms
// plus the harness's grace (checks/membership/clock.ts realtimeClock). Each
// case is judged only when the history holds its trigger (a join for join, a
// crash for detect-crash, loss for suspicion-rate...), else INCONCLUSIVE with
// the reason. The rules beyond the lockstep ones, each a precondition of the
// same property (a lockstep run of these cases draws none of these faults):
// - accuracy and false-positive-rate leave out deaths (suspicions) first
//   seen while a fault holds traffic (a partition, a cut, a delay, a pause
//   longer than the refutation allows) and for T·(S + 2D + 2) ticks after it:
//   those are detections, not errors;
// - join, leave and rejoin are not judged over a window where such a fault
//   or a pause is in force; rejoin's "stays alive" ends at the next one;
// - refute leaves unjudged a suspicion seen later than T·(2D + 2) ticks
//   before the end and not refuted by then;
// - partition-heal: one all-alive view from the last disturbance on, at each
//   read (checkViewsHealRealtime);
// - probe-traffic counts pings per window of W protocol periods (timers are
//   not aligned to the harness's clock): see checkProbeTrafficRealtime.
import type { HistoryEvent } from '../engine/history/events.js';
import type { NodeId } from '../proto/contract.js';
import { count as counted } from '../shared/plural.js';
import {
  ACCURACY,
  checkAccuracy,
  checkFalsePositives,
  checkRefute,
  checkSuspicionRate,
  FALSE_POSITIVES,
  REFUTE,
  SUSPICION_RATE,
} from './membership/accuracy.js';
import { healBound } from './membership/bounds.js';
import { type Clock, realtimeClock } from './membership/clock.js';
import {
  checkDetectCrash,
  checkJoin,
  checkLeave,
  checkRejoin,
  DETECT_CRASH,
  JOIN,
  LEAVE,
  PARTITION_HEAL,
  REJOIN,
} from './membership/liveness.js';
import { PIGGYBACK_BYTES, PROBE_TRAFFIC } from './membership/traffic.js';
import { type MembershipView, membershipView, viewsAtHeal } from './membership/view.js';
import { type CheckInfo, notJudged, type Verdict, verdictOf } from './verdict.js';
import { buildView } from './view.js';

/** The membership cases of a realtime run, in the lockstep suite's order (suites/cases/membership.ts). */
export const REALTIME_MEMBERSHIP_CASES: readonly CheckInfo[] = [
  JOIN,
  LEAVE,
  DETECT_CRASH,
  ACCURACY,
  FALSE_POSITIVES,
  SUSPICION_RATE,
  REFUTE,
  PARTITION_HEAL,
  REJOIN,
  PROBE_TRAFFIC,
];

const absent = (info: CheckInfo, what: string): Verdict =>
  notJudged(info, { expected: what, observed: `none in the history: ${info.id} not judged`, details: [] });

/**
 * The loss a run's faults drew, in percent: the highest probability of a loss
 * fault below 1 (a loss of 1 is a cut; q grows with p, so the highest is an
 * upper bound for every window). Undefined: no such fault.
 */
export function lossPercentOf(v: MembershipView): number | undefined {
  const ps = v.faults.flatMap((f) =>
    f.action === 'start' && f.fault.kind === 'loss' && f.fault.probability < 1 ? [f.fault.probability] : [],
  );
  return ps.length ? Math.max(...ps) * 100 : undefined;
}

/** The membership cases in time form; `graceMs` is the harness's allowance (checks/realtime.ts GRACE_MS). */
export function checkMembershipRealtime(events: HistoryEvent[], graceMs: number): Verdict[] {
  const v = membershipView(events);
  const run = events.find((e) => e.t === 'run');
  const period = run?.t === 'run' ? run.params.periodMs : 0;
  if (!v.params || !(period > 0))
    return REALTIME_MEMBERSHIP_CASES.map((info) =>
      notJudged(info, {
        expected: 'membership parameters and period_ms',
        observed: 'none declared',
        details: [],
      }),
    );
  const c = realtimeClock(period, graceMs);
  const has = (how: string) => v.downs.some((d) => d.how === how) || v.ups.some((u) => u.how === how);
  const loss = lossPercentOf(v);
  const paused = v.pauses.some((p) => p.action === 'start');
  return [
    has('join') ? checkJoin(v, c) : absent(JOIN, 'a join'),
    has('leave') ? checkLeave(v, c) : absent(LEAVE, 'a leave'),
    has('crash') ? checkDetectCrash(v, c) : absent(DETECT_CRASH, 'a crash'),
    loss !== undefined || paused ? checkAccuracy(v, c) : absent(ACCURACY, 'loss below 1 or a pause'),
    loss !== undefined ? checkFalsePositives(v, loss, c) : absent(FALSE_POSITIVES, 'loss below 1'),
    loss !== undefined ? checkSuspicionRate(v, loss, c) : absent(SUSPICION_RATE, 'loss below 1'),
    refuteOrAbsent(v, c),
    checkViewsHealRealtime(events, graceMs),
    has('restart') ? checkRejoin(v, c) : absent(REJOIN, 'a restart'),
    checkProbeTrafficRealtime(v, period),
  ];
}

function refuteOrAbsent(v: MembershipView, c: Clock): Verdict {
  const r = checkRefute(v, c);
  return r.judged === 0 ? absent(REFUTE, 'a suspected live member, early enough to refute') : r;
}

/** Protocol periods per window of probe-traffic's time form. */
export const PROBE_WINDOW_PERIODS = 4;

/**
 * probe-traffic in time form: a member's timers are not aligned to the
 * harness's clock and every send is recorded as hop 0, so per generation of a
 * member, in consecutive windows of W = 4 protocol periods (T·period_ms each)
 * from its start, the pings it initiated (pings sent less the ping-reqs
 * delivered to it there, each answered by one relayed ping) are at most
 * W + 1 and its ping-reqs at most k·(W + 1): one period may straddle a
 * window's edge (SWIM §3.1, 1 ping and k ping-reqs per period). Probe
 * messages stay under PIGGYBACK_BYTES, as in lockstep.
 */
export function checkProbeTrafficRealtime(v: MembershipView, periodMs: number): Verdict {
  const p = v.params!;
  const windowMs = PROBE_WINDOW_PERIODS * p.probePeriod * periodMs;
  const maxPings = PROBE_WINDOW_PERIODS + 1;
  const maxReqs = p.indirectProbes * (PROBE_WINDOW_PERIODS + 1);
  const probes = v.sends.filter((s) => s.kind === 'ping' || s.kind === 'ping-req' || s.kind === 'ack');
  if (probes.length === 0) return absent(PROBE_TRAFFIC, 'pings the harness routed (harness transport)');
  const startOf = (node: NodeId, r: number) =>
    Math.max(0, ...v.ups.filter((u) => u.node === node && u.r <= r).map((u) => u.r));
  const count = new Map<string, { ping: number; req: number; relayed: number }>();
  const at = (node: NodeId, r: number) => {
    const s = startOf(node, r);
    const key = `${node} from ${s} ms, window ${Math.floor((r - s) / windowMs)}`;
    const c = count.get(key) ?? { ping: 0, req: 0, relayed: 0 };
    count.set(key, c);
    return c;
  };
  const bad: string[] = [];
  for (const s of probes) {
    if (s.bytes > PIGGYBACK_BYTES) bad.push(`${s.r} ms ${s.from} -> ${s.to}: ${s.kind} of ${s.bytes} bytes`);
    if (s.kind === 'ping') at(s.from, s.r).ping++;
    if (s.kind === 'ping-req') {
      at(s.from, s.r).req++;
      const got = v.deliveredAt.get(s.id);
      if (got !== undefined) at(s.to, got).relayed++;
    }
  }
  for (const [key, c] of count) {
    const initiated = c.ping - c.relayed;
    if (initiated > maxPings || c.req > maxReqs)
      bad.push(
        `${key}: ${initiated} pings initiated (${c.ping} sent, ${c.relayed} relayed), ${c.req} ping-reqs`,
      );
  }
  return verdictOf(
    PROBE_TRAFFIC,
    bad.length === 0,
    {
      expected: `<= ${maxPings} pings and <= ${maxReqs} ping-reqs initiated per member per ${windowMs} ms (${PROBE_WINDOW_PERIODS} periods of T = ${p.probePeriod} ticks of ${periodMs} ms, k = ${p.indirectProbes}, one period straddling); probe messages <= ${PIGGYBACK_BYTES} bytes`,
      observed: bad.length
        ? counted(bad.length, 'violation')
        : `${count.size} (member, window) pairs within bounds (n = ${v.n})`,
      details: bad,
    },
    count.size,
  );
}

// membership/partition-heal in realtime form: after the last disturbance (a
// fault stopping, a restart, a pause ending) every live member holds one and
// the same view, listing every member alive, within the lockstep bound
// T·(2P + 3D + 4) ticks (checks/membership/bounds.ts healBound, from SWIM and
// the declared parameters) re-stated in time: ticks of `period_ms`, plus the
// harness's grace (checks.ts GRACE_MS). The same bound covers a restart
// (rejoinBound T·(2D + 3) is smaller). Whatever the partition's length: after
// one longer than the time to declare dead (bounds.ts deadAfterMs) both sides
// hold each other dead, and only an implementation that reconnects to members
// it holds dead (a push-pull with one every P periods) heals; one that never
// does (memberlist) keeps two views and FAILS once the bound has passed.
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
