// Realtime at scale (issue 24): the reference on its own timers, every node
// in one endpoint process (the process backend), run as the realtime suites
// run an input (suites/realtime/execute.ts: full mesh, the generated input's
// faults and writes, the harness transport, every realtime check), at sizes a
// decade apart. Each size runs in a fresh process (realtime-scale-child.ts),
// so the harness's peak RSS is that run's alone. What it reports:
// - issued / planned: the input's client writes made (the runner skips a
//   write while the one before is unanswered, so a harness or endpoint that
//   falls behind makes fewer);
// - added latency: per envelope, from the time it was due (its acceptance
//   from the sender's stream, or the end of the delay a fault intended) to
//   the Deliver carrying it being issued (engine/realtime/network.ts
//   `forward`); the wait for Deliver's answer (`late`, the endpoint's time in
//   it) beside it for the reader;
// - event-loop lag: the suites' LagMonitor (engine/realtime/lag.ts);
// - the checks' verdicts, wall time, peak RSS of the harness and the endpoint.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as fc from 'fast-check';
import type { VerdictKind } from '../checks/verdict.js';
import type { LagFigures } from '../engine/realtime/lag.js';
import type { NetworkFigures } from '../engine/realtime/network.js';
import type { Variant } from '../proto/contract.js';
import { deriveSeed } from '../shared/prng.js';
import { execute } from '../suites/realtime/execute.js';
import { families, focus, type GenTiming, realtimeInput } from '../suites/realtime/input.js';
import { realtimeParams } from '../suites/realtime/params.js';
import { CHILD_NODE_ARGS } from './grpc.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

/** Issue 24's targets at n = 1,000: every planned operation issued, the harness's p99 within 20 ms. */
export const REALTIME_SCALE_TARGET = { n: 1000, issuedShare: 1, addedP99Ms: 20 };

/** anti-entropy push-pull with `gossipcheck run --mode realtime`'s defaults (cli/run-realtime.ts). */
const VARIANT: Variant = 'anti-entropy-push-pull';
const PARAMS = realtimeParams({
  variant: VARIANT,
  fanout: 2,
  periodMs: 100,
  lossOfInterest: 'feedback-counter',
  rumorK: 2,
  antiEntropyEvery: 3,
});
/** A key-value variant's draw (cli/run-realtime.ts's timing for it); the cluster size is set per run. */
const TIMING: GenTiming = {
  minNodes: 3,
  maxNodes: 5,
  shortCut: 0,
  longCut: 0,
  harnessTransport: true,
  writes: true,
};

export interface RealtimeScaleResult {
  n: number;
  variant: Variant;
  faults: string[];
  completed: boolean;
  reason?: string;
  planned: number;
  issued: number;
  network?: NetworkFigures;
  lag: LagFigures;
  /** ms from the run's start to each phase (init, workload, heal, settle) and to its end. */
  phases: Record<string, number>;
  /** The checks' time after the run, s. */
  checkSeconds: number;
  verdicts: Partial<Record<VerdictKind, number>>;
  failed: string[];
  wallSeconds: number;
  harnessRssMb: number;
  /** The endpoint process's peak (VmHWM), sampled every second; 0 where /proc is not there. */
  endpointRssMb: number;
  load1: [number, number];
}

