// The realtime suite of one variant as a fast-check property: `runs`
// generated inputs (suites/realtime/input.ts), each run for real on its own
// endpoint process and judged by every realtime check (checks/realtime.ts),
// then the first failure shrunk within a wall-clock budget
// (suites/generated-runs.ts). The shrunk input is saved as a counterexample
// that `gossipcheck replay` re-runs (same schedule; in realtime the verdict,
// not the bytes, is what a replay reproduces: docs/realtime.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_COMPLETED_ID } from '../../checks/grade.js';
import { realtimeCaseIds } from '../../checks/realtime.js';
import { RUN_COMPLETED } from '../../checks/run.js';
import { capDetails, capLine, type Verdict } from '../../checks/verdict.js';
import { writeHistoryFile } from '../../engine/history/recorder.js';
import type { Parameters, Variant } from '../../proto/contract.js';
import { deriveSeed } from '../../shared/prng.js';
import { findEntry } from '../catalogue.js';
import { counterexampleOf, counterexamplePath, generatedRuns, shrinkLine } from '../generated-runs.js';
import { addExplored } from '../input-stats.js';
import { caseSeed, slug } from '../property.js';
import type { CaseResult } from '../result.js';
import { type ExecuteOptions, type Execution, execute, LAG_ALLOWANCE_MS } from './execute.js';
import {
  families,
  focus,
  type GeneratedInput,
  type GenTiming,
  type RealtimeInput,
  realtimeInput,
} from './input.js';

export interface RealtimeCaseOptions {
  variant: Variant;
  params: Parameters;
  /** The run's seed; the variant's property and its runs derive theirs from it. */
  seed: number;
  runs: number;
  timing: GenTiming;
  /** Wall-clock ms shrinking a failure may take, at most. */
  shrinkBudgetMs: number;
  /** The endpoint command every run starts ({listen} in it). */
  command: string;
  /** How the IUT was given, for the counterexample (null: the built-in reference). */
  impl: string | null;
  durable: boolean;
  callTimeoutMs: number;
  startupTimeoutMs: number;
  /** Report directory (written to) and the one replay commands name. */
  outDir: string;
  replayDir?: string;
  /** Only these check ids are reported (all when empty). */
  ids?: readonly string[];
  /** Each finished run, for progress displays. */
  onRun?: (done: number, e: Execution) => void;
}

/** What a realtime counterexample file holds; `gossipcheck replay FILE` reads it. */
export interface RealtimeCounterexample {
  kit: 'gossipcheck';
  mode: 'realtime';
  case: string;
  variant: Variant;
  input: RealtimeInput;
  params: Parameters;
  /** The run spec's seed. */
  seed: number;
  durable: boolean;
  fastCheck: { seed: number; path: string };
  impl: string | null;
  cwd?: string;
  callTimeoutMs: number;
  startupTimeoutMs: number;
  verdict: string;
  evidence: Verdict['evidence'];
}

/** The check ids a realtime run of `variant` reports, run/completed first. */
export const reportedIds = (variant: Variant, ids?: readonly string[]): string[] =>
  realtimeCaseIds(variant).filter((id) => !ids?.length || id === RUN_COMPLETED_ID || ids.includes(id));

/** Counted per generated input for the report's "explored" table. */
function explore(
  acc: Record<string, Record<string, number>>,
  input: RealtimeInput,
  family: string,
  longCut: number,
): void {
  const bump = (f: string, b: string) => addExplored(acc, { [f]: b });
  bump('family', family);
  bump('nodes', String(input.nodes));
  for (const f of input.faults) {
    bump('faults', f.kind);
    // Whether the schedule reached past the time to declare a member dead (membership runs).
    if (longCut > 0 && (f.kind === 'partition' || f.kind === 'crash'))
      bump(`${f.kind} vs dead time`, f.length >= longCut ? 'longer' : 'shorter');
  }
}

