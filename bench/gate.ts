// The gate's cost for an external node: the default `gossipcheck run` against
// the reference over gRPC (`--impl serve-reference`) divided by the same run
// in-process, measured back to back with the same seed and job count.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface GateTiming {
  runs: number;
  jobs: number;
  inprocSeconds: number;
  grpcSeconds: number;
  /** grpc / in-process wall time. */
  ratio: number;
}

/**
 * One `gossipcheck run` (its --out a fresh temp dir), timed: its wall time,
 * exit code and what `read` takes from the report dir before it is removed.
 * `ok` lists the exit codes that are a measurement; any other throws.
 */
export function timedRun<T>(
  args: string[],
  o: { env?: NodeJS.ProcessEnv; ok?: number[]; read?: (dir: string) => T } = {},
): { seconds: number; code: number; read?: T } {
  const out = mkdtempSync(join(tmpdir(), 'gossipcheck-bench-run-'));
  try {
    const t = process.hrtime.bigint();
    const res = spawnSync(process.execPath, [CLI, 'run', ...args, '--out', join(out, 'r')], {
      encoding: 'utf8',
      timeout: 1_800_000,
      maxBuffer: 16 << 20,
      env: o.env ?? process.env,
    });
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    const code = res.status ?? -1;
    if (!(o.ok ?? [0]).includes(code))
      throw new Error(
        `gossipcheck run ${args.join(' ')} exited ${res.status ?? res.signal}: ${res.stderr.trim().split('\n').pop()}`,
      );
    return { seconds, code, ...(o.read ? { read: o.read(join(out, 'r')) } : {}) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * The same gate in-process and over gRPC. Exit 1 is a measurement too: at
 * --quick's 2 runs a check may judge nothing (INCONCLUSIVE fails the gate);
 * both sides must end alike, or the two timings are of different work.
 */
export function gateTiming(runs: number, jobs: number, seed: number): GateTiming {
  const common = ['--runs', String(runs), '--jobs', String(jobs), '--seed', String(seed)];
  const inproc = timedRun(common, { ok: [0, 1] });
  const grpc = timedRun(
    [...common, '--impl', `"${process.execPath}" "${CLI}" serve-reference --listen {listen}`],
    { ok: [0, 1] },
  );
  if (inproc.code !== grpc.code)
    throw new Error(`the gate exited ${inproc.code} in-process but ${grpc.code} over gRPC`);
  return {
    runs,
    jobs,
    inprocSeconds: inproc.seconds,
    grpcSeconds: grpc.seconds,
    ratio: grpc.seconds / inproc.seconds,
  };
}

export interface RealtimeGateTiming {
  who: string;
  jobs: number;
  seconds: number;
  /** The run's exit code: a realtime gate may rightly fail (memberlist's partition-heal). */
  code: number;
  /** The largest harness event-loop stall any run saw, ms (its stderr progress lines). */
  maxLagMs: number;
}

/** The default realtime gate (`run --mode realtime`, or `run --impl` of a realtime-only node), timed. */
export function realtimeGateTiming(who: string, args: string[], jobs: number): RealtimeGateTiming {
  const out = mkdtempSync(join(tmpdir(), 'gossipcheck-bench-rt-'));
  try {
    const t = process.hrtime.bigint();
    const res = spawnSync(
      process.execPath,
      [CLI, 'run', ...args, '--jobs', String(jobs), '--out', join(out, 'r')],
      {
        encoding: 'utf8',
        timeout: 1_800_000,
        maxBuffer: 16 << 20,
      },
    );
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    const code = res.status ?? -1;
    if (code !== 0 && code !== 1)
      throw new Error(
        `gossipcheck run ${args.join(' ')} exited ${res.status ?? res.signal}: ${res.stderr.trim().split('\n').pop()}`,
      );
    const lags = [...res.stderr.matchAll(/longest stall (\d+) ms/g)].map((m) => Number(m[1]));
    return { who, jobs, seconds, code, maxLagMs: Math.max(0, ...lags) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
