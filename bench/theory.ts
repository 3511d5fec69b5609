// Rounds to full spread from the literature, fanout 1, complete graph.
// push:      log2 n + ln n + O(1)          (Pittel 1987; Frieze & Grimmett 1985)
// push-pull: log3 n + O(ln ln n)           (Karp, Schindelhauer, Shenker, Vöcking 2000)
// The O-terms are given with constant 1 here: they are a yardstick, not a bound.
import type { InprocVariant } from './inproc.js';

export interface TheoryRow {
  variant: InprocVariant;
  n: number;
  /** Round in which the last node that learned the update learned it. */
  measured_rounds: number;
  /** Fraction of nodes reached (rumor mongering leaves a residue; anti-entropy reaches all). */
  reached: number;
  theory_rounds: number;
  formula: string;
}

export function theoryRounds(variant: InprocVariant, n: number): { rounds: number; formula: string } {
  if (variant === 'anti-entropy-push-pull') {
    return { rounds: Math.log(n) / Math.log(3) + Math.log(Math.log(n)), formula: 'log3 n + ln ln n' };
  }
  return { rounds: Math.log2(n) + Math.log(n), formula: 'log2 n + ln n' };
}
