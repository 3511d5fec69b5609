// Running docker, the compose CLI and iptables: async through execa for the
// run, synchronous (spawnSync) for the last-resort cleanup on exit / signals,
// where nothing asynchronous can run any more.
//
// Every command runs in a process group of its own (detached), so a
// terminal's Ctrl-C reaches the harness only: a `compose up` or `docker rm`
// is never cut off half-way behind the harness's back. In return the harness
// kills the commands still in flight before its signal cleanup sweeps
// (`killInFlightSync`), and every command carries the owner markers
// (owner.ts), so `gossipcheck clean` finds one a SIGKILLed harness orphaned.
import { type ChildProcess, spawnSync } from 'node:child_process';
import { execa } from 'execa';
import { ownerEnv } from '../owner.js';

const inFlight = new Set<ChildProcess>();

/** SIGKILLs every command still running (their whole groups). Synchronous. */
export function killInFlightSync(): void {
  for (const child of inFlight) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  inFlight.clear();
}

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`${command} failed: ${stderr.trim().split('\n').slice(-3).join(' | ') || 'no output'}`);
    this.name = 'CommandError';
  }
}

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  cwd?: string;
}

/** Runs `file args`, resolves to its stdout; rejects with the tail of stderr. */
export async function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const sub = execa(file, args, {
    reject: false,
    detached: true,
    env: ownerEnv(),
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    timeout: opts.timeoutMs ?? 120_000,
    stripFinalNewline: true,
  });
  inFlight.add(sub);
  const res = await sub.finally(() => inFlight.delete(sub));
  if (res.exitCode !== 0 || res.failed) {
    const why = String(res.stderr || res.stdout || res.shortMessage || '');
    throw new CommandError(`${file} ${args.join(' ')}`, why);
  }
  return String(res.stdout);
}

/** Best effort, synchronous: for exit and signal handlers. Returns stdout ('' on failure). */
export function runSync(file: string, args: readonly string[], timeoutMs = 30_000): string {
  return tryRunSync(file, args, timeoutMs) ?? '';
}

/** Synchronous; stdout when the command succeeded, null when it failed. */
export function tryRunSync(file: string, args: readonly string[], timeoutMs = 30_000): string | null {
  try {
    const res = spawnSync(file, args, {
      encoding: 'utf8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own: a second Ctrl-C must not kill the cleanup's commands.
      detached: true,
      env: { ...process.env, ...ownerEnv() },
    } as Parameters<typeof spawnSync>[2]);
    return res.status === 0 ? String(res.stdout ?? '').trim() : null;
  } catch {
    return null;
  }
}

export const docker = (args: readonly string[], opts?: RunOptions): Promise<string> =>
  run('docker', args, opts);

/** Whether a docker engine answers. */
export async function dockerAnswers(): Promise<boolean> {
  try {
    await docker(['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 15_000 });
    return true;
  } catch {
    return false;
  }
}

/** The compose CLI: `docker compose` (v2 plugin) when present, else `docker-compose` (v1). */
export async function detectCompose(): Promise<{ file: string; pre: string[]; label: string }> {
  try {
    await run('docker', ['compose', 'version'], { timeoutMs: 15_000 });
    return { file: 'docker', pre: ['compose'], label: 'docker compose' };
  } catch {
    // Not the plugin; try v1.
  }
  try {
    await run('docker-compose', ['version'], { timeoutMs: 15_000 });
    return { file: 'docker-compose', pre: [], label: 'docker-compose' };
  } catch {
    throw new Error(
      'neither `docker compose` nor `docker-compose` is installed (scripts/ensure-docker.sh installs it)',
    );
  }
}

/** Ids of the docker objects (containers, networks, images, swarm services) carrying `label=value`. */
export function idsByLabelSync(
  kind: 'container' | 'network' | 'image' | 'service',
  label: string,
  value?: string,
): string[] {
  const filter = ['--filter', value === undefined ? `label=${label}` : `label=${label}=${value}`];
  const args =
    kind === 'container'
      ? ['ps', '-aq', '--no-trunc', ...filter]
      : kind === 'network'
        ? ['network', 'ls', '-q', '--no-trunc', ...filter]
        : kind === 'service'
          ? ['service', 'ls', '-q', ...filter]
          : ['images', '-q', '--no-trunc', ...filter];
  return [...new Set(runSync('docker', args, 60_000).split('\n').filter(Boolean))];
}
