// membership/…: SWIM checks over a lockstep history. Every bound is built
// from theory and the declared parameters (Parameters.membership), never
// from the reference's behaviour:
//   T  probe period in ticks; k indirect probes; S suspicion periods;
//   lambda retransmit factor; P push-pull periods; n members.
//   D(n) = ceil(lambda * log2(n + 1)) periods: infection-style dissemination
//     (each update piggybacked that many times per member; push spreading
//     takes log2 n + ln n + O(1) periods whp, Pittel 1987, below D for
//     lambda >= 2).
//   F(n, q_f) periods until some live member probes a crashed one: SWIM's
//     expected first-detection time is T/(1 - e^(-q_f)) (Das et al. 2002
//     §3.1, q_f the fraction of non-faulty members); whp (1e-6) the wait is
//     at most ln(1e6)/q_f periods, and the round-robin order caps it at
//     2(n - 1) periods (§4.3).

import type { EventOf, HistoryEvent } from '../engine/history/events.js';
import type { MemberStatus, MembershipParams, NodeId } from '../proto/contract.js';
import { type CaseInfo, type Verdict, verdictOf } from './verdict.js';

export const dissemination = (n: number, p: MembershipParams): number =>
  Math.max(1, Math.ceil(p.retransmitMult * Math.log2(n + 1)));

export const firstDetectionExpected = (qf: number): number => 1 / (1 - Math.exp(-qf));

export const firstDetectionWhp = (n: number, qf: number): number =>
  Math.min(Math.ceil(Math.log(1e6) / qf), 2 * (n - 1));

/** Ticks from a crash to every live member holding it dead: T·(F + 2 + S + D). */
export function detectBound(n: number, qf: number, p: MembershipParams): number {
  return p.probePeriod * (firstDetectionWhp(n, qf) + 2 + p.suspicionPeriods + dissemination(n, p));
}

/** Ticks from a join (or leave) to every live member knowing it: T·(D + 3). */
export const spreadBound = (n: number, p: MembershipParams): number =>
  p.probePeriod * (dissemination(n, p) + 3);

/** Ticks from a restart to it being alive everywhere: a push-pull, a refutation, a spread: T·(2D + 3). */
export const rejoinBound = (n: number, p: MembershipParams): number =>
  p.probePeriod * (2 * dissemination(n, p) + 3);

/** Ticks from a heal to one view: a push-pull to a dead member, then three spreads (deaths, refutations, stragglers) and a push-pull. */
export const healBound = (n: number, p: MembershipParams): number =>
  p.probePeriod * (2 * p.pushPullPeriods + 3 * dissemination(n, p) + 4);

type View = Map<NodeId, [MemberStatus, number]>;

/** Per node, its views by round (a read is recorded only when the view changed), and when it was up. */
export interface MembershipView {
  n: number;
  nodes: NodeId[];
  params?: MembershipParams;
  lastRound: number;
  completed: boolean;
  /** Per node, [round, view] in order. */
  views: Map<NodeId, [number, View][]>;
  /** Per node, the rounds it went down (crash or leave) and came up (join or restart). */
  downs: { node: NodeId; r: number; how: 'crash' | 'leave' }[];
  ups: { node: NodeId; r: number; how: 'join' | 'restart' }[];
  /** Nodes never down in the run (not counting pauses). */
  steady: NodeId[];
  /** Nodes up at the end. */
  live: NodeId[];
  pauses: EventOf<'pause'>[];
  sends: EventOf<'send'>[];
  ticks: EventOf<'tick'>[];
  faults: EventOf<'fault'>[];
}

