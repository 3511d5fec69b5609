// Collects a Maelstrom run's verdicts and histories into a RunReport, the same
// way for local processes (`run --maelstrom`) and containers (`chaos --maelstrom`).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CaseResult, countVerdicts, type RunReport } from '../../reports/model.js';
import { KIT_VERSION } from '../../reports/run-info.js';
import type { Verdict } from '../checkers/verdict.js';
import { checkProtocol } from '../maelstrom/checks.js';
import type { MaelstromEvent } from '../maelstrom/history.js';

export class MaelstromResults {
  readonly results: CaseResult[] = [];
  private readonly histories: MaelstromEvent[][] = [];

  constructor(
    private readonly out: string,
    private readonly seed: number,
  ) {}

  add(v: Verdict, scenario: string, history?: string): void {
    this.results.push({
      ...v,
      suite: 'maelstrom',
      variant: 'direct-mail',
      scenario,
      runs: 1,
      seed: this.seed,
      ...(history ? { history } : {}),
    });
  }

  /** Writes one scenario's history (histories/ must exist); returns its report-relative path. */
  async keep(name: string, events: MaelstromEvent[]): Promise<string> {
    this.histories.push(events);
    const file = join('histories', `maelstrom--${name.replaceAll('/', '--')}.jsonl`);
    await writeFile(join(this.out, file), `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    return file;
  }

  get scenariosRun(): number {
    return this.histories.length;
  }

  /** maelstrom/protocol, judged over every scenario that ran, heads the report. */
  protocolFirst(setting: string): void {
    this.results.unshift({
      ...checkProtocol(this.histories),
      suite: 'maelstrom',
      variant: 'direct-mail',
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
