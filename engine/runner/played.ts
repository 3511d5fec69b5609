// Call batching: when one endpoint may play several quiet rounds in one
// Round call (the runner replays its answer through tick/hops/reads, so the
// history is the one single calls would give).
import type { InFlight } from '../router/router.js';

/**
 * Rounds one Round call may carry: short enough that a call stays far inside
 * its deadline (--timeout), long enough that quiet stretches cost few calls.
 */
export const MAX_PLAYED_ROUNDS = 16;

/** What `playableRounds` looks at, in round r (started) of a run of `rounds`. */
export interface PlayState {
  r: number;
  rounds: number;
  /** Link faults in force in r, paused nodes. */
  faults: number;
  paused: number;
  /** The network's due batch, and all it holds. */
  due: readonly InFlight[];
  inFlight: number;
  /** Rounds where the schedule or the workload does something. */
  eventful: ReadonlySet<number>;
}

/**
 * How many rounds from r the endpoint (one, that plays rounds) may play in
 * one call: 0 when a link fault, a pause or a tampered copy is in r; else r
 * and the quiet rounds after it (no schedule transition or write: with
 * nothing in force in r, nothing is in those either; not the last round),
 * while nothing the endpoint cannot see is held in the network.
 */
export function playableRounds(s: PlayState): number {
  if (s.faults > 0 || s.paused > 0) return 0;
  if (s.due.some((item) => item.tampered)) return 0;
  let k = 1;
  if (s.inFlight === s.due.length) {
    while (k < MAX_PLAYED_ROUNDS && s.r + k < s.rounds && !s.eventful.has(s.r + k)) k++;
  }
  return k;
}