export function membershipView(events: readonly HistoryEvent[]): MembershipView {
  const v: MembershipView = {
    n: 0,
    nodes: [],
    lastRound: 0,
    completed: false,
    views: new Map(),
    downs: [],
    ups: [],
    steady: [],
    live: [],
    pauses: [],
    sends: [],
    ticks: [],
    faults: [],
  };
  const down = new Set<NodeId>();
  const ever = new Set<NodeId>();
  for (const e of events) {
    if ('r' in e) v.lastRound = Math.max(v.lastRound, e.r);
    switch (e.t) {
      case 'run':
        v.nodes = e.nodes.slice();
        v.n = e.nodes.length;
        v.params = e.params.membership;
        break;
      case 'end':
        v.completed = e.reason === 'completed';
        break;
      case 'crash':
      case 'leave':
        v.downs.push({ node: e.node, r: e.r, how: e.t });
        down.add(e.node);
        ever.add(e.node);
        break;
      case 'join':
      case 'restart':
        v.ups.push({ node: e.node, r: e.r, how: e.t });
        down.delete(e.node);
        if (e.t === 'join') ever.add(e.node);
        break;
      case 'pause':
        v.pauses.push(e);
        break;
      case 'send':
        v.sends.push(e);
        break;
      case 'tick':
        v.ticks.push(e);
        break;
      case 'fault':
        v.faults.push(e);
        break;
      case 'read': {
        const view: View = new Map((e.members ?? []).map(([m, s, i]) => [m, [s, i]]));
        const list = v.views.get(e.node) ?? [];
        list.push([e.r, view]);
        v.views.set(e.node, list);
        break;
      }
    }
  }
  v.live = v.nodes.filter((x) => !down.has(x));
  v.steady = v.nodes.filter((x) => !ever.has(x));
  return v;
}

/** `node`'s view of `member` after round r's reads (undefined: not heard of, or no read yet). */
function heldAt(
  v: MembershipView,
  node: NodeId,
  member: NodeId,
  r: number,
): [MemberStatus, number] | undefined {
  let held: [MemberStatus, number] | undefined;
  for (const [rr, view] of v.views.get(node) ?? []) {
    if (rr > r) break;
    held = view.get(member);
  }
  return held;
}

/** First round >= from at which `node` holds `member` with a status in `want`, or undefined. */
function firstHolding(
  v: MembershipView,
  node: NodeId,
  member: NodeId,
  from: number,
  want: readonly MemberStatus[],
): number | undefined {
  const h = heldAt(v, node, member, from);
  if (h && want.includes(h[0])) return from;
  for (const [rr, view] of v.views.get(node) ?? []) {
    if (rr <= from) continue;
    const x = view.get(member);
    if (x && want.includes(x[0])) return rr;
  }
  return undefined;
}

/** Rounds in [from, to] at which `node` held `member` with status `s` (first one). */
function everHeld(
  v: MembershipView,
  node: NodeId,
  member: NodeId,
  from: number,
  to: number,
  s: MemberStatus,
): number | undefined {
  const h = heldAt(v, node, member, from);
  if (h && h[0] === s) return from;
  for (const [rr, view] of v.views.get(node) ?? []) {
    if (rr <= from || rr > to) continue;
    if (view.get(member)?.[0] === s) return rr;
  }
  return undefined;
}

/** Nodes up over the whole window [from, to] (never down in it). */
function upThroughout(v: MembershipView, from: number, to: number): NodeId[] {
  return v.nodes.filter((x) => {
    let up = !v.ups.some((u) => u.node === x && u.how === 'join' && u.r > 0);
    for (const e of [...v.downs.map((d) => ({ ...d, up: false })), ...v.ups.map((u) => ({ ...u, up: true }))]
      .filter((e) => e.node === x)
      .sort((a, b) => a.r - b.r)) {
      if (e.r <= from) up = e.up;
      else if (e.r <= to) return false;
    }
    return up;
  });
}

const SWIM = 'Das, Gupta, Motivala 2002 (SWIM)';
const BOUNDS = `${SWIM}; bounds in checks/membership.ts from the declared Parameters.membership`;

function noParams(info: CaseInfo): Verdict {
  return verdictOf(
    info,
    true,
    { expected: 'a membership-swim run', observed: 'no membership parameters in the run', details: [] },
    0,
  );
}

export const JOIN: CaseInfo = {
  id: 'membership/join',
  requirement:
    'A member joining through its seeds (a seed may itself be joining) MUST be listed alive by every member up throughout, within T·(D + 3) ticks of its join.',
  level: 'MUST',
  source: `${BOUNDS}: a push-pull with the seed, then dissemination in D = ceil(lambda·log2(n+1)) periods`,
};

