// membership/join, leave, detect-crash, partition-heal, rejoin: a member
// that comes or goes (or a partition that heals) is known to every member
// within the bounds of ./bounds.ts.

import type { MemberStatus, NodeId } from '../../proto/contract.js';
import { count } from '../../shared/plural.js';
import { type CheckInfo, type Verdict, verdictOf } from '../verdict.js';
import {
  BOUNDS,
  detectBound,
  firstDetectionExpected,
  healBound,
  rejoinBound,
  SWIM,
  spreadBound,
} from './bounds.js';
import { type Clock, LOCKSTEP } from './clock.js';
import {
  everHeld,
  firstHolding,
  holdsTraffic,
  type MembershipView,
  noParams,
  trafficHeld,
  upThroughout,
  viewsAtHeal,
} from './view.js';

export const JOIN: CheckInfo = {
  id: 'membership/join',
  requirement:
    'A member joining through its seeds (a seed may itself be joining) MUST be listed alive by every member up throughout, within T·(D + 3) ticks of its join.',
  level: 'MUST',
  source: `${BOUNDS}: a push-pull with the seed, then dissemination in D = ceil(lambda·log2(n+1)) periods`,
};

/**
 * The end of an event's window: its bound, when the history (and the node's
 * next change, `last`) reaches that far. A window the run cuts short is judged
 * only when every member already met the requirement by the cut (`metBy`):
 * that is a pass whatever the rest of the bound would have shown; a member
 * not there yet could still be in time, so the event is not judged.
 */
/** Whether `x` listed `node` in `status` at some read in [from, stop]. */
const heldBy = (
  v: MembershipView,
  x: NodeId,
  node: NodeId,
  from: number,
  stop: number,
  status: MemberStatus,
) => (firstHolding(v, x, node, from, [status]) ?? Number.POSITIVE_INFINITY) <= stop;

function withinRun(
  v: MembershipView,
  end: number,
  metBy: (stop: number) => boolean,
  last = Number.POSITIVE_INFINITY,
): number | undefined {
  const stop = Math.min(v.lastRound, last);
  if (end <= stop) return end;
  return metBy(stop) ? stop : undefined;
}

export function checkJoin(v: MembershipView, c: Clock = LOCKSTEP): Verdict {
  if (!v.params) return noParams(JOIN);
  const ticks = spreadBound(v.n, v.params);
  const bound = c.span(ticks);
  const bad: string[] = [];
  const times: number[] = [];
  let judged = 0;
  for (const j of v.ups.filter((u) => u.how === 'join')) {
    const end = withinRun(v, j.r + bound, (stop) =>
      upThroughout(v, j.r, stop).every((x) => x === j.node || heldBy(v, x, j.node, j.r, stop, 'alive')),
    );
    if (end === undefined || trafficHeld(v, j.r, end)) continue;
    for (const x of upThroughout(v, j.r, end)) {
      if (x === j.node) continue;
      judged++;
      const at = firstHolding(v, x, j.node, j.r, ['alive']);
      if (at === undefined || at > end)
        bad.push(`${x} did not list ${j.node} (joined at ${c.time(j.r)}) alive by ${c.at(end)}`);
      else times.push(at - j.r);
    }
  }
  return verdictOf(
    JOIN,
    bad.length === 0,
    {
      expected: `every joiner alive everywhere within ${c.bound(ticks)}`,
      observed: bad.length
        ? `${bad.length} of ${judged} (member, joiner) pairs late`
        : `${judged} pairs in time, slowest ${c.took(Math.max(0, ...times))}`,
      details: bad,
    },
    judged,
  );
}

export const LEAVE: CheckInfo = {
  id: 'membership/leave',
  requirement:
    'A graceful leave (clean Stop) MUST be listed as left, and never as dead, by every member up throughout, within T·(D + 3) ticks.',
  level: 'MUST',
  source: `${BOUNDS}: the leave goes to every member held alive, then spreads in D periods; LEFT overrides DEAD at equal incarnation`,
};

