// membership/accuracy, false-positive-rate, suspicion-rate, refute: no live
// member is declared dead, suspicions stay within what failed probes allow,
// and a suspected member refutes.

import type { MembershipParams } from '../../proto/contract.js';
import { type CheckInfo, type Verdict, verdictOf } from '../verdict.js';
import { binomialUpper, dissemination, probeFailure, SWIM } from './bounds.js';
import { type Clock, LOCKSTEP } from './clock.js';
import { heldAt, holdsTraffic, type MembershipView, noParams } from './view.js';

/** The most loss accuracy's premise covers: above it, a false death is chance SWIM allows (§3.1's q grows with p). */
export const ACCURACY_MAX_LOSS_PERCENT = 10;

export const ACCURACY: CheckInfo = {
  id: 'membership/accuracy',
  requirement: `Under message loss up to ${ACCURACY_MAX_LOSS_PERCENT}% and a pause shorter than the suspicion timeout, no member that never crashed or left MUST ever be listed dead.`,
  level: 'MUST',
  source: `${SWIM} §3.2-4.2: suspicion lets a slow or unlucky member refute before it is declared dead; runs draw S >= 2D + 2 periods so a refutation can spread (D periods) after the suspect learns of it (D periods)`,
};

/**
 * Windows in which a death (or suspicion) of a live member is a detection,
 * outside accuracy's premise: a fault that holds traffic, loss above
 * ACCURACY_MAX_LOSS_PERCENT (generated realtime schedules draw up to 60 %), or a pause longer
 * than (S - D - 2)·T ticks (the longest the accuracy runs draw: a refutation
 * still spreads before any suspicion times out), from its start to
 * T·(S + 2D + 2) ticks after its end (a suspicion it caused times out, S;
 * the death spreads, D; stale gossip of it, D). A lockstep accuracy run has
 * none, so this only bites in time form over mixed schedules.
 */
function detectionWindows(v: MembershipView, c: Clock): [number, number][] {
  const p = v.params!;
  const D = dissemination(v.n, p);
  const after = c.span(p.probePeriod * (p.suspicionPeriods + 2 * D + 2));
  const longPause = c.exact(Math.max(1, (p.suspicionPeriods - D - 2) * p.probePeriod));
  const open = new Map<string, number[]>();
  const out: [number, number][] = [];
  const toggle = (key: string, start: boolean, r: number, keep: (from: number) => boolean) => {
    if (start) open.set(key, [...(open.get(key) ?? []), r]);
    else {
      const from = open.get(key)?.shift();
      if (from !== undefined && keep(from)) out.push([from, r + after]);
    }
  };
  for (const e of v.pauses)
    toggle(`pause ${e.node}`, e.action === 'start', e.r, (from) => e.r - from > longPause);
  for (const f of v.faults)
    if (
      holdsTraffic(f.fault) ||
      (f.fault.kind === 'loss' && f.fault.probability * 100 > ACCURACY_MAX_LOSS_PERCENT)
    )
      toggle(JSON.stringify(f.fault), f.action === 'start', f.r, () => true);
  for (const [key, rs] of open)
    for (const r of rs)
      if (!key.startsWith('pause ') || v.lastRound - r > longPause) out.push([r, Number.POSITIVE_INFINITY]);
  return out;
}

const inAny = (windows: [number, number][], r: number) => windows.some(([a, b]) => r >= a && r <= b);

/** First time in [0, end] `x` held `m` as `s` outside `windows`, or undefined. */
function heldOutside(
  v: MembershipView,
  x: string,
  m: string,
  s: 'dead' | 'suspect',
  windows: [number, number][],
) {
  for (const [r, view] of v.views.get(x) ?? []) if (view.get(m)?.[0] === s && !inAny(windows, r)) return r;
  return undefined;
}

export function checkAccuracy(v: MembershipView, c: Clock = LOCKSTEP): Verdict {
  if (!v.params) return noParams(ACCURACY);
  const windows = detectionWindows(v, c);
  const bad: string[] = [];
  let judged = 0;
  let suspected = 0;
  for (const x of v.steady) {
    for (const m of v.steady) {
      if (x === m) continue;
      judged++;
      const dead = heldOutside(v, x, m, 'dead', windows);
      if (dead !== undefined) bad.push(`${x} listed ${m} (never crashed nor left) dead at ${c.at(dead)}`);
      if (heldOutside(v, x, m, 'suspect', windows) !== undefined) suspected++;
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
      details: windows.length
        ? [
            ...bad,
            `not judged while traffic was held on purpose or lost above ${ACCURACY_MAX_LOSS_PERCENT} % (and after): ${windows.map(([a, b]) => `${c.time(a)}-${c.time(b)}`).join(', ')}`,
          ]
        : bad,
    },
    judged,
  );
}

export const FALSE_POSITIVES: CheckInfo = {
  id: 'membership/false-positive-rate',
  requirement: 'The share of (observer, live member) pairs that ever saw a false suspicion, against theory.',
  level: 'INFO',
  source: `${SWIM} §3.1: a probe of a live member fails with probability q = (1-(1-p)^2)·(1-(1-p)^4)^k under loss p`,
};

