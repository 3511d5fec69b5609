// The kit's own pass after fast-check's shrinking: drop client writes one at
// a time while the same check still fails. fast-check shrinks an array only
// within the arbitrary that drew it (a burst of writes keeps its ten or
// more), and a node whose fault hits one write in three fails with three
// writes however the rest was drawn; this pass reaches that count.
import type { Outcome } from './model.js';

/** The check that decided a run's verdict: the case's own first, run/completed last. */
export function decisiveCheck(outcome: Outcome, skip: string): Outcome['checks'][number] | undefined {
  return (
    outcome.checks.find((c) => c.id !== skip && c.verdict === outcome.verdict) ??
    outcome.checks.find((c) => c.verdict === outcome.verdict) ??
    outcome.checks[0]
  );
}

export interface DroppedWrites<I> {
  input: I;
  /** The run of `input` that failed (the last one that did). */
  outcome: Outcome;
  dropped: number;
  runs: number;
}

const writesOf = (input: unknown): unknown[] | undefined => {
  const w = (input as { writes?: unknown } | null)?.writes;
  return Array.isArray(w) ? w : undefined;
};

/**
 * From the last write to the first, tries `input` without it; keeps the
 * smaller input when its run FAILs on the same check (`failing`'s decisive
 * one) and `valid` accepts it. At most `budget` runs; one write always stays.
 */
export async function dropWrites<I>(
  input: I,
  failing: Outcome,
  o: { run: (input: I) => Promise<Outcome>; valid: (input: I) => boolean; budget: number; skip: string },
): Promise<DroppedWrites<I>> {
  const out: DroppedWrites<I> = { input, outcome: failing, dropped: 0, runs: 0 };
  const id = decisiveCheck(failing, o.skip)?.id;
  const start = writesOf(input)?.length ?? 0;
  for (let i = start - 1; i >= 0 && out.runs < o.budget; i--) {
    const writes = writesOf(out.input);
    if (!writes || writes.length <= 1 || i >= writes.length) continue;
    const candidate = { ...out.input, writes: writes.filter((_, j) => j !== i) } as I;
    if (!o.valid(candidate)) continue;
    out.runs++;
    const outcome = await o.run(candidate);
    if (outcome.verdict === 'FAIL' && decisiveCheck(outcome, o.skip)?.id === id) {
      out.input = candidate;
      out.outcome = outcome;
      out.dropped++;
    }
  }
  return out;
}