export function checkLeave(v: MembershipView, c: Clock = LOCKSTEP): Verdict {
  if (!v.params) return noParams(LEAVE);
  const ticks = spreadBound(v.n, v.params);
  const bound = c.span(ticks);
  const bad: string[] = [];
  let judged = 0;
  for (const l of v.downs.filter((d) => d.how === 'leave')) {
    const back = v.ups.find((u) => u.node === l.node && u.r > l.r)?.r ?? v.lastRound + 1;
    const end = withinRun(
      v,
      l.r + bound,
      (stop) =>
        upThroughout(v, l.r, stop).every((x) => x === l.node || heldBy(v, x, l.node, l.r, stop, 'left')),
      back - 1,
    );
    if (end === undefined || trafficHeld(v, l.r, end)) continue;
    for (const x of upThroughout(v, l.r, end)) {
      if (x === l.node) continue;
      judged++;
      const at = firstHolding(v, x, l.node, l.r, ['left']);
      if (at === undefined || at > end)
        bad.push(`${x} did not list ${l.node} (left at ${c.time(l.r)}) as left by ${c.at(end)}`);
      const dead = everHeld(v, x, l.node, l.r, back - 1, 'dead');
      if (dead !== undefined)
        bad.push(`${x} listed ${l.node} (left at ${c.time(l.r)}) as dead at ${c.at(dead)}`);
    }
  }
  return verdictOf(
    LEAVE,
    bad.length === 0,
    {
      expected: `every leaver left (never dead) everywhere within ${c.bound(ticks)}`,
      observed: bad.length
        ? `${count(bad.length, 'violation')} over ${count(judged, 'pair')}`
        : `${judged} (member, leaver) pairs in time`,
      details: bad,
    },
    judged,
  );
}

export const DETECT_CRASH: CheckInfo = {
  id: 'membership/detect-crash',
  requirement:
    'A crashed member MUST be listed dead by every member up throughout, within T·(F + 2 + S + D) ticks of the crash.',
  level: 'MUST',
  source: `${BOUNDS}: first detection expected within T/(1 - e^(-q_f)) (§3.1), whp F = min(ln(1e6)/q_f, 2(n-1)) periods (round-robin, §4.3); one period for ping-req; S periods of suspicion; D periods of dissemination`,
};

export function checkDetectCrash(v: MembershipView, clock: Clock = LOCKSTEP): Verdict {
  if (!v.params) return noParams(DETECT_CRASH);
  const p = v.params;
  const bad: string[] = [];
  const lines: string[] = [];
  let judged = 0;
  const crashes = v.downs.filter((d) => d.how === 'crash');
  for (const c of crashes) {
    const qf = (v.n - crashes.length) / v.n;
    const ticks = detectBound(v.n, qf, p);
    const bound = clock.span(ticks);
    const back = v.ups.find((u) => u.node === c.node && u.r > c.r)?.r ?? v.lastRound + 1;
    const end = withinRun(
      v,
      c.r + bound,
      (stop) =>
        upThroughout(v, c.r, stop).every((x) => x === c.node || heldBy(v, x, c.node, c.r, stop, 'dead')),
      back - 1,
    );
    if (end === undefined) continue;
    const firsts: number[] = [];
    const all: number[] = [];
    for (const x of upThroughout(v, c.r, end)) {
      if (x === c.node) continue;
      judged++;
      const at = firstHolding(v, x, c.node, c.r, ['dead']);
      if (at === undefined || at > end)
        bad.push(`${x} did not list ${c.node} (crashed at ${clock.time(c.r)}) dead by ${clock.at(end)}`);
      else all.push(at - c.r);
      const sus = firstHolding(v, x, c.node, c.r, ['suspect', 'dead']);
      if (sus !== undefined) firsts.push(sus - c.r);
    }
    const first = firsts.length ? Math.min(...firsts) : undefined;
    lines.push(
      `${c.node} crashed at ${clock.time(c.r)}: first suspicion after ${first === undefined ? '-' : clock.took(first)} (theory: expected ${clock.ticks(p.probePeriod * firstDetectionExpected(qf))} to the first failed probe, T/(1-e^-q_f), q_f = ${qf.toFixed(2)}, +1 period for ping-req); dead everywhere after ${all.length ? clock.took(Math.max(...all)) : '-'} (bound ${clock.bound(ticks)}); per member: ${all.sort((a, b) => a - b).join(' ')}`,
    );
  }
  return verdictOf(
    DETECT_CRASH,
    bad.length === 0,
    {
      expected: `every crashed member dead everywhere within T·(F + 2 + S + D) ${clock === LOCKSTEP ? 'ticks' : 'ticks of period_ms (+ the harness grace)'}`,
      observed: bad.length
        ? `${bad.length} of ${judged} (member, crashed) pairs late`
        : `${judged} pairs in time`,
      details: [...bad, ...lines],
    },
    judged,
  );
}

