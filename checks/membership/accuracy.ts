// membership/accuracy, false-positive-rate, suspicion-rate, refute: no live
// member is declared dead, suspicions stay within what failed probes allow,
// and a suspected member refutes.

import { type CheckInfo, type Verdict, verdictOf } from '../verdict.js';
import { binomialUpper, probeFailure, SWIM } from './bounds.js';
import { everHeld, heldAt, type MembershipView, noParams } from './view.js';

export const ACCURACY: CheckInfo = {
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

export const FALSE_POSITIVES: CheckInfo = {
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

export const SUSPICION_RATE: CheckInfo = {
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

export const REFUTE: CheckInfo = {
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
