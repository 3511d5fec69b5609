// What an IUT prints: all of it appended to a log file (when asked, capped),
// the last bytes in memory, and the last lines that look like an error, so an
// exit reason can quote "Error: listen EADDRINUSE" even when five lines of
// shutdown chatter followed it.
import { closeSync, openSync, writeSync } from 'node:fs';

const TAIL_BYTES = 2048;
const ERROR_LINE = /Error|error|Cannot/;
const KEEP_ERROR_LINES = 3;
export const LOG_CAP_BYTES = 64 * 1024 * 1024;

export class OutputLog {
  private tail = '';
  private readonly partial = new Map<string, string>();
  private readonly errorLines: string[] = [];
  private fd: number | null = null;
  private written = 0;

  constructor(
    logFile?: string,
    private readonly capBytes = LOG_CAP_BYTES,
  ) {
    if (logFile) this.fd = openSync(logFile, 'a');
  }

  add(stream: string, chunk: Buffer): void {
    this.toFile(chunk);
    const text = chunk.toString('utf8');
    this.tail = (this.tail + text).slice(-TAIL_BYTES);
    const lines = ((this.partial.get(stream) ?? '') + text).split('\n');
    this.partial.set(stream, lines.pop() ?? '');
    for (const l of lines) this.noteLine(l);
  }

  private noteLine(line: string): void {
    if (!ERROR_LINE.test(line)) return;
    this.errorLines.push(line.trim().slice(0, 400));
    if (this.errorLines.length > KEEP_ERROR_LINES) this.errorLines.shift();
  }

  private toFile(chunk: Buffer): void {
    if (this.fd === null) return;
    const room = this.capBytes - this.written;
    try {
      if (chunk.length <= room) {
        writeSync(this.fd, chunk);
        this.written += chunk.length;
        return;
      }
      if (room > 0) writeSync(this.fd, chunk.subarray(0, room));
      writeSync(this.fd, `\n[gossipcheck: log truncated at ${this.capBytes} bytes; later output dropped]\n`);
    } catch {
      // A full disk must not take the run down with it.
    }
    this.close();
  }

  /** The last `n` lines, plus earlier error lines they no longer show, joined by ' | '. */
  summary(n = 5): string {
    const unfinished = [...this.partial.values()].filter((l) => ERROR_LINE.test(l)).map((l) => l.trim());
    const errors = [...this.errorLines, ...unfinished].slice(-KEEP_ERROR_LINES);
    const last = this.tail.trim().split('\n').slice(-n);
    const dropped = errors.filter((e) => !last.some((l) => l.includes(e)));
    return [...dropped, ...(dropped.length ? ['…'] : []), ...last].join(' | ');
  }

  close(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // Closed already.
    }
    this.fd = null;
  }
}
