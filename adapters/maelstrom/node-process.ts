// One Maelstrom node = one process speaking newline-delimited JSON on stdin /
// stdout, stderr kept as a log tail. How the process is started is pluggable
// (a NodeLauncher): `localLauncher` runs `/bin/sh -c CMD` in a process group
// of its own (`run --maelstrom`); adapters/maelstrom/docker.ts runs
// `docker run -i --rm ... IMAGE sh -c CMD` instead (`chaos --maelstrom`).
// Either way the harness holds the process's stdin / stdout. Every process is
// registered with engine/backends/cleanup.ts, so it is killed on any harness
// exit, SIGINT and SIGTERM included; `stop` ends it and waits for it; `kill`
// ends it abruptly (a crash fault); `pause` / `resume` freeze it.
import { type ChildProcess, spawn } from 'node:child_process';
import { onCleanup } from '../../engine/backends/cleanup.js';
import type { NodeId } from '../../proto/contract.js';
import { overlongLine, QUOTE_CHARS } from './protocol.js';

const TAIL_CHARS = 4096;

/**
 * The longest stdout line buffered. Maelstrom messages are small (a broadcast
 * body is a few hundred bytes; a read_ok of thousands of values a few hundred
 * KiB), so a 16 MiB line is a broken node, and buffering it whole would let a
 * node that never writes a newline exhaust the harness (readline died with
 * `RangeError: Invalid string length` at ~1.5 GB).
 */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Splits a byte stream into lines at '\n' (UTF-8 never has 0x0a inside a
 * character), holding at most `cap` bytes. A line that outgrows the cap is
 * reported once, as protocol.ts overlongLine (its head and the bytes seen so
 * far), the moment it crosses the cap, never waiting for a newline that may
 * not come; the rest of it, up to the next newline, is discarded unread.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;

  constructor(
    private readonly cap: number,
    private readonly onLine: (line: string) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!this.discarding) {
        const piece = chunk.subarray(start, end);
        if (this.size + piece.length > this.cap) {
          this.onLine(overlongLine(this.head(piece), this.size + piece.length, this.cap));
          this.parts = [];
          this.size = 0;
          this.discarding = true;
        } else if (piece.length > 0) {
          this.parts.push(piece);
          this.size += piece.length;
        }
      }
      if (nl === -1) return;
      if (!this.discarding) this.flush();
      this.discarding = false;
      start = nl + 1;
    }
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    if (!this.discarding && this.size > 0) this.flush();
  }

  /** The first QUOTE_CHARS bytes of the line so far (copied, not the whole line). */
  private head(piece: Buffer): string {
    const bytes: Buffer[] = [];
    let left = QUOTE_CHARS;
    for (const b of [...this.parts, piece]) {
      if (left <= 0) break;
      bytes.push(b.subarray(0, left));
      left -= b.length;
    }
    return Buffer.concat(bytes).toString('utf8');
  }

  private flush(): void {
    const line = Buffer.concat(this.parts, this.size).toString('utf8');
    this.parts = [];
    this.size = 0;
    this.onLine(line);
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The command could not be spawned at all. */
  error?: string;
}

/** What the scenario needs of a running node, wherever it runs. */
export interface NodeHandle {
  readonly alive: boolean;
  write(line: string): void;
  /** The last lines of stderr, trimmed. */
  stderrTail(lines?: number): string;
  /** Ends the node and waits for it; its exit is not reported. */
  stop(): Promise<void>;
  /** Ends the node abruptly (SIGKILL); its exit is reported to onExit. */
  kill(): Promise<void>;
  /** Freezes the node: lines to it wait in its stdin pipe until `resume`. */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

/** Starts node `id`; `generation` counts restarts (0 for the first start). */
export type NodeLauncher = (
  id: NodeId,
  generation: number,
  onLine: (line: string) => void,
  onExit: (exit: Exit) => void,
) => NodeHandle;

/** How to start one process, and how to end / freeze what it stands for. */
export interface ProcessSpec {
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** How long `stop` waits for `terminate` before killSync (default 500 ms). */
  graceMs?: number;
  /** Own process group (the local backend signals the whole group). */
  detached: boolean;
  /** The longest stdout line buffered (default MAX_LINE_BYTES). */
  maxLineBytes?: number;
  /** Synchronous, last resort (exit / signal handlers) and after stop. */
  killSync: (child: ChildProcess) => void;
  /** Ends it gracefully; `stop` escalates to killSync after a grace period. */
  terminate: (child: ChildProcess) => Promise<void> | void;
  kill: (child: ChildProcess) => Promise<void> | void;
  pause: (child: ChildProcess) => Promise<void> | void;
  resume: (child: ChildProcess) => Promise<void> | void;
}

export class NodeProcess implements NodeHandle {
  readonly child: ChildProcess;
  private tail = '';
  private exitInfo: Exit | null = null;
  private readonly exited: Promise<Exit>;
  private readonly unregister: () => void;
  stopping = false;

