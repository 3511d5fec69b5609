// The coordinator side of `gossipcheck run`: forks `jobs` workers, hands out
// cases one at a time, and collects results. It decides what a run that did
// not finish means: the IUT died (the case it died in FAILs, the rest are
// NOT-RUN), the deadline passed, Ctrl-C, or the kit itself broke.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { addTransport, type Capabilities, type TransportStats, type Variant } from '../../proto/contract.js';
import type { CaseResult } from '../../suites/result.js';
import type { FromWorker, ToWorker, WorkerSettings } from './protocol.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));
const STDERR_TAIL = 4096;

export interface Job {
  id: string;
  variant: Variant;
}

export interface Declared {
  implementation: string;
  version: string;
  capabilities: Capabilities;
  /** '' when the IUT declared none (proto/contract.ts contractNote). */
  contractVersion: string;
}

export type PoolEnd =
  | { status: 'completed' }
  | { status: 'aborted'; reason: string }
  | { status: 'deadline'; reason: string }
  | { status: 'harness-error'; reason: string }
  /** The IUT could not be started at all (exit 2) or never answered Init (run/init FAIL). */
  | { status: 'startup-failed'; reason: string; init: boolean };

export interface PoolHooks {
  /** Called once, with what the first ready worker's IUT declared; returns the jobs to run. */
  plan(declared: Declared): Job[];
  /** A case finished (in completion order). */
  result(r: CaseResult): void;
  /** A case started. */
  started?(job: Job): void;
  /** The IUT became unusable while running `job`: no further case starts. */
  broken?(job: Job, reason: string): void;
}

interface Worker {
  child: ChildProcess;
  job: Job | null;
  startedAt: number;
  ready: boolean;
  stderr: string;
  iutPid: number | null;
  /** Its endpoint's call counts, as of its last result. */
  transport?: TransportStats;
}

export class Pool {
  private readonly workers: Worker[] = [];
  private queue: Job[] | null = null;
  private end: PoolEnd | null = null;
  private brokenReason: string | null = null;
  private finish!: (end: PoolEnd) => void;
  /** Jobs that were running when the run stopped early. */
  readonly interrupted: { job: Job; ranMs: number }[] = [];
  declared: Declared | null = null;

  constructor(
    private readonly settings: (index: number) => WorkerSettings,
    private readonly jobs: number,
    private readonly hooks: PoolHooks,
  ) {}

  /** Every worker's endpoint's calls together; null when none went over gRPC (in-process). */
  transport(): TransportStats | null {
    const all = this.workers.flatMap((w) => (w.transport ? [w.transport] : []));
    return all.length ? all.reduce(addTransport) : null;
  }

  /** Jobs no worker took before the run ended. */
  notStarted(): Job[] {
    return this.queue ?? [];
  }

  run(): Promise<PoolEnd> {
    const done = new Promise<PoolEnd>((resolve) => {
      this.finish = resolve;
    });
    for (let i = 0; i < this.jobs; i++) this.spawn(i);
    return done;
  }

  /** Stops the run from outside (Ctrl-C, deadline): running cases are interrupted. */
  stop(end: PoolEnd): void {
    this.close(end);
  }

  private spawn(index: number): void {
    const child = fork(WORKER, [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const w: Worker = { child, job: null, startedAt: 0, ready: false, stderr: '', iutPid: null };
    this.workers.push(w);
    child.stderr?.on('data', (c: Buffer) => {
      w.stderr = (w.stderr + c.toString('utf8')).slice(-STDERR_TAIL);
    });
    child.on('message', (m: FromWorker) => this.onMessage(w, m));
    child.on('exit', (code, signal) => {
      if (this.end) return;
      // A terminal's Ctrl-C reaches the whole process group: a worker that
      // stopped for SIGINT / SIGTERM was interrupted, not broken.
      const interrupted = signal === 'SIGINT' || signal === 'SIGTERM' || code === 130 || code === 143;
      if (interrupted) {
        const by = signal ?? (code === 130 ? 'SIGINT' : 'SIGTERM');
        this.close({ status: 'aborted', reason: `interrupted by ${by}` });
        return;
      }
      const what = w.job ? ` while running ${w.job.id} [${w.job.variant}]` : '';
      const how = code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
      const tail = w.stderr.trim().split('\n').slice(-3).join(' | ');
      this.close({ status: 'harness-error', reason: `a worker ${how}${what}${tail ? `: ${tail}` : ''}` });
    });
    child.send({ t: 'start', settings: this.settings(index) } satisfies ToWorker);
  }

  private onMessage(w: Worker, m: FromWorker): void {
    if (this.end) return;
    switch (m.t) {
      case 'ready':
        w.ready = true;
        w.iutPid = m.iutPid;
        if (!this.declared) {
          this.declared = {
            implementation: m.implementation,
            version: m.version,
            capabilities: m.capabilities,
            contractVersion: m.contractVersion,
          };
          this.queue = this.hooks.plan(this.declared);
        }
        this.next(w);
        break;
      case 'startup-failed':
        this.close({ status: 'startup-failed', reason: m.message, init: m.init });
        break;
      case 'result': {
        const job = w.job;
        w.job = null;
        if (m.transport) w.transport = m.transport;
        this.hooks.result(m.result);
        if (m.broken !== null && job) {
          this.brokenReason ??= m.broken;
          this.hooks.broken?.(job, m.broken);
        }
        this.next(w);
        break;
      }
      case 'harness-error':
        this.close({ status: 'harness-error', reason: m.message });
        break;
    }
  }

  private next(w: Worker): void {
    if (this.end || !this.queue) return;
    if (this.brokenReason === null) {
      const job = this.queue.shift();
      if (job) {
        w.job = job;
        w.startedAt = Date.now();
        this.hooks.started?.(job);
        w.child.send({ t: 'case', id: job.id, variant: job.variant } satisfies ToWorker);
        return;
      }
    }
    if (this.workers.every((x) => x.job === null)) this.close({ status: 'completed' });
  }

  private close(end: PoolEnd): void {
    if (this.end) return;
    this.end = end;
    for (const w of this.workers) {
      if (w.job) this.interrupted.push({ job: w.job, ranMs: Date.now() - w.startedAt });
      // Politely first: the worker closes its IUT; then for certain.
      if (w.child.connected) w.child.disconnect();
      const timer = setTimeout(() => {
        w.child.kill('SIGKILL');
        killGroup(w.iutPid);
      }, 3000);
      w.child.once('exit', () => {
        clearTimeout(timer);
        killGroup(w.iutPid);
      });
    }
    const exited = this.workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.child.exitCode !== null || w.child.signalCode !== null) resolve();
          else w.child.once('exit', () => resolve());
        }),
    );
    void Promise.all(exited).then(() => this.finish(end));
  }

  /** Synchronous last resort (process exit): kill every worker and IUT group. */
  killAll(): void {
    for (const w of this.workers) {
      try {
        w.child.kill('SIGKILL');
      } catch {
        // gone
      }
      killGroup(w.iutPid);
    }
  }
}

/** An IUT runs in a process group of its own (engine/backends/process.ts). */
function killGroup(pid: number | null): void {
  if (pid === null || pid <= 0) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
