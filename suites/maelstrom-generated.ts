// maelstrom/convergence/generated: the Maelstrom convergence property over
// `runs` generated fault schedules (suites/maelstrom-input.ts), each a fresh
// cluster run for real, the first failure shrunk within a wall-clock budget
// and saved as a counterexample that `gossipcheck replay` re-runs (on the
// same generated-runs core as the realtime suites: suites/generated-runs.ts).
// A run whose faults touched no line is not evidence (checks/fault-evidence.ts).
// How a scenario runs is the caller's (the adapter sits above the suites).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALL_FAULTS, requireFaultEffect } from '../checks/fault-evidence.js';
import { checkConvergence } from '../checks/maelstrom.js';
import { capDetails, capLine, type Verdict } from '../checks/verdict.js';
import type { HistoryEvent } from '../engine/history/events.js';
import { writeHistoryFile } from '../engine/history/recorder.js';
import type { LagFigures } from '../engine/realtime/lag.js';
import { deriveSeed } from '../shared/prng.js';
import { counterexampleOf, counterexamplePath, generatedRuns, shrinkLine } from './generated-runs.js';
import { addExplored } from './input-stats.js';
import { GENERATED_CASE, MAELSTROM_PARAMS } from './maelstrom.js';
import {
  focusMaelstrom,
  type GeneratedMaelstromInput,
  MAELSTROM_FAMILIES,
  type MaelstromInput,
  maelstromInput,
} from './maelstrom-input.js';
import { caseSeed } from './property.js';
import { discountLag } from './realtime/execute.js';
import type { CaseResult } from './result.js';

/** What a generated run is run with, besides its input; a counterexample keeps it for replay. */
export interface MaelstromRunSettings {
  command: string;
  /** The spec's seed: client choices, partition groups, loss draws. */
  seed: number;
  topologyName: string;
  latencyMs: number;
  durationMs: number;
  rate: number;
  settleMs: number;
  timeoutMs: number;
}

export interface MaelstromScenarioRun {
  events: HistoryEvent[];
  startupFailure: string | null;
  /** The harness's event-loop stalls over the run: a FAIL of a timing verdict past the allowance is not evidence. */
  lag: LagFigures;
}

/** What a Maelstrom counterexample file holds; `gossipcheck replay FILE` reads it. */
export interface MaelstromCounterexample {
  kit: 'gossipcheck';
  mode: 'maelstrom';
  case: string;
  input: MaelstromInput;
  settings: MaelstromRunSettings;
  fastCheck: { seed: number; path: string };
  cwd: string;
  verdict: string;
  evidence: Verdict['evidence'];
}

export interface GeneratedOptions {
  /** The run's seed; the property and its runs derive theirs from it. */
  seed: number;
  runs: number;
  shrinkBudgetMs: number;
  maxNodes: number;
  settings: Omit<MaelstromRunSettings, 'seed'>;
  outDir: string;
  replayDir?: string;
  /** One scenario, for real: the nodes and fault windows come from the input. */
  run: (input: MaelstromInput, settings: MaelstromRunSettings) => Promise<MaelstromScenarioRun>;
}

/** The property's verdict on one run's history. */
export function judgeGenerated(run: MaelstromScenarioRun): Verdict {
  const [v] = discountLag([checkConvergence(GENERATED_CASE, run.events, run.startupFailure)], run.lag);
  return requireFaultEffect(v!, run.events, ALL_FAULTS);
}

export async function checkMaelstromGenerated(
  o: GeneratedOptions,
): Promise<{ result: CaseResult; histories: HistoryEvent[][] }> {
  const started = Date.now();
  const id = GENERATED_CASE.id;
  const fcSeed = caseSeed(o.seed, id, MAELSTROM_PARAMS.variant);
  const settings: MaelstromRunSettings = { ...o.settings, seed: deriveSeed(o.seed, id) };
  const histories: HistoryEvent[][] = [];
  const explored: Record<string, Record<string, number>> = {};
  type Run = MaelstromScenarioRun & { verdict: Verdict };
  const g = await generatedRuns<GeneratedMaelstromInput, MaelstromInput, Run>({
    arbitrary: maelstromInput(o.maxNodes),
    focus: focusMaelstrom,
    families: MAELSTROM_FAMILIES.length,
    runs: o.runs,
    fcSeed,
    shrinkBudgetMs: o.shrinkBudgetMs,
    ids: [id],
    run: async (input) => {
      const run = await o.run(input, settings);
      histories.push(run.events);
      return { ...run, verdict: judgeGenerated(run) };
    },
    verdicts: (r) => [r.verdict],
    explored: (input, family) => {
      const bump = (f: string, b: string) => addExplored(explored, { [f]: b });
      bump('family', MAELSTROM_FAMILIES[family]);
      bump('nodes', String(input.nodes));
      for (const f of input.faults) bump('faults', f.quiet ? `${f.kind} (heals in quiet)` : f.kind);
    },
  });
  const historyOf = (rel: string, events: HistoryEvent[]) => {
    writeHistoryFile(join(o.outDir, rel), events);
    return rel;
  };
  const tally = g.tallies.get(id)!;
  const base = {
    ...GENERATED_CASE,
    suite: 'maelstrom',
    variant: MAELSTROM_PARAMS.variant,
    seed: fcSeed,
    runs: g.generated,
    durationMs: Date.now() - started,
    explored,
    judged: tally.checks()[0]?.runs ?? 0,
    checks: tally.checks(),
  };
  const name = 'maelstrom--convergence--generated';
  if (g.lastFail) {
    const { input, e } = g.lastFail;
    const file = `counterexamples/${name}.json`;
    const history = historyOf(`counterexamples/${name}.jsonl`, e.events);
    const saved: MaelstromCounterexample = {
      kit: 'gossipcheck',
      mode: 'maelstrom',
      case: id,
      input,
      settings,
      fastCheck: { seed: fcSeed, path: counterexamplePath(g) },
      cwd: process.cwd(),
      verdict: e.verdict.verdict,
      evidence: e.verdict.evidence,
    };
    mkdirSync(join(o.outDir, 'counterexamples'), { recursive: true });
    writeFileSync(join(o.outDir, file), `${JSON.stringify(saved, null, 2)}\n`);
    const replay = `npx gossipcheck replay ${join(o.replayDir ?? o.outDir, file)}`;
    const result: CaseResult = {
      ...base,
      verdict: 'FAIL',
      evidence: {
        ...e.verdict.evidence,
        details: capDetails(
          [
            shrinkLine(g, o.shrinkBudgetMs),
            capLine(`input: ${JSON.stringify(input)}`),
            `replay: ${replay}`,
            ...e.verdict.evidence.details,
          ],
          20,
        ),
      },
      history,
      counterexample: counterexampleOf(g, input, { seed: fcSeed, file, replay, history }),
    };
    return { result, histories };
  }
  const shown = g.judgedIn.get(id) ?? g.first;
  const verdict = tally.verdict(GENERATED_CASE.level);
  const evidence: Verdict['evidence'] = shown
    ? verdict === 'INCONCLUSIVE'
      ? {
          ...shown.verdict.evidence,
          observed: capLine(
            `judged nothing in ${g.generated} runs: ${tally.unjudged()[0]?.reason ?? shown.verdict.evidence.observed}`,
          ),
        }
      : shown.verdict.evidence
    : { expected: '-', observed: 'no run', details: [] };
  return {
    result: {
      ...base,
      verdict: shown ? verdict : 'INCONCLUSIVE',
      evidence,
      ...(shown ? { history: historyOf(`histories/${name}.jsonl`, shown.events) } : {}),
    },
    histories,
  };
}
