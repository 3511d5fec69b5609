// One Maelstrom node = one process: `/bin/sh -c CMD` in a process group of its
// own, newline-delimited JSON on stdin / stdout, stderr kept as a log tail.
// Every process is registered with harness/backends/cleanup.ts, so it is
// killed (whole group, SIGKILL) on any harness exit, SIGINT and SIGTERM
// included; `stop` kills it (SIGTERM, then SIGKILL) and waits for it.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { NodeId } from '../../proto/contract.js';
import { onCleanup } from '../backends/cleanup.js';

const TAIL_CHARS = 4096;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The command could not be spawned at all. */
  error?: string;
}

export class NodeProcess {
  readonly child: ChildProcess;
  private tail = '';
  private exitInfo: Exit | null = null;
  private readonly exited: Promise<Exit>;
  private readonly unregister: () => void;
  stopping = false;

  constructor(
    readonly id: NodeId,
    command: string,
    onLine: (line: string) => void,
    onExit: (exit: Exit) => void,
  ) {
    this.child = spawn('/bin/sh', ['-c', command], {
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, GOSSIPCHECK_NODE: id },
    });
    this.unregister = onCleanup(() => this.killGroup('SIGKILL'));
    this.child.stdin?.on('error', () => {
      // EPIPE after the node died: the exit handler reports it.
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
    });
    if (this.child.stdout) {
      const rl = createInterface({ input: this.child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
      rl.on('line', onLine);
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

  /** The last lines of stderr, trimmed. */
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

  private killGroup(signal: NodeJS.Signals): void {
    if (this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // Group already gone.
    }
  }

  /** Kills the node's whole process group and waits for the shell to exit. */
  async stop(graceMs = 500): Promise<void> {
    this.stopping = true;
    this.child.stdin?.end();
    if (this.alive) this.killGroup('SIGTERM');
    const timer = setTimeout(() => this.killGroup('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    // A grandchild may outlive the shell: sweep the group.
    this.killGroup('SIGKILL');
    this.unregister();
  }
}
