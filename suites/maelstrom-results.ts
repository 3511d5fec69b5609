// A Maelstrom run's cases, from its scenarios' histories, the same way for
// local processes (`run --maelstrom`) and containers (`chaos --maelstrom`):
// which scenarios a --case selection needs (planMaelstrom), then per
// scenario its convergence case, the budgets and the shared realtime cases
// (checks/realtime.ts), all judged on its history, and maelstrom/protocol
// over every scenario that ran.
import { join } from 'node:path';
import { checkBudgets, checkConvergence, checkProtocol, convergenceCase } from '../checks/maelstrom.js';
import type { Budget } from '../checks/maelstrom-profiles.js';
import { checkRealtimeHistory } from '../checks/realtime.js';
import { type CheckInfo, unsupported, type Verdict } from '../checks/verdict.js';
import type { HistoryEvent } from '../engine/history/events.js';
import { writeHistoryFile } from '../engine/history/recorder.js';
import { BUDGET_IDS, MAELSTROM_REALTIME_IDS, noMatch } from './catalogue.js';
import { GENERATED_CASE, MAELSTROM_PARAMS, type MaelstromScenario } from './maelstrom.js';
import type { MaelstromScenarioRun } from './maelstrom-generated.js';
import { discountLag } from './realtime/execute.js';
import { ALL_CASES, matchesPrefix } from './registry.js';
import { type CaseResult, caseResult, type RunFacts, type RunReport, runReport } from './result.js';

export interface MaelstromPlan {
  scenarios: MaelstromScenario[];
  /** maelstrom/protocol is selected (judged over whatever ran). */
  protocol: boolean;
  /** Selected lockstep cases: reported UNSUPPORTED (they need Tick). */
  lockstep: CheckInfo[];
  /** maelstrom/convergence/generated is selected (`run --maelstrom` only). */
  generated: boolean;
}

/**
 * The scenarios a --case selection needs, in `scenarios` order: those whose
 * convergence or budget case is selected, all when a shared realtime case is,
 * the first alone when only maelstrom/protocol is. When nothing matches,
 * the message saying so (the caller's usage error).
 */
export function planMaelstrom(
  scenarios: readonly MaelstromScenario[],
  prefixes: readonly string[],
  withGenerated = false,
): MaelstromPlan | string {
  const sel = (id: string) => matchesPrefix(id, prefixes);
  const generated = withGenerated && sel(GENERATED_CASE.id);
  const shared = MAELSTROM_REALTIME_IDS.some(sel);
  let picked = scenarios.filter(
    (s) => shared || sel(convergenceCase(s.name, s.what).id) || (s.budgets && BUDGET_IDS.some(sel)),
  );
  const protocol = sel('maelstrom/protocol');
  if (picked.length === 0 && protocol && !generated) picked = scenarios.slice(0, 1);
  const judgedHere = new Set(MAELSTROM_REALTIME_IDS);
  const lockstep = ALL_CASES.filter((c) => !judgedHere.has(c.id) && sel(c.id));
  if (picked.length === 0 && lockstep.length === 0 && !generated)
    return noMatch('maelstrom', prefixes) ?? 'no case matches';
  return { scenarios: picked, protocol, lockstep, generated };
}

export class MaelstromResults {
  readonly results: CaseResult[] = [];
  private readonly histories: HistoryEvent[][] = [];

  constructor(
    private readonly out: string,
    private readonly seed: number,
    private readonly selected: (id: string) => boolean = () => true,
  ) {}

  add(v: Verdict, scenario: string, history?: string, runs = 1): void {
    this.results.push(
      caseResult(v, { variant: MAELSTROM_PARAMS.variant, seed: this.seed, runs, scenario, history }),
    );
  }

  /** Writes one scenario's history (the one history writer); returns its report-relative path. */
  private keep(name: string, events: HistoryEvent[]): string {
    this.histories.push(events);
    const file = join('histories', `maelstrom--${name.replaceAll('/', '--')}.jsonl`);
    writeHistoryFile(join(this.out, file), events);
    return file;
  }

  /**
   * One scenario's verdicts, from its history: its convergence case, the
   * budgets (on the scenario that measures them), then the shared realtime
   * cases; only the selected ones (--case).
   */
  judge(s: MaelstromScenario, run: MaelstromScenarioRun, label: string, budget: Budget | null): void {
    const file = this.keep(s.name, run.events);
    const conv = convergenceCase(s.name, s.what);
    // The budgets weigh the harness's own share themselves (checks/maelstrom.ts harnessShare).
    const timed = discountLag(
      [checkConvergence(conv, run.events, run.startupFailure), ...checkRealtimeHistory(run.events)],
      run.lag,
    );
    if (this.selected(conv.id)) this.add(timed[0]!, label, file);
    if (s.budgets)
      for (const v of checkBudgets(run.events, budget, run.startupFailure))
        if (this.selected(v.id)) this.add(v, label, file);
    for (const v of timed.slice(1)) if (this.selected(v.id)) this.add(v, label, file);
  }

  /** A case judged over several runs of its own (maelstrom/convergence/generated); its histories count for the protocol. */
  addGenerated(result: CaseResult, histories: readonly HistoryEvent[][]): void {
    this.results.push(result);
    this.histories.push(...histories);
  }

  /** A scenario not run because the node could not even start in an earlier one. */
  notStarted(s: Pick<MaelstromScenario, 'name' | 'what'>, label: string, why: string): void {
    const conv = convergenceCase(s.name, s.what);
    if (!this.selected(conv.id)) return;
    const evidence = { expected: 'a running cluster', observed: `not run: ${why}`, details: [] };
    this.add({ ...conv, verdict: 'FAIL', evidence, judged: 1 }, label);
  }

  /** Lockstep cases selected in a Maelstrom run: UNSUPPORTED, they need Tick. */
  lockstepUnsupported(cases: readonly CheckInfo[]): void {
    const why = 'lockstep case: needs Tick; a Maelstrom node keeps its own timers and runs in realtime only';
    for (const c of cases) {
      const { id, requirement, level, source } = c;
      this.add(unsupported({ id, requirement, level, source }, why), 'maelstrom (realtime)', undefined, 0);
    }
  }

  get scenariosRun(): number {
    return this.histories.length;
  }

  /** maelstrom/protocol, judged over every scenario that ran, heads the report. */
  protocolFirst(setting: string): void {
    if (this.histories.length === 0 || !this.selected('maelstrom/protocol')) return;
    const run = {
      variant: MAELSTROM_PARAMS.variant,
      seed: this.seed,
      runs: this.histories.length,
      scenario: `all scenarios; ${setting}`,
    };
    this.results.unshift(caseResult(checkProtocol(this.histories), run));
  }

  report(command: string, facts: Omit<RunFacts, 'implementation' | 'seed' | 'results'>): RunReport {
    return runReport({
      implementation: { name: `maelstrom: ${command}`, version: '', capabilities: null },
      seed: this.seed,
      ...facts,
      results: this.results,
    });
  }
}