export function checkJoin(v: MembershipView): Verdict {
  if (!v.params) return noParams(JOIN);
  const bound = spreadBound(v.n, v.params);
  const bad: string[] = [];
  const times: number[] = [];
  let judged = 0;
  for (const j of v.ups.filter((u) => u.how === 'join')) {
    const end = j.r + bound;
    if (end > v.lastRound) continue;
    for (const x of upThroughout(v, j.r, end)) {
      if (x === j.node) continue;
      judged++;
      const at = firstHolding(v, x, j.node, j.r, ['alive']);
      if (at === undefined || at > end)
        bad.push(`${x} did not list ${j.node} (joined at ${j.r}) alive by round ${end}`);
      else times.push(at - j.r);
    }
  }
  return verdictOf(
    JOIN,
    bad.length === 0,
    {
      expected: `every joiner alive everywhere within ${bound} ticks`,
      observed: bad.length
        ? `${bad.length} of ${judged} (member, joiner) pairs late`
        : `${judged} pairs in time, slowest ${Math.max(0, ...times)} ticks`,
      details: bad,
    },
    judged,
  );
}

export const LEAVE: CaseInfo = {
  id: 'membership/leave',
  requirement:
    'A graceful leave (clean Stop) MUST be listed as left, and never as dead, by every member up throughout, within T·(D + 3) ticks.',
  level: 'MUST',
  source: `${BOUNDS}: the leave goes to every member held alive, then spreads in D periods; LEFT overrides DEAD at equal incarnation`,
};

export function checkLeave(v: MembershipView): Verdict {
  if (!v.params) return noParams(LEAVE);
  const bound = spreadBound(v.n, v.params);
  const bad: string[] = [];
  let judged = 0;
  for (const l of v.downs.filter((d) => d.how === 'leave')) {
    const back = v.ups.find((u) => u.node === l.node && u.r > l.r)?.r ?? v.lastRound + 1;
    const end = l.r + bound;
    if (end > v.lastRound || end >= back) continue;
    for (const x of upThroughout(v, l.r, end)) {
      if (x === l.node) continue;
      judged++;
      const at = firstHolding(v, x, l.node, l.r, ['left']);
      if (at === undefined || at > end)
        bad.push(`${x} did not list ${l.node} (left at ${l.r}) as left by round ${end}`);
      const dead = everHeld(v, x, l.node, l.r, back - 1, 'dead');
      if (dead !== undefined) bad.push(`${x} listed ${l.node} (left at ${l.r}) as dead at round ${dead}`);
    }
  }
  return verdictOf(
    LEAVE,
    bad.length === 0,
    {
      expected: `every leaver left (never dead) everywhere within ${bound} ticks`,
      observed: bad.length
        ? `${bad.length} violations over ${judged} pairs`
        : `${judged} (member, leaver) pairs in time`,
      details: bad,
    },
    judged,
  );
}

export const DETECT_CRASH: CaseInfo = {
  id: 'membership/detect-crash',
  requirement:
    'A crashed member MUST be listed dead by every member up throughout, within T·(F + 2 + S + D) ticks of the crash.',
  level: 'MUST',
  source: `${BOUNDS}: first detection expected within T/(1 - e^(-q_f)) (§3.1), whp F = min(ln(1e6)/q_f, 2(n-1)) periods (round-robin, §4.3); one period for ping-req; S periods of suspicion; D periods of dissemination`,
};

