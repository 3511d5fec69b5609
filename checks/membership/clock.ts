// The unit a membership check reads its history in. One definition per
// property: a lockstep history counts rounds (one tick each), a realtime one
// milliseconds, where a bound of B ticks is B·period_ms plus the harness's
// grace (reads every few hundred ms, Init, restarts: checks/realtime.ts
// GRACE_MS). The checks of ./liveness.ts and ./accuracy.ts take a Clock and
// are otherwise the same in both modes.

export interface Clock {
  /** The time of the history that a bound of `ticks` ticks allows. */
  span(ticks: number): number;
  /** `ticks` ticks in the history's unit, without grace (a length a fault must stay under). */
  exact(ticks: number): number;
  /** That bound, as the evidence shows it. */
  bound(ticks: number): string;
  /** A time of the history: `12` / `1200 ms`. */
  time(r: number): string;
  /** A time of the history after "by" or "at": `round 12` / `1200 ms`. */
  at(r: number): string;
  /** A duration of the history: `12 ticks` / `1200 ms`. */
  took(d: number): string;
  /** A duration from theory, in ticks (no grace): `4.5 ticks` / `450 ms (4.5 ticks)`. */
  ticks(t: number): string;
}

/** Rounds: a tick per round, no grace (the lockstep texts, unchanged). */
export const LOCKSTEP: Clock = {
  span: (t) => t,
  exact: (t) => t,
  bound: (t) => `${t} ticks`,
  time: (r) => `${r}`,
  at: (r) => `round ${r}`,
  took: (d) => `${d} ticks`,
  ticks: (t) => `${t.toFixed(1)} ticks`,
};

/** Milliseconds: a tick is `periodMs`, and every bound gets `graceMs` on top. */
export function realtimeClock(periodMs: number, graceMs: number): Clock {
  const span = (t: number) => t * periodMs + graceMs;
  return {
    span,
    exact: (t) => t * periodMs,
    bound: (t) => `${span(t)} ms (${t} ticks of ${periodMs} ms + ${graceMs} ms grace)`,
    time: (r) => `${r} ms`,
    at: (r) => `${r} ms`,
    took: (d) => `${d} ms`,
    ticks: (t) => `${Math.round(t * periodMs)} ms (${t.toFixed(1)} ticks)`,
  };
}
