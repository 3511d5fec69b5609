// Live progress of a chaos run. On a terminal: one status line redrawn in
// place (phase, elapsed, active faults, share of nodes converged). Otherwise:
// plain lines — one per phase and per fault change, and a status line every
// few seconds — so CI logs stay readable.
export interface Status {
  phase: string;
  elapsedMs: number;
  faults: string[];
  /** Live nodes holding the most common state, and live nodes. */
  converged: [number, number];
  inFlight?: number;
}

export class Progress {
  private last = 0;
  private lastLine = '';
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly tty = Boolean(out.isTTY),
    private readonly plainEveryMs = 5000,
  ) {}

  private fmt(s: Status): string {
    const t = `${(s.elapsedMs / 1000).toFixed(1)}s`;
    const faults = s.faults.length ? s.faults.join(', ') : 'none';
    const [k, n] = s.converged;
    const share = n > 0 ? Math.round((100 * k) / n) : 0;
    const net = s.inFlight !== undefined ? `  in flight: ${s.inFlight}` : '';
    return `[${s.phase}] ${t}  faults: ${faults}  converged: ${k}/${n} (${share}%)${net}`;
  }

  /** A status update; drawn at most every 100 ms on a terminal, every few seconds otherwise. */
  status(s: Status): void {
    const now = Date.now();
    const line = this.fmt(s);
    if (this.tty) {
      if (now - this.last < 100) return;
      this.last = now;
      const cols = this.out.columns ?? 120;
      this.out.write(`\r\x1b[K${line.slice(0, cols - 1)}`);
      this.drawn = true;
    } else if (now - this.last >= this.plainEveryMs && line !== this.lastLine) {
      this.last = now;
      this.lastLine = line;
      this.out.write(`${line}\n`);
    }
  }

  /** An event worth its own line (phase change, fault start / stop). */
  note(text: string): void {
    if (this.tty && this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
    this.out.write(`${text}\n`);
    this.last = 0;
  }

  done(): void {
    if (this.tty && this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}
