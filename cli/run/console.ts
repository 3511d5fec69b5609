// What `gossipcheck run` prints while it runs: a progress line on a terminal
// (stderr), nothing per case otherwise (the summary after it: cli/summary.ts).
// No ANSI codes unless stderr is a terminal.

import type { CaseResult } from '../../suites/result.js';

export class Progress {
  private done = 0;
  private failed = 0;
  private readonly tty = process.stderr.isTTY === true;

  constructor(private total = 0) {}

  setTotal(total: number): void {
    this.total = total;
  }

  started(label: string): void {
    if (!this.tty) return;
    const line = `[${this.done}/${this.total}]${this.failed ? ` ${this.failed} failed` : ''} ${label}`;
    process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns ?? 80) - 1)}`);
  }

  finished(r: CaseResult): void {
    this.done++;
    if (r.verdict === 'FAIL') this.failed++;
  }

  clear(): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
  }
}
