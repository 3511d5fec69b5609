// A lean, allocation-light model of push rumor mongering with the
// feedback-counter rule, as the reference runs it in lockstep (one rumor, all
// nodes tick every round, feedback delivered in the same round), used to
// measure residue over many seeds. `reset` = the reference (a necessary
// contact resets the counter); without it, the counter-never-resets fixture.
// Checked against the real hosts in residue-band.test.ts.
import { Rng } from '../prng.js';

export interface SimResult {
  /** Fraction of nodes that never got the rumor. */
  residue: number;
  /** Rumor messages sent per node (Demers' traffic m). */
  traffic: number;
  rounds: number;
}

export function simulateRumor(n: number, k: number, fanout: number, reset: boolean, seed: number): SimResult {
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
  let round = 0;
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
      }
    }
    if (from.length === 0) break;
    sent += from.length;
    // Hop 1: receivers judge each contact; hop 2: senders get the feedback, in send order.
    const unnecessary = new Uint8Array(from.length);
    for (let m = 0; m < from.length; m++) {
      const t = to[m];
      if (!has[t]) {
        has[t] = 1;
        hot[t] = 1;
        learnedAt[t] = round;
        count[t] = 0;
      } else unnecessary[m] = learnedAt[t] < round ? 1 : 0;
    }
    for (let m = 0; m < from.length; m++) {
      const s = from[m];
      if (!hot[s]) continue;
      if (!unnecessary[m]) {
        if (reset) count[s] = 0;
      } else if (++count[s] >= k) hot[s] = 0;
    }
  }
  let lacking = 0;
  for (let i = 0; i < n; i++) if (!has[i]) lacking++;
  return { residue: lacking / n, traffic: sent / n, rounds: round - 1 };
}