export async function checkRealtimeVariant(o: RealtimeCaseOptions): Promise<CaseResult[]> {
  const started = Date.now();
  const { variant } = o;
  const ids = reportedIds(variant, o.ids);
  const fcSeed = caseSeed(o.seed, 'realtime', variant);
  const exec: ExecuteOptions = {
    command: o.command,
    params: o.params,
    seed: deriveSeed(o.seed, `realtime[${variant}]`),
    durable: o.durable,
    callTimeoutMs: o.callTimeoutMs,
    startupTimeoutMs: o.startupTimeoutMs,
  };
  const explored: Record<string, Record<string, number>> = {};
  let done = 0;
  /** The harness's worst lag over the runs: the longest stall, and the most stalling in one run. */
  const lag = { maxMs: 0, totalMs: 0 };
  const fams = families(o.timing);
  const g = await generatedRuns<GeneratedInput, RealtimeInput, Execution>({
    arbitrary: realtimeInput(o.timing),
    focus,
    families: fams.length,
    runs: o.runs,
    fcSeed,
    shrinkBudgetMs: o.shrinkBudgetMs,
    ids,
    run: async (input) => {
      const e = await execute(input, exec);
      o.onRun?.(++done, e);
      lag.maxMs = Math.max(lag.maxMs, e.lag.maxMs);
      lag.totalMs = Math.max(lag.totalMs, e.lag.totalMs);
      return e;
    },
    verdicts: (e) => e.verdicts,
    explored: (input, family) => explore(explored, input, fams[family], o.timing.longCut),
  });
  const { tallies, failedIn, judgedIn, first, target, lastFail, generated } = g;

  const base = (id: string) => {
    const info = id === RUN_COMPLETED_ID ? RUN_COMPLETED : (findEntry(id) ?? RUN_COMPLETED);
    return {
      id,
      requirement: info.requirement,
      level: info.level,
      source: info.source,
      suite: id.split('/')[0],
      variant,
      seed: fcSeed,
      runs: generated,
      durationMs: Date.now() - started,
      explored,
    };
  };
  const verdictIn = (e: Execution, id: string) => e.verdicts.find((v) => v.id === id);
  const historyOf = (rel: string, e: Execution) => {
    writeHistoryFile(join(o.outDir, rel), e.events);
    return rel;
  };
  const name = (id: string) => slug(id, variant);
  const sample = first ? historyOf(`histories/${slug('realtime', variant)}.jsonl`, first) : undefined;
  const results: CaseResult[] = [];
  for (const id of ids) {
    const tally = tallies.get(id)!;
    const t = tally.checks()[0];
    const counts = { judged: t?.runs ?? 0, checks: tally.checks() };
    // The shrunk run is the counterexample of the check it was shrunk for, and of every
    // other check it fails too (often one bug breaks several: memberlist's long partition
    // fails partition-heal and refute alike).
    const shrunkFails = lastFail && verdictIn(lastFail.e, id)?.verdict === 'FAIL';
    if (lastFail && (id === target || shrunkFails)) {
      const v = verdictIn(lastFail.e, id)!;
      const also = id === target ? [] : [`the input shrunk for ${target} fails this check too`];
      const history = historyOf(`counterexamples/${name(id)}.jsonl`, lastFail.e);
      const file = `counterexamples/${name(id)}.json`;
      const saved: RealtimeCounterexample = {
        kit: 'gossipcheck',
        mode: 'realtime',
        case: id,
        variant,
        input: lastFail.input,
        params: o.params,
        seed: exec.seed,
        durable: o.durable,
        fastCheck: { seed: fcSeed, path: counterexamplePath(g) },
        impl: o.impl,
        cwd: process.cwd(),
        callTimeoutMs: o.callTimeoutMs,
        startupTimeoutMs: o.startupTimeoutMs,
        verdict: v.verdict,
        evidence: v.evidence,
      };
      mkdirSync(join(o.outDir, 'counterexamples'), { recursive: true });
      writeFileSync(join(o.outDir, file), `${JSON.stringify(saved, null, 2)}\n`);
      const replay = `npx gossipcheck replay ${join(o.replayDir ?? o.outDir, file)}`;
      results.push({
        ...base(id),
        ...counts,
        verdict: 'FAIL',
        evidence: {
          expected: v.evidence.expected,
          observed: v.evidence.observed,
          details: capDetails(
            [
              shrinkLine(g, o.shrinkBudgetMs),
              ...also,
              capLine(`input: ${JSON.stringify(lastFail.input)}`),
              `replay: ${replay}`,
              `harness lag in that run: ${lastFail.e.lag.totalMs} ms in all, longest ${lastFail.e.lag.maxMs} ms`,
              ...v.evidence.details,
            ],
            20,
          ),
        },
        history,
        counterexample: counterexampleOf(g, lastFail.input, { seed: fcSeed, file, replay, history }),
      });
      continue;
    }
    const failed = failedIn.get(id);
    if (failed) {
      const v = verdictIn(failed, id)!;
      results.push({
        ...base(id),
        ...counts,
        verdict: 'FAIL',
        evidence: {
          ...v.evidence,
          details: capDetails(
            [`not shrunk: shrinking followed ${target}, which failed first`, ...v.evidence.details],
            20,
          ),
        },
        history: historyOf(`histories/${name(id)}.jsonl`, failed),
      });
      continue;
    }
    if (id === RUN_COMPLETED_ID) {
      // Grading's tallies leave run/completed out (it decides a run, not a case): every run completed.
      const v = first && verdictIn(first, id);
      results.push({
        ...base(id),
        judged: generated,
        verdict: v ? 'PASS' : 'INCONCLUSIVE',
        evidence: {
          ...(v?.evidence ?? { expected: 'a run', observed: 'no run', details: [] }),
          details: [
            `harness event-loop lag over ${done} runs: longest stall ${lag.maxMs} ms; most stalling in one run ${lag.totalMs} ms (allowance ${LAG_ALLOWANCE_MS} ms)`,
            ...(v?.evidence.details ?? []),
          ],
        },
        ...(sample ? { history: sample } : {}),
      });
      continue;
    }
    const level = base(id).level;
    const verdict = tally.verdict(level);
    const shown = judgedIn.get(id) ?? first;
    const v = shown ? verdictIn(shown, id) : undefined;
    const unjudged = tally.unjudged();
    const evidence: Verdict['evidence'] = v
      ? {
          ...v.evidence,
          ...(verdict === 'INCONCLUSIVE'
            ? {
                observed: capLine(
                  `judged nothing in ${generated} runs: ${unjudged[0]?.reason ?? v.evidence.observed}`,
                ),
              }
            : {}),
        }
      : { expected: '-', observed: 'not reported by any run', details: [] };
    results.push({
      ...base(id),
      ...counts,
      verdict: v || verdict !== 'PASS' ? verdict : 'INCONCLUSIVE',
      evidence,
      ...(shown && shown !== first
        ? { history: historyOf(`histories/${name(id)}.jsonl`, shown) }
        : sample
          ? { history: sample }
          : {}),
    });
  }
  return results;
}