export const PARTITION_HEAL: CheckInfo = {
  id: 'membership/partition-heal',
  requirement:
    'After a partition heals, every member up MUST hold one and the same view, listing every member up as alive, within T·(2P + 3D + 4) ticks of the heal.',
  level: 'MUST',
  source: `${BOUNDS}: a push-pull with a member held dead every P periods (Serf-style reconnect, memberlist push-pull), then deaths, refutations and stragglers spread in D periods each`,
};

export function checkPartitionHeal(v: MembershipView): Verdict {
  if (!v.params) return noParams(PARTITION_HEAL);
  const heals = v.faults.filter((f) => f.action === 'stop' && f.fault.kind === 'partition').map((f) => f.r);
  if (heals.length === 0)
    return verdictOf(
      PARTITION_HEAL,
      true,
      { expected: 'a healed partition', observed: 'none', details: [] },
      0,
    );
  const heal = Math.max(...heals);
  const end = heal + healBound(v.n, v.params);
  if (end > v.lastRound)
    return verdictOf(
      PARTITION_HEAL,
      true,
      { expected: `run past round ${end}`, observed: `ends at ${v.lastRound}`, details: [] },
      0,
    );
  const { views, distinct, bad } = viewsAtHeal(v, end);
  return verdictOf(
    PARTITION_HEAL,
    bad.length === 0,
    {
      expected: `one view, every live member alive, by round ${end} (heal at ${heal})`,
      observed: bad.length ? `${distinct} distinct views at round ${end}` : `one view at round ${end}`,
      details: bad,
    },
    views.size,
  );
}

export const REJOIN: CheckInfo = {
  id: 'membership/rejoin',
  requirement:
    'A restarted member (new generation) MUST be listed alive by every member up throughout within T·(2D + 3) ticks of its restart, and once so, never again dead or suspect-to-dead through a stale death of its old incarnation.',
  level: 'MUST',
  source: `${BOUNDS}: the restarted member learns its old death by push-pull and refutes it with a higher incarnation (${SWIM} §4.2; memberlist)`,
};

export function checkRejoin(v: MembershipView, c: Clock = LOCKSTEP): Verdict {
  if (!v.params) return noParams(REJOIN);
  const ticks = rejoinBound(v.n, v.params);
  const bound = c.span(ticks);
  const bad: string[] = [];
  let judged = 0;
  for (const u of v.ups.filter((x) => x.how === 'restart')) {
    const next = v.downs.find((d) => d.node === u.node && d.r > u.r)?.r ?? v.lastRound + 1;
    const end = withinRun(
      v,
      u.r + bound,
      (stop) =>
        upThroughout(v, u.r, stop).every((x) => x === u.node || heldBy(v, x, u.node, u.r, stop, 'alive')),
      next - 1,
    );
    if (end === undefined || trafficHeld(v, u.r, end)) continue;
    // "Stays so" holds until the member is down again, or a later fault holds
    // its traffic (a partition, a cut, its pause): a death then is a
    // detection, not a stale one (a lockstep rejoin run has neither).
    const cut = Math.min(
      next,
      ...v.faults.filter((f) => f.action === 'start' && f.r > u.r && holdsTraffic(f.fault)).map((f) => f.r),
      ...v.pauses.filter((e) => e.node === u.node && e.action === 'start' && e.r > u.r).map((e) => e.r),
    );
    for (const x of upThroughout(v, u.r, end)) {
      if (x === u.node) continue;
      judged++;
      const at = firstHolding(v, x, u.node, u.r, ['alive']);
      if (at === undefined || at > end) {
        bad.push(`${x} did not list ${u.node} (restarted at ${c.time(u.r)}) alive by ${c.at(end)}`);
        continue;
      }
      const dead = at < cut ? everHeld(v, x, u.node, at, cut - 1, 'dead') : undefined;
      if (dead !== undefined) bad.push(`${x} listed ${u.node} dead again at ${c.at(dead)} after it rejoined`);
    }
  }
  return verdictOf(
    REJOIN,
    bad.length === 0,
    {
      expected: `every restarted member alive everywhere within ${c.bound(ticks)}, and stays so`,
      observed: bad.length
        ? `${count(bad.length, 'violation')} over ${count(judged, 'pair')}`
        : `${judged} pairs rejoined in time`,
      details: bad,
    },
    judged,
  );
}