export function checkDetectCrash(v: MembershipView): Verdict {
  if (!v.params) return noParams(DETECT_CRASH);
  const p = v.params;
  const bad: string[] = [];
  const lines: string[] = [];
  let judged = 0;
  const crashes = v.downs.filter((d) => d.how === 'crash');
  for (const c of crashes) {
    const qf = (v.n - crashes.length) / v.n;
    const bound = detectBound(v.n, qf, p);
    const back = v.ups.find((u) => u.node === c.node && u.r > c.r)?.r ?? v.lastRound + 1;
    const end = c.r + bound;
    if (end > v.lastRound || end >= back) continue;
    const firsts: number[] = [];
    const all: number[] = [];
    for (const x of upThroughout(v, c.r, end)) {
      if (x === c.node) continue;
      judged++;
      const at = firstHolding(v, x, c.node, c.r, ['dead']);
      if (at === undefined || at > end)
        bad.push(`${x} did not list ${c.node} (crashed at ${c.r}) dead by round ${end}`);
      else all.push(at - c.r);
      const sus = firstHolding(v, x, c.node, c.r, ['suspect', 'dead']);
      if (sus !== undefined) firsts.push(sus - c.r);
    }
    const first = firsts.length ? Math.min(...firsts) : undefined;
    lines.push(
      `${c.node} crashed at ${c.r}: first suspicion after ${first ?? '-'} ticks (theory: expected ${(p.probePeriod * firstDetectionExpected(qf)).toFixed(1)} ticks to the first failed probe, T/(1-e^-q_f), q_f = ${qf.toFixed(2)}, +1 period for ping-req); dead everywhere after ${all.length ? Math.max(...all) : '-'} ticks (bound ${bound}); per member: ${all.sort((a, b) => a - b).join(' ')}`,
    );
  }
  return verdictOf(
    DETECT_CRASH,
    bad.length === 0,
    {
      expected: `every crashed member dead everywhere within T·(F + 2 + S + D) ticks`,
      observed: bad.length
        ? `${bad.length} of ${judged} (member, crashed) pairs late`
        : `${judged} pairs in time`,
      details: [...bad, ...lines],
    },
    judged,
  );
}

export const ACCURACY: CaseInfo = {
  id: 'membership/accuracy',
  requirement:
    'Under message loss up to 10% and a pause shorter than the suspicion timeout, no member that never crashed or left MUST ever be listed dead.',
  level: 'MUST',
  source: `${SWIM} §3.2-4.2: suspicion lets a slow or unlucky member refute before it is declared dead; runs draw S >= 2D + 2 periods so a refutation can spread (D periods) after the suspect learns of it (D periods)`,
};

export function checkAccuracy(v: MembershipView): Verdict {
  if (!v.params) return noParams(ACCURACY);
  const bad: string[] = [];
  let judged = 0;
  let suspected = 0;
  for (const x of v.steady) {
    for (const m of v.steady) {
      if (x === m) continue;
      judged++;
      const dead = everHeld(v, x, m, 0, v.lastRound, 'dead');
      if (dead !== undefined) bad.push(`${x} listed ${m} (never crashed nor left) dead at round ${dead}`);
      if (everHeld(v, x, m, 0, v.lastRound, 'suspect') !== undefined) suspected++;
    }
  }
  return verdictOf(
    ACCURACY,
    bad.length === 0,
    {
      expected: 'no live member ever listed dead',
      observed: bad.length
        ? `${bad.length} false deaths over ${judged} (member, member) pairs`
        : `no false death over ${judged} pairs (${suspected} pairs saw a suspicion, refuted)`,
      details: bad,
    },
    judged,
  );
}

/** Probability that a probe of a live member fails under loss p with k indirect probes (SWIM §3.1). */
export const probeFailure = (p: number, k: number): number => (1 - (1 - p) ** 2) * (1 - (1 - p) ** 4) ** k;

export const FALSE_POSITIVES: CaseInfo = {
  id: 'membership/false-positive-rate',
  requirement: 'The share of (observer, live member) pairs that ever saw a false suspicion, against theory.',
  level: 'INFO',
  source: `${SWIM} §3.1: a probe of a live member fails with probability q = (1-(1-p)^2)·(1-(1-p)^4)^k under loss p`,
};

export function checkFalsePositives(v: MembershipView, lossPercent: number): Verdict {
  if (!v.params) return noParams(FALSE_POSITIVES);
  let pairs = 0;
  let suspected = 0;
  for (const x of v.steady) {
    for (const m of v.steady) {
      if (x === m) continue;
      pairs++;
      if (everHeld(v, x, m, 0, v.lastRound, 'suspect') !== undefined) suspected++;
    }
  }
  const q = probeFailure(lossPercent / 100, v.params.indirectProbes);
  return verdictOf(
    FALSE_POSITIVES,
    true,
    {
      expected: `per probe of a live member, failure probability q = ${q.toExponential(2)} at loss ${lossPercent}% (k = ${v.params.indirectProbes})`,
      observed: `${suspected} of ${pairs} pairs saw a false suspicion`,
      details: [],
    },
    pairs,
  );
}