/** Peak RSS (VmHWM, MB) of this process's descendants, from /proc; 0 where there is none. */
function descendantsPeakMb(pid = process.pid): number {
  let peak = 0;
  try {
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)) {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child}/status`, 'utf8'));
      peak = Math.max(peak, hwm ? Number(hwm[1]) / 1024 : 0, descendantsPeakMb(Number(child)));
    }
  } catch {
    // Not Linux, or the process is gone.
  }
  return peak;
}

/** One run at `n` nodes in this process: the suites' mixed family of the input seed `seed` draws. */
export async function realtimeScaleRun(n: number, seed: number): Promise<RealtimeScaleResult> {
  const load0 = loadavg()[0];
  const [g] = fc.sample(realtimeInput(TIMING), { seed, numRuns: 1 });
  const input = { ...focus(g, families(TIMING).indexOf('mixed')), nodes: n };
  const flags = CHILD_NODE_ARGS ? ` ${CHILD_NODE_ARGS}` : '';
  let endpointRssMb = 0;
  const sampler = setInterval(() => {
    endpointRssMb = Math.max(endpointRssMb, descendantsPeakMb());
  }, 1000);
  const started = performance.now();
  const e = await execute(input, {
    command: `exec "${process.execPath}"${flags} "${CLI}" serve-reference --listen {listen}`,
    params: PARAMS,
    seed: deriveSeed(seed, `realtime[${VARIANT}]`),
    durable: true,
    callTimeoutMs: 2000,
    startupTimeoutMs: 60_000,
  }).finally(() => clearInterval(sampler));
  const verdicts: Partial<Record<VerdictKind, number>> = {};
  for (const v of e.verdicts) verdicts[v.verdict] = (verdicts[v.verdict] ?? 0) + 1;
  return {
    n,
    variant: VARIANT,
    faults: input.faults.map((f) => f.kind),
    completed: e.outcome.completed,
    ...(e.outcome.reason ? { reason: e.outcome.reason } : {}),
    planned: input.writes,
    issued: e.events.filter((x) => x.t === 'update').length,
    ...(e.outcome.network ? { network: e.outcome.network } : {}),
    lag: e.lag,
    phases: Object.fromEntries(
      e.events.flatMap((x) => (x.t === 'phase' ? [[x.phase, x.r]] : x.t === 'end' ? [['end', x.r]] : [])),
    ),
    checkSeconds: (e.elapsedMs - e.outcome.elapsedMs) / 1000,
    verdicts,
    failed: e.verdicts.filter((v) => v.verdict === 'FAIL').map((v) => v.id),
    wallSeconds: (performance.now() - started) / 1000,
    harnessRssMb: process.resourceUsage().maxRSS / 1024,
    endpointRssMb,
    load1: [load0, loadavg()[0]],
  };
}

/** Each size in a fresh process (realtime-scale-child.ts). */
export function realtimeScale(sizes: readonly number[], seed: number): RealtimeScaleResult[] {
  const script = fileURLToPath(new URL('./realtime-scale-child.js', import.meta.url));
  return sizes.map((n) => {
    const res = spawnSync(process.execPath, [script, String(n), String(seed)], {
      encoding: 'utf8',
      timeout: 900_000,
      maxBuffer: 1 << 20,
    });
    if (res.status !== 0)
      throw new Error(`realtime scale n=${n} failed (${res.status ?? res.signal}): ${res.stderr.trim()}`);
    return JSON.parse(res.stdout.trim().split('\n').pop()!);
  });
}

const pct = (r: RealtimeScaleResult) => (r.planned === 0 ? 100 : (100 * r.issued) / r.planned);
const spread = (s: { p50: number; p99: number } | undefined) => (s ? `${s.p50} / ${s.p99}` : '-');

export const REALTIME_SCALE_HEAD = [
  `realtime at scale (${VARIANT}, one endpoint process)`,
  'n',
  'issued',
  'added p50 / p99 ms',
  'answered p50 / p99 ms',
  'loop lag p99 / max ms',
  'verdicts',
  'wall s',
  'RSS MB (harness / endpoint)',
  'load',
];

export function realtimeScaleRows(rs: readonly RealtimeScaleResult[]): (string | number)[][] {
  return rs.map((r) => [
    r.completed ? `faults: ${r.faults.join(', ')}` : `ABORTED: ${r.reason}`,
    r.n,
    `${r.issued}/${r.planned} (${pct(r).toFixed(0)}%)`,
    spread(r.network?.forwardMs),
    spread(r.network?.answeredMs),
    `${r.lag.p99Ms} / ${r.lag.maxMs}`,
    Object.entries(r.verdicts)
      .map(([k, c]) => `${k} ${c}`)
      .join(', ') + (r.failed.length ? ` (${r.failed.join(', ')})` : ''),
    r.wallSeconds.toFixed(1),
    `${Math.round(r.harnessRssMb)} / ${Math.round(r.endpointRssMb)}`,
    `${r.load1[0].toFixed(2)} -> ${r.load1[1].toFixed(2)}`,
  ]);
}

/** The target line: issue 24's numbers at its n, judged on the run of that size. */
export function realtimeScaleVerdict(rs: readonly RealtimeScaleResult[]): string {
  const t = REALTIME_SCALE_TARGET;
  const r = rs.find((x) => x.n === t.n);
  if (!r) return `realtime n=${t.n}: not run`;
  const p99 = r.network?.forwardMs.p99 ?? Number.POSITIVE_INFINITY;
  const ok = r.completed && r.issued >= t.issuedShare * r.planned && p99 <= t.addedP99Ms;
  return `realtime n=${t.n}: ${pct(r).toFixed(0)}% issued, added latency p99 ${p99} ms, loop lag max ${r.lag.maxMs} ms  (target 100% and <= ${t.addedP99Ms} ms: ${ok ? 'met' : 'MISSED'})`;
}