export function checkFalsePositives(v: MembershipView, lossPercent: number, c: Clock = LOCKSTEP): Verdict {
  if (!v.params) return noParams(FALSE_POSITIVES);
  const windows = detectionWindows(v, c);
  let pairs = 0;
  let suspected = 0;
  for (const x of v.steady) {
    for (const m of v.steady) {
      if (x === m) continue;
      pairs++;
      if (heldOutside(v, x, m, 'suspect', windows) !== undefined) suspected++;
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

export const SUSPICION_RATE: CheckInfo = {
  id: 'membership/suspicion-rate',
  requirement:
    'Under message loss p, members that never crashed, left or paused MUST be suspected no more often than failed probes allow: suspicion episodes (distinct member, incarnation) <= the 1e-6 upper tail of Binomial(pings to them, q), q = (1-(1-p)^2)·(1-(1-p)^4)^k, away from a pause.',
  level: 'MUST',
  source: `${SWIM} §3.1: a probe fails only if the ping or its ack and every one of the k indirect paths (ping-req, ping, ack, relayed ack) lose a message; each suspicion needs a failed probe; k counts only helpers that can answer (min(k, n - 2), less paused or crashed members); every ping counts as a probe (relayed pings too, which only loosens the bound); at 100 runs a false alarm has probability below 1e-4`,
};

/**
 * Windows [start, end + 2T] in which suspicions are not chance's: each pause,
 * each fault that holds traffic (a window still open at the end runs to it).
 */
function disturbedWindows(v: MembershipView, c: Clock): [number, number][] {
  const after = c.span(2 * v.params!.probePeriod);
  const windows: [number, number][] = [];
  const open = new Map<string, number[]>();
  const starts = (key: string, r: number) => open.set(key, [...(open.get(key) ?? []), r]);
  const stops = (key: string, r: number) => {
    const from = open.get(key)?.shift();
    if (from !== undefined) windows.push([from, r + after]);
  };
  for (const e of v.pauses) (e.action === 'start' ? starts : stops)(`pause ${e.node}`, e.r);
  for (const f of v.faults) {
    if (!holdsTraffic(f.fault)) continue;
    (f.action === 'start' ? starts : stops)(JSON.stringify(f.fault), f.r);
  }
  for (const rs of open.values()) for (const r of rs) windows.push([r, Number.POSITIVE_INFINITY]);
  return windows;
}

/**
 * Suspicions of never-disturbed members against SWIM's probe failure
 * probability: catches a detector without indirect probes (q = 1-(1-p)^2),
 * which accuracy alone misses because the suspect refutes in time.
 */
export function checkSuspicionRate(v: MembershipView, lossPercent: number, c: Clock = LOCKSTEP): Verdict {
  if (!v.params) return noParams(SUSPICION_RATE);
  const paused = new Set(v.pauses.map((e) => e.node));
  const disturbed = new Set([...paused, ...v.downs.map((d) => d.node)]);
  // A pause delays its member's own probes and acks, a partition or a cut
  // fails probes on purpose: suspicions first seen from its start to two
  // periods after its end may be its doing, not the loss's.
  const windows = disturbedWindows(v, c);
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
      details: episodes.slice(0, 10).map(([key, r]) => `${key} first suspected at ${c.at(r)}`),
    },
    pings,
  );
}

export const REFUTE: CheckInfo = {
  id: 'membership/refute',
  requirement:
    'A live member that was suspected MUST refute with a higher incarnation: at the end every member lists it alive at an incarnation above the one suspected.',
  level: 'MUST',
  source: `${SWIM} §4.2: an Alive message with a higher incarnation overrides a Suspect`,
};

/**
 * Ticks a refutation needs: the suspect learns of its suspicion (D periods)
 * and its ALIVE spreads (D periods), with a period each way to start (the
 * margin ACCURACY's runs draw S above).
 */
export const refuteBound = (n: number, p: MembershipParams): number =>
  p.probePeriod * (2 * dissemination(n, p) + 2);

/**
 * In time form (`c` not LOCKSTEP) a suspicion first seen less than
 * refuteBound before the end and not refuted by then is not judged: the run
 * ended before it could be. A lockstep run lasts past its bounds by
 * construction (there every suspicion is early).
 */
export function checkRefute(v: MembershipView, c: Clock = LOCKSTEP): Verdict {
  if (!v.params) return noParams(REFUTE);
  const bad: string[] = [];
  let judged = 0;
  const end = v.lastRound;
  const until = c === LOCKSTEP ? end : end - c.span(refuteBound(v.n, v.params));
  for (const m of v.steady) {
    // The highest incarnation suspected, overall and early enough to judge.
    let maxSuspected = -1;
    let maxEarly = -1;
    for (const x of v.steady) {
      for (const [r, view] of v.views.get(x) ?? []) {
        const h = view.get(m);
        if (h?.[0] !== 'suspect') continue;
        maxSuspected = Math.max(maxSuspected, h[1]);
        if (r <= until) maxEarly = Math.max(maxEarly, h[1]);
      }
    }
    if (maxSuspected < 0) continue;
    // One line per suspected member, so a capped list still names every one.
    const holders: string[] = [];
    for (const x of v.live) {
      if (x === m) continue;
      const h = heldAt(v, x, m, end);
      const above = (inc: number) => h?.[0] === 'alive' && h[1] > inc;
      if (above(maxSuspected)) judged++;
      else if (maxEarly >= 0 && !above(maxEarly)) {
        judged++;
        holders.push(`${x} (${h ? `${h[0]}@${h[1]}` : 'unknown'})`);
      }
    }
    if (holders.length)
      bad.push(`${m} suspected at incarnation ${maxEarly}, not refuted at ${holders.join(', ')}`);
  }
  return verdictOf(
    REFUTE,
    bad.length === 0,
    {
      expected: 'every suspected live member alive everywhere at a higher incarnation by the end',
      observed: bad.length
        ? `${bad.length} suspected member(s) not refuted`
        : `${judged} (member, suspected) pairs refuted`,
      details: bad,
    },
    judged,
  );
}
