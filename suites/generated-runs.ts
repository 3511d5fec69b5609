// A wall-clock bound property over generated inputs, for nodes on their own
// timers (the realtime suites and the Maelstrom adapter alike): every one of
// `runs` inputs runs for real and is judged by every check at once (one
// run serves them all; a failing check must not leave the others one run to
// judge); run i is about family i, round robin. Then fast-check replays the
// first failing input by its path and shrinks it for the first check that
// failed there, in the same family: a smaller input counts as failing only
// when that same check fails again, so shrinking keeps the bug it found.
// Shrinking stops when its wall-clock budget is spent. Inputs are memoised by
// their JSON, so shrinking a field the run does not use runs nothing.
import * as fc from 'fast-check';
import { Tally } from '../checks/grade.js';
import type { Verdict } from '../checks/verdict.js';
import { inputShape } from './input-stats.js';
import type { Counterexample } from './result.js';

export interface GeneratedRunsOptions<G, I, E> {
  arbitrary: fc.Arbitrary<G>;
  /** The input a generated value makes for a family (0 ≤ family < families). */
  focus: (g: G, family: number) => I;
  families: number;
  runs: number;
  /** fast-check's seed: the same seed and path give the same inputs. */
  fcSeed: number;
  shrinkBudgetMs: number;
  /** The check ids tallied, in the order a first failure is looked for. */
  ids: readonly string[];
  run: (input: I) => Promise<E>;
  verdicts: (e: E) => readonly Verdict[];
  /** Each phase-1 input, with its family, for the report's "explored" table. */
  explored?: (input: I, family: number) => void;
}

export interface GeneratedRuns<G, I, E> {
  tallies: Map<string, Tally>;
  /** Per check: the first run in which it failed, and the first in which it judged something. */
  failedIn: Map<string, E>;
  judgedIn: Map<string, E>;
  first: E | undefined;
  /** Phase-1 runs. */
  generated: number;
  /** The check shrinking followed (the first to fail), if any. */
  target?: string;
  firstFailIndex: number;
  /** The last input that failed the target: fast-check's final counterexample is its last failure. */
  lastFail?: { input: I; e: E };
  details?: fc.RunDetails<[G]>;
  shrinkRuns: number;
  budgetSpent: boolean;
}

export async function generatedRuns<G, I, E>(
  o: GeneratedRunsOptions<G, I, E>,
): Promise<GeneratedRuns<G, I, E>> {
  const out: GeneratedRuns<G, I, E> = {
    tallies: new Map(o.ids.map((id) => [id, new Tally([id])])),
    failedIn: new Map(),
    judgedIn: new Map(),
    first: undefined,
    generated: 0,
    firstFailIndex: -1,
    shrinkRuns: 0,
    budgetSpent: false,
  };
  const memo = new Map<string, { e: E; byId: Map<string, Verdict> }>();
  const ran = async (input: I) => {
    const key = JSON.stringify(input);
    const known = memo.get(key);
    if (known) return known;
    const e = await o.run(input);
    const done = { e, byId: new Map(o.verdicts(e).map((v) => [v.id, v])) };
    memo.set(key, done);
    return done;
  };
  let index = 0;
  await fc.check(
    fc.asyncProperty(o.arbitrary, async (g) => {
      const family = index % o.families;
      const input = o.focus(g, family);
      const { e, byId } = await ran(input);
      out.first ??= e;
      o.explored?.(input, family);
      for (const id of o.ids) {
        const v = byId.get(id);
        if (!v) continue;
        out.tallies.get(id)!.add([v]);
        if (v.judged > 0 && !out.judgedIn.has(id)) out.judgedIn.set(id, e);
        if (v.verdict === 'FAIL' && !out.failedIn.has(id)) out.failedIn.set(id, e);
      }
      const failing = o.ids.find((id) => byId.get(id)?.verdict === 'FAIL');
      if (failing !== undefined && out.target === undefined) {
        out.target = failing;
        out.firstFailIndex = index;
        out.lastFail = { input, e };
      }
      index++;
      return true;
    }),
    { seed: o.fcSeed, numRuns: o.runs },
  );
  out.generated = index;
  if (out.target === undefined || o.shrinkBudgetMs <= 0) return out;
  const target = out.target;
  const family = out.firstFailIndex % o.families;
  memo.clear(); // the failing run itself is replayed: nodes on their own timers may not fail again
  const from = Date.now();
  out.details = await fc.check(
    fc.asyncProperty(o.arbitrary, async (g) => {
      const input = o.focus(g, family);
      if (!memo.has(JSON.stringify(input))) {
        if (Date.now() - from > o.shrinkBudgetMs) {
          out.budgetSpent = true;
          return true;
        }
        out.shrinkRuns++;
      }
      const { e, byId } = await ran(input);
      if (byId.get(target)?.verdict !== 'FAIL') return true;
      out.lastFail = { input, e };
      return false;
    }),
    { seed: o.fcSeed, path: String(out.firstFailIndex), numRuns: 1 },
  );
  return out;
}

/** The first detail line of a shrunk (or unshrunk) failure: how it was found and shrunk. */
export function shrinkLine<G, I, E>(g: GeneratedRuns<G, I, E>, shrinkBudgetMs: number): string {
  const from = `run ${g.firstFailIndex + 1} of ${g.generated}`;
  if (g.details?.failed) {
    const budget = g.budgetSpent ? ` (shrink budget of ${shrinkBudgetMs / 1000} s spent)` : '';
    return `shrunk in ${g.details.numShrinks} steps (${g.shrinkRuns} runs) from ${from}${budget}; fast-check seed ${g.details.seed}, path "${g.details.counterexamplePath}"`;
  }
  return shrinkBudgetMs <= 0
    ? `${from}, not shrunk (a shrink budget of 0 s)`
    : `${from}, not shrunk: its replay did not fail again (nodes on their own timers)`;
}

/** fast-check's path of the saved counterexample. */
export const counterexamplePath = <G, I, E>(g: GeneratedRuns<G, I, E>): string =>
  g.details?.counterexamplePath ?? String(g.firstFailIndex);

/** A generated case's saved counterexample, as its result carries it (the report links it, replay runs it). */
export function counterexampleOf<G, I, E>(
  g: GeneratedRuns<G, I, E>,
  input: I,
  saved: { seed: number; file: string; replay: string; history: string },
): Counterexample {
  const { seed, file, replay, history } = saved;
  return { seed, path: counterexamplePath(g), file, replay, history, shape: inputShape(input) };
}
