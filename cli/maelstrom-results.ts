// Collects a Maelstrom run's verdicts and histories into a RunReport, the same
// way for local processes (`run --maelstrom`) and containers (`chaos --maelstrom`):
// per scenario its Maelstrom cases (convergence, budgets) and the shared
// realtime cases (checks/realtime.ts), all judged on its history.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAELSTROM_PARAMS, type ScenarioRun } from '../adapters/maelstrom/scenario.js';
import { countVerdicts } from '../checks/gate.js';
import { checkBudgets, checkConvergence, checkProtocol, convergenceCase } from '../checks/maelstrom.js';
import type { Budget } from '../checks/maelstrom-profiles.js';
import { checkRealtimeHistory } from '../checks/realtime.js';
import type { Verdict } from '../checks/verdict.js';
import type { HistoryEvent } from '../engine/history/events.js';
import type { CaseResult, RunReport } from '../reports/model.js';
import { KIT_VERSION } from '../reports/run-info.js';

export class MaelstromResults {
  readonly results: CaseResult[] = [];
  private readonly histories: HistoryEvent[][] = [];

  constructor(
    private readonly out: string,
    private readonly seed: number,
  ) {}

  add(v: Verdict, scenario: string, history?: string): void {
    this.results.push({
      ...v,
      suite: v.id.split('/')[0],
      variant: MAELSTROM_PARAMS.variant,
      scenario,
      runs: 1,
      seed: this.seed,
      ...(history ? { history } : {}),
    });
  }

  /** Writes one scenario's history (histories/ must exist); returns its report-relative path. */
  async keep(name: string, events: HistoryEvent[]): Promise<string> {
    this.histories.push(events);
    const file = join('histories', `maelstrom--${name.replaceAll('/', '--')}.jsonl`);
    await writeFile(join(this.out, file), `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    return file;
  }

  /**
   * One scenario's verdicts, from its history: its convergence case, the
   * budgets (on the scenario that measures them), then the shared realtime
   * cases; `selected` filters by case id (--case).
   */
  async judge(
    s: { name: string; what: string; budgets: boolean },
    run: ScenarioRun,
    label: string,
    budget: Budget | null,
    selected: (id: string) => boolean = () => true,
  ): Promise<void> {
    const file = await this.keep(s.name, run.events);
    const conv = convergenceCase(s.name, s.what);
    if (selected(conv.id)) this.add(checkConvergence(conv, run.events, run.startupFailure), label, file);
    if (s.budgets)
      for (const v of checkBudgets(run.events, budget, run.startupFailure))
        if (selected(v.id)) this.add(v, label, file);
    for (const v of checkRealtimeHistory(run.events)) if (selected(v.id)) this.add(v, label, file);
  }

  get scenariosRun(): number {
    return this.histories.length;
  }

  /** maelstrom/protocol, judged over every scenario that ran, heads the report. */
  protocolFirst(setting: string): void {
    this.results.unshift({
      ...checkProtocol(this.histories),
      suite: 'maelstrom',
      variant: MAELSTROM_PARAMS.variant,
      scenario: `all scenarios; ${setting}`,
      runs: this.histories.length,
      seed: this.seed,
    });
  }

  report(command: string, invocation: string): RunReport {
    return {
      kit: { name: 'gossipcheck', version: KIT_VERSION },
      implementation: { name: `maelstrom: ${command}`, version: '', capabilities: null },
      seed: this.seed,
      command: invocation,
      startedAt: new Date().toISOString(),
      results: this.results,
      totals: countVerdicts(this.results),
    };
  }
}