/** The smallest c with P(Bin(trials, q) > c) <= tail: an upper bound on chance alone. */
export function binomialUpper(trials: number, q: number, tail = 1e-6): number {
  if (q <= 0 || trials === 0) return 0;
  if (q >= 1) return trials;
  // pmf in logs, summed from 0 up until the rest of the mass is at most `tail`.
  let logPmf = trials * Math.log1p(-q);
  let cdf = Math.exp(logPmf);
  let c = 0;
  while (1 - cdf > tail && c < trials) {
    logPmf += Math.log((trials - c) / (c + 1)) + Math.log(q) - Math.log1p(-q);
    c++;
    cdf += Math.exp(logPmf);
  }
  return c;
}

export const SUSPICION_RATE: CaseInfo = {
  id: 'membership/suspicion-rate',
  requirement:
    'Under message loss p, members that never crashed, left or paused MUST be suspected no more often than failed probes allow: suspicion episodes (distinct member, incarnation) <= the 1e-6 upper tail of Binomial(pings to them, q), q = (1-(1-p)^2)·(1-(1-p)^4)^k, away from a pause.',
  level: 'MUST',
  source: `${SWIM} §3.1: a probe fails only if the ping or its ack and every one of the k indirect paths (ping-req, ping, ack, relayed ack) lose a message; each suspicion needs a failed probe; k counts only helpers that can answer (min(k, n - 2), less paused or crashed members); every ping counts as a probe (relayed pings too, which only loosens the bound); at 100 runs a false alarm has probability below 1e-4`,
};

/**
 * Suspicions of never-disturbed members against SWIM's probe failure
 * probability: catches a detector without indirect probes (q = 1-(1-p)^2),
 * which accuracy alone misses because the suspect refutes in time.
 */
export function checkSuspicionRate(v: MembershipView, lossPercent: number): Verdict {
  if (!v.params) return noParams(SUSPICION_RATE);
  const T = v.params.probePeriod;
  const paused = new Set(v.pauses.map((e) => e.node));
  const disturbed = new Set([...paused, ...v.downs.map((d) => d.node)]);
  // A pause delays its member's own probes and acks: suspicions first seen from
  // its start to two periods after its end may be its doing, not the loss's.
  const windows: [number, number][] = [];
  for (const e of v.pauses) {
    if (e.action === 'start') windows.push([e.r, Number.POSITIVE_INFINITY]);
    else {
      const open = windows.findLast((w) => w[1] === Number.POSITIVE_INFINITY);
      if (open) open[1] = e.r + 2 * T;
    }
  }
  const excluded = (r: number) => windows.some(([a, b]) => r >= a && r <= b);
  const members = v.steady.filter((m) => !disturbed.has(m));
  const firstSeen = new Map<string, number>();
  for (const [, list] of v.views)
    for (const [r, view] of list)
      for (const m of members) {
        const held = view.get(m);
        if (held?.[0] !== 'suspect') continue;
        const key = `${m}@${held[1]}`;
        if (!firstSeen.has(key) || r < firstSeen.get(key)!) firstSeen.set(key, r);
      }
  const episodes = [...firstSeen].filter(([, r]) => !excluded(r));
  const target = new Set(members);
  const pings = v.sends.filter((e) => e.kind === 'ping' && target.has(e.to) && !excluded(e.r)).length;
  const k = Math.max(0, Math.min(v.params.indirectProbes, v.n - 2) - disturbed.size);
  const q = probeFailure(lossPercent / 100, k);
  const limit = binomialUpper(pings, q);
  return verdictOf(
    SUSPICION_RATE,
    episodes.length <= limit,
    {
      expected: `<= ${limit} suspicion episodes: 1e-6 tail of Binomial(${pings} pings, q = ${q.toExponential(2)}) at loss ${lossPercent}%, k = ${k}`,
      observed: `${episodes.length} suspicion episodes of ${members.length} undisturbed members`,
      details: episodes.slice(0, 10).map(([key, r]) => `${key} first suspected at round ${r}`),
    },
    pings,
  );
}

