// A lean, allocation-light model of push rumor mongering as the reference runs
// it in lockstep (one rumor, all nodes tick every round, feedback delivered in
// the same round), for every loss-of-interest rule, used to look at residue
// and traffic over many seeds. Two readings of "unnecessary contact" (the
// contract leaves it open): 'round-start', the reference's (the recipient
// held the rumor before the round began), and 'arrival' (it held it when the
// message arrived, earlier messages of the same round included). `reset:
// false` is the counter-never-resets fixture. Checked against the real hosts
// in residue-band.test.ts. Never a source of bounds: it is how the tests SEE
// that the theory bounds of checks/residue-theory.ts hold for both
// readings (docs/bounds.md).
import type { LossOfInterest } from '../../proto/contract.js';
import { Rng } from '../../shared/prng.js';

export interface SimResult {
  /** Fraction of nodes that never got the rumor. */
  residue: number;
  /** Rumor messages sent per node (Demers' traffic m). */
  traffic: number;
  rounds: number;
  /** Sites that got the rumor, and contacts that reached a site in the round it first heard. */
  informed: number;
  necessary: number;
  contacts: number;
}

export type Reading = 'round-start' | 'arrival';

export interface SimOptions {
  n: number;
  k: number;
  fanout: number;
  rule?: LossOfInterest;
  reading?: Reading;
  /** Feedback-counter: a necessary contact resets the counter (false: the fixture's bug). */
  reset?: boolean;
  seed: number;
}

export function simulateRumor(o: SimOptions): SimResult {
  const { n, k, fanout, seed } = o;
  const rule = o.rule ?? 'feedback-counter';
  const arrival = o.reading === 'arrival';
  const reset = o.reset ?? true;
  const feedback = rule === 'feedback-counter' || rule === 'feedback-coin';
  const counter = rule === 'feedback-counter' || rule === 'blind-counter';
  const rng = new Rng(seed);
  const has = new Uint8Array(n);
  const hot = new Uint8Array(n);
  const learnedAt = new Int32Array(n);
  const count = new Int32Array(n);
  const origin = rng.int(n);
  has[origin] = 1;
  hot[origin] = 1;
  const f = Math.min(fanout, n - 1);
  const from: number[] = [];
  const to: number[] = [];
  const picked = new Int32Array(f);
  let sent = 0;
  let necessary = 0;
  let round = 0;
  const lose = (s: number) => {
    if (counter ? ++count[s] >= k : rng.chance(1 / k)) hot[s] = 0;
  };
  for (;;) {
    round++;
    from.length = 0;
    to.length = 0;
    for (let i = 0; i < n; i++) {
      if (!hot[i]) continue;
      // f distinct peers other than i, uniformly.
      for (let c = 0; c < f; c++) {
        let j: number;
        for (;;) {
          j = rng.int(n - 1);
          if (j >= i) j++;
          let dup = false;
          for (let d = 0; d < c; d++) if (picked[d] === j) dup = true;
          if (!dup) break;
        }
        picked[c] = j;
        from.push(i);
        to.push(j);
        // Blind rules judge each contact as it is made; the round's other targets still get theirs.
        if (!feedback && hot[i]) lose(i);
      }
    }
    if (from.length === 0) break;
    sent += from.length;
    // Hop 1: receivers judge each contact; hop 2: senders get the feedback, in send order.
    const unnecessary = new Uint8Array(from.length);
    for (let m = 0; m < from.length; m++) {
      const t = to[m];
      if (!has[t] || learnedAt[t] === round) necessary++;
      if (!has[t]) {
        has[t] = 1;
        hot[t] = 1;
        learnedAt[t] = round;
        count[t] = 0;
      } else unnecessary[m] = arrival || learnedAt[t] < round ? 1 : 0;
    }
    if (!feedback) continue;
    for (let m = 0; m < from.length; m++) {
      const s = from[m];
      if (!hot[s]) continue;
      if (!unnecessary[m]) {
        if (counter && reset) count[s] = 0;
      } else lose(s);
    }
  }
  let lacking = 0;
  for (let i = 0; i < n; i++) if (!has[i]) lacking++;
  return {
    residue: lacking / n,
    traffic: sent / n,
    rounds: round - 1,
    informed: n - lacking,
    necessary,
    contacts: sent,
  };
}