  constructor(
    readonly id: NodeId,
    private readonly spec: ProcessSpec,
    onLine: (line: string) => void,
    onExit: (exit: Exit) => void,
  ) {
    this.child = spawn(spec.file, spec.args, {
      detached: spec.detached,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: spec.env ?? process.env,
    });
    this.unregister = onCleanup(() => spec.killSync(this.child));
    this.child.stdin?.on('error', () => {
      // EPIPE after the node died: the exit handler reports it.
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
    });
    if (this.child.stdout) {
      const lines = new LineSplitter(spec.maxLineBytes ?? MAX_LINE_BYTES, onLine);
      this.child.stdout.on('data', (chunk: Buffer) => lines.push(chunk));
      this.child.stdout.on('end', () => lines.end());
    }
    this.exited = new Promise<Exit>((resolve) => {
      this.child.once('error', (err) => {
        const info = { code: null, signal: null, error: err.message };
        this.exitInfo ??= info;
        resolve(info);
      });
      this.child.once('exit', (code, signal) => {
        const info = { code, signal };
        this.exitInfo ??= info;
        resolve(info);
      });
    }).then((info) => {
      if (!this.stopping) onExit(info);
      return info;
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  stderrTail(lines = 20): string {
    return this.tail.trimEnd().split('\n').slice(-lines).join('\n');
  }

  write(line: string): void {
    if (!this.alive || !this.child.stdin || this.child.stdin.destroyed) return;
    try {
      this.child.stdin.write(`${line}\n`);
    } catch {
      // The node is gone; its exit is reported.
    }
  }

  async kill(): Promise<void> {
    if (this.alive) await this.spec.kill(this.child);
    await this.exited;
  }

  async pause(): Promise<void> {
    if (this.alive) await this.spec.pause(this.child);
  }

  async resume(): Promise<void> {
    if (this.alive) await this.spec.resume(this.child);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.child.stdin?.end();
    const timer = setTimeout(() => this.spec.killSync(this.child), this.spec.graceMs ?? 500);
    if (this.alive) await this.spec.terminate(this.child);
    await this.exited;
    clearTimeout(timer);
    // A grandchild may outlive the shell: sweep.
    this.spec.killSync(this.child);
    this.unregister();
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Group already gone.
  }
}

/** Today's `run --maelstrom` backend: `/bin/sh -c CMD`, a process group per node. */
export function localLauncher(command: string, opts: { maxLineBytes?: number } = {}): NodeLauncher {
  return (id, _generation, onLine, onExit) =>
    new NodeProcess(
      id,
      {
        file: '/bin/sh',
        args: ['-c', command],
        env: { ...process.env, GOSSIPCHECK_NODE: id },
        detached: true,
        maxLineBytes: opts.maxLineBytes,
        killSync: (c) => signalGroup(c, 'SIGKILL'),
        terminate: (c) => {
          signalGroup(c, 'SIGCONT');
          signalGroup(c, 'SIGTERM');
        },
        kill: (c) => signalGroup(c, 'SIGKILL'),
        pause: (c) => signalGroup(c, 'SIGSTOP'),
        resume: (c) => signalGroup(c, 'SIGCONT'),
      },
      onLine,
      onExit,
    );
}