export const REFUTE: CaseInfo = {
  id: 'membership/refute',
  requirement:
    'A live member that was suspected MUST refute with a higher incarnation: at the end every member lists it alive at an incarnation above the one suspected.',
  level: 'MUST',
  source: `${SWIM} §4.2: an Alive message with a higher incarnation overrides a Suspect`,
};

export function checkRefute(v: MembershipView): Verdict {
  if (!v.params) return noParams(REFUTE);
  const bad: string[] = [];
  let judged = 0;
  const end = v.lastRound;
  for (const m of v.steady) {
    let maxSuspected = -1;
    for (const x of v.steady) {
      for (const [, view] of v.views.get(x) ?? []) {
        const h = view.get(m);
        if (h && h[0] === 'suspect') maxSuspected = Math.max(maxSuspected, h[1]);
      }
    }
    if (maxSuspected < 0) continue;
    for (const x of v.live) {
      if (x === m) continue;
      judged++;
      const h = heldAt(v, x, m, end);
      if (h?.[0] !== 'alive' || h[1] <= maxSuspected)
        bad.push(
          `${x} ends holding ${m} as ${h ? `${h[0]}@${h[1]}` : 'unknown'}; suspected at incarnation ${maxSuspected}`,
        );
    }
  }
  return verdictOf(
    REFUTE,
    bad.length === 0,
    {
      expected: 'every suspected live member alive everywhere at a higher incarnation by the end',
      observed: bad.length
        ? `${bad.length} of ${judged} pairs not refuted`
        : `${judged} (member, suspected) pairs refuted`,
      details: bad,
    },
    judged,
  );
}

/** The views of the members up at the end, as one comparable string each. */
function finalViews(v: MembershipView, at: number): Map<NodeId, string> {
  const out = new Map<NodeId, string>();
  for (const x of v.live) {
    const held: string[] = [];
    for (const m of v.nodes) {
      const h = heldAt(v, x, m, at);
      held.push(h ? `${m}:${h[0]}@${h[1]}` : `${m}:-`);
    }
    out.set(x, held.join(' '));
  }
  return out;
}

/**
 * The live members' views after round `at`'s reads, and what keeps them from
 * being healed: more than one view, or a live member not held alive.
 * Shared by partition-heal in lockstep (rounds) and realtime (ms) form.
 */
export function viewsAtHeal(
  v: MembershipView,
  at: number,
  when = `round ${at}`,
): { views: Map<NodeId, string>; distinct: number; bad: string[] } {
  const views = finalViews(v, at);
  const distinct = new Set(views.values()).size;
  const bad: string[] = [];
  if (distinct > 1) for (const [x, s] of views) bad.push(`${x}: ${s}`);
  for (const [x, s] of views) {
    for (const m of v.live)
      if (!s.includes(`${m}:alive@`)) bad.push(`${x} does not hold ${m} alive at ${when}`);
  }
  return { views, distinct, bad };
}

