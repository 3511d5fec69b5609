// Running docker, the compose CLI and iptables: async through execa for the
// run, synchronous (spawnSync) for the last-resort cleanup on exit / signals,
// where nothing asynchronous can run any more.
import { spawnSync } from 'node:child_process';
import { execa } from 'execa';

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
  const res = await execa(file, args, {
    reject: false,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    timeout: opts.timeoutMs ?? 120_000,
    stripFinalNewline: true,
  });
  if (res.exitCode !== 0 || res.failed) {
    const why = String(res.stderr || res.stdout || res.shortMessage || '');
    throw new CommandError(`${file} ${args.join(' ')}`, why);
  }
  return String(res.stdout);
}

/** Best effort, synchronous: for exit and signal handlers. Returns stdout ('' on failure). */
export function runSync(file: string, args: readonly string[], timeoutMs = 30_000): string {
  try {
    const res = spawnSync(file, args, {
      encoding: 'utf8',
      timeout: timeoutMs,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return res.status === 0 ? (res.stdout ?? '').trim() : '';
  } catch {
    return '';
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

/** Ids of the docker objects (containers, networks) carrying `label=value`. */
export function idsByLabelSync(kind: 'container' | 'network', label: string, value: string): string[] {
  const args =
    kind === 'container'
      ? ['ps', '-aq', '--filter', `label=${label}=${value}`]
      : ['network', 'ls', '-q', '--filter', `label=${label}=${value}`];
  return runSync('docker', args).split('\n').filter(Boolean);
}