export const PARTITION_HEAL: CaseInfo = {
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

export const REJOIN: CaseInfo = {
  id: 'membership/rejoin',
  requirement:
    'A restarted member (new generation) MUST be listed alive by every member up throughout within T·(2D + 3) ticks of its restart, and once so, never again dead or suspect-to-dead through a stale death of its old incarnation.',
  level: 'MUST',
  source: `${BOUNDS}: the restarted member learns its old death by push-pull and refutes it with a higher incarnation (${SWIM} §4.2; memberlist)`,
};

export function checkRejoin(v: MembershipView): Verdict {
  if (!v.params) return noParams(REJOIN);
  const bound = rejoinBound(v.n, v.params);
  const bad: string[] = [];
  let judged = 0;
  for (const u of v.ups.filter((x) => x.how === 'restart')) {
    const end = u.r + bound;
    const next = v.downs.find((d) => d.node === u.node && d.r > u.r)?.r ?? v.lastRound + 1;
    if (end > v.lastRound || end >= next) continue;
    for (const x of upThroughout(v, u.r, end)) {
      if (x === u.node) continue;
      judged++;
      const at = firstHolding(v, x, u.node, u.r, ['alive']);
      if (at === undefined || at > end) {
        bad.push(`${x} did not list ${u.node} (restarted at ${u.r}) alive by round ${end}`);
        continue;
      }
      const dead = everHeld(v, x, u.node, at, next - 1, 'dead');
      if (dead !== undefined) bad.push(`${x} listed ${u.node} dead again at round ${dead} after it rejoined`);
    }
  }
  return verdictOf(
    REJOIN,
    bad.length === 0,
    {
      expected: `every restarted member alive everywhere within ${bound} ticks, and stays so`,
      observed: bad.length
        ? `${bad.length} violations over ${judged} pairs`
        : `${judged} pairs rejoined in time`,
      details: bad,
    },
    judged,
  );
}

export const PROBE_TRAFFIC: CaseInfo = {
  id: 'membership/probe-traffic',
  requirement:
    'A member MUST initiate at most 1 ping and k ping-reqs per protocol period, whatever n; piggybacked updates keep pings, acks and ping-reqs under 2 KiB.',
  level: 'MUST',
  source: `${SWIM} §3.1: per period a member sends at most 1 ping and k ping-reqs, so load is O(1) per member independent of n; declared parameter k`,
};

/** Bytes a ping, ack or ping-req may take: 8 piggybacked updates of small ids fit well under it. */
export const PIGGYBACK_BYTES = 2048;

export function checkProbeTraffic(v: MembershipView): Verdict {
  if (!v.params) return noParams(PROBE_TRAFFIC);
  const p = v.params;
  const T = p.probePeriod;
  // Tick number of each node at each round (pauses and downs skip ticks).
  const tickNo = new Map<string, number>();
  const count = new Map<NodeId, number>();
  for (const t of v.ticks) {
    for (const x of t.nodes) {
      const c = count.get(x) ?? 0;
      tickNo.set(`${x}@${t.r}`, c);
      count.set(x, c + 1);
    }
  }
  // Restarts and joins reset a node's period count.
  const perPeriod = new Map<string, { ping: number; req: number }>();
  const bad: string[] = [];
  let judged = 0;
  for (const s of v.sends) {
    if (s.hop !== 0) continue;
    if (s.kind === 'ping' || s.kind === 'ping-req' || s.kind === 'ack') {
      if (s.bytes > PIGGYBACK_BYTES)
        bad.push(`round ${s.r} ${s.from} -> ${s.to}: ${s.kind} of ${s.bytes} bytes`);
    }
    if (s.kind !== 'ping' && s.kind !== 'ping-req') continue;
    const t = tickNo.get(`${s.from}@${s.r}`);
    if (t === undefined) continue;
    const restarts = v.ups.filter((u) => u.node === s.from && u.r <= s.r).length;
    const key = `${s.from}#${restarts}#${Math.floor(t / T)}`;
    const c = perPeriod.get(key) ?? { ping: 0, req: 0 };
    if (s.kind === 'ping') c.ping++;
    else c.req++;
    perPeriod.set(key, c);
  }
  for (const [key, c] of perPeriod) {
    judged++;
    if (c.ping > 1 || c.req > p.indirectProbes)
      bad.push(
        `${key.replace(/#(\d+)#(\d+)$/, ' (generation $1) period $2')}: ${c.ping} pings, ${c.req} ping-reqs (k = ${p.indirectProbes})`,
      );
  }
  return verdictOf(
    PROBE_TRAFFIC,
    bad.length === 0,
    {
      expected: `<= 1 ping and <= ${p.indirectProbes} ping-reqs initiated per member per period; probe messages <= ${PIGGYBACK_BYTES} bytes`,
      observed: bad.length
        ? `${bad.length} violations`
        : `${judged} (member, period) pairs within bounds (n = ${v.n})`,
      details: bad,
    },
    judged,
  );
}
