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
import { existsSync, readFileSync } from 'node:fs';
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
import { growthExponent } from './growth.js';
import { CHILD_NODE_ARGS } from './grpc.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const MEMBERLIST = fileURLToPath(new URL('../../adapters/memberlist/bin/memberlist-node', import.meta.url));

/** Who is measured: the reference, or hashicorp/memberlist (adapters/memberlist, when built). */
export type Who = 'reference' | 'memberlist';
const COMMAND: Record<Who, () => string> = {
  reference: () =>
    `exec "${process.execPath}"${CHILD_NODE_ARGS ? ` ${CHILD_NODE_ARGS}` : ''} "${CLI}" serve-reference --listen {listen}`,
  memberlist: () => `exec "${MEMBERLIST}" --listen {listen}`,
};
/**
 * The sizes measured: the reference a decade apart up to issue 24's 1,000;
 * memberlist up to the largest n this machine held (docs/performance.md).
 */
const SIZES: Record<Who, number[]> = { reference: [10, 100, 1000], memberlist: [10, 100] };

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
  who: Who;
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
  /** The harness process's CPU over the run and its checks (user + system). */
  harnessCpuSeconds: number;
  harnessRssMb: number;
  /** The endpoint process's CPU and peak RSS (VmHWM), sampled every second: to its last second; 0 without /proc. */
  endpointCpuSeconds: number;
  endpointRssMb: number;
  load1: [number, number];
}

/** This process's descendants (the endpoint), from /proc: the largest peak RSS (VmHWM, MB) and CPU seconds. */
function descendants(pid = process.pid): { peakMb: number; cpuSeconds: number } {
  let peakMb = 0;
  let cpuSeconds = 0;
  try {
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)) {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child}/status`, 'utf8'));
      // utime and stime, fields 14 and 15 of /proc/PID/stat, in clock ticks (100 a second on Linux).
      const stat = readFileSync(`/proc/${child}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const below = descendants(Number(child));
      peakMb = Math.max(peakMb, hwm ? Number(hwm[1]) / 1024 : 0, below.peakMb);
      cpuSeconds += (Number(f[11]) + Number(f[12])) / 100 + below.cpuSeconds;
    }
  } catch {
    // Not Linux, or the process is gone.
  }
  return { peakMb, cpuSeconds };
}

/** One run at `n` nodes in this process: the suites' mixed family of the input seed `seed` draws. */
export async function realtimeScaleRun(who: Who, n: number, seed: number): Promise<RealtimeScaleResult> {
  const load0 = loadavg()[0];
  const [g] = fc.sample(realtimeInput(TIMING), { seed, numRuns: 1 });
  const input = { ...focus(g, families(TIMING).indexOf('mixed')), nodes: n };
  let endpointRssMb = 0;
  let endpointCpuSeconds = 0;
  const sampler = setInterval(() => {
    const d = descendants();
    endpointRssMb = Math.max(endpointRssMb, d.peakMb);
    endpointCpuSeconds = Math.max(endpointCpuSeconds, d.cpuSeconds);
  }, 1000);
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const e = await execute(input, {
    command: COMMAND[who](),
    params: PARAMS,
    seed: deriveSeed(seed, `realtime[${VARIANT}]`),
    durable: true,
    callTimeoutMs: 2000,
    startupTimeoutMs: 60_000,
  }).finally(() => clearInterval(sampler));
  const cpu = process.cpuUsage(cpu0);
  const verdicts: Partial<Record<VerdictKind, number>> = {};
  for (const v of e.verdicts) verdicts[v.verdict] = (verdicts[v.verdict] ?? 0) + 1;
  return {
    who,
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
    harnessCpuSeconds: (cpu.user + cpu.system) / 1e6,
    harnessRssMb: process.resourceUsage().maxRSS / 1024,
    endpointCpuSeconds,
    endpointRssMb,
    load1: [load0, loadavg()[0]],
  };
}

/** Each size of each `who` in a fresh process (realtime-scale-child.ts); memberlist when it is built. */
export function realtimeScale(seed: number, log: (s: string) => void): RealtimeScaleResult[] {
  const script = fileURLToPath(new URL('./realtime-scale-child.js', import.meta.url));
  const whos: Who[] = existsSync(MEMBERLIST) ? ['reference', 'memberlist'] : ['reference'];
  if (whos.length === 1) log('realtime scale: memberlist not built (adapters/memberlist/build.sh), skipped');
  return whos.flatMap((who) =>
    SIZES[who].map((n) => {
      log(`realtime scale: ${who} n=${n}`);
      const res = spawnSync(process.execPath, [script, who, String(n), String(seed)], {
        encoding: 'utf8',
        timeout: 900_000,
        maxBuffer: 1 << 20,
      });
      if (res.status !== 0)
        throw new Error(
          `realtime scale ${who} n=${n} failed (${res.status ?? res.signal}): ${res.stderr.trim()}`,
        );
      return JSON.parse(res.stdout.trim().split('\n').pop()!) as RealtimeScaleResult;
    }),
  );
}

const pct = (r: RealtimeScaleResult) => (r.planned === 0 ? 100 : (100 * r.issued) / r.planned);
const spread = (s: { p50: number; p99: number } | undefined) => (s ? `${s.p50} / ${s.p99}` : '-');

export const REALTIME_SCALE_HEAD = [
  `realtime at scale (${VARIANT}, one endpoint process)`,
  'who',
  'n',
  'issued',
  'added p50 / p99 ms',
  'answered p50 / p99 ms',
  'loop lag p99 / max ms',
  'verdicts',
  'wall s',
  'CPU s (harness / endpoint)',
  'RSS MB (harness / endpoint)',
  'load',
];

export function realtimeScaleRows(rs: readonly RealtimeScaleResult[]): (string | number)[][] {
  return rs.map((r) => [
    r.completed ? `faults: ${r.faults.join(', ')}` : `ABORTED: ${r.reason}`,
    r.who,
    r.n,
    `${r.issued}/${r.planned} (${pct(r).toFixed(0)}%)`,
    spread(r.network?.forwardMs),
    spread(r.network?.answeredMs),
    `${r.lag.p99Ms} / ${r.lag.maxMs}`,
    Object.entries(r.verdicts)
      .map(([k, c]) => `${k} ${c}`)
      .join(', ') + (r.failed.length ? ` (${r.failed.join(', ')})` : ''),
    r.wallSeconds.toFixed(1),
    `${r.harnessCpuSeconds.toFixed(1)} / ${r.endpointCpuSeconds.toFixed(1)}`,
    `${Math.round(r.harnessRssMb)} / ${Math.round(r.endpointRssMb)}`,
    `${r.load1[0].toFixed(2)} -> ${r.load1[1].toFixed(2)}`,
  ]);
}

/** How the harness's CPU grows with n (bench/growth.ts), for the bench's growth table. */
export function realtimeScaleGrowth(all: readonly RealtimeScaleResult[]) {
  const rs = all.filter((r) => r.who === 'reference');
  return {
    mode: 'realtime, harness CPU s (one endpoint)',
    sizes: rs.map((r) => r.n),
    seconds: rs.map((r) => round3(r.harnessCpuSeconds)),
    peak_rss_mb: rs.map((r) => Math.round(r.harnessRssMb)),
    time_exponent: round2(growthExponent(rs.map((r) => ({ n: r.n, cost: r.harnessCpuSeconds })))),
    memory_exponent: round2(growthExponent(rs.map((r) => ({ n: r.n, cost: r.harnessRssMb })))),
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The target line: issue 24's numbers at its n, judged on the run of that size. */
export function realtimeScaleVerdict(rs: readonly RealtimeScaleResult[]): string {
  const t = REALTIME_SCALE_TARGET;
  const r = rs.find((x) => x.who === 'reference' && x.n === t.n);
  if (!r) return `realtime n=${t.n}: not run`;
  const p99 = r.network?.forwardMs.p99 ?? Number.POSITIVE_INFINITY;
  const ok = r.completed && r.issued >= t.issuedShare * r.planned && p99 <= t.addedP99Ms;
  return `realtime n=${t.n}: ${pct(r).toFixed(0)}% issued, added latency p99 ${p99} ms, loop lag max ${r.lag.maxMs} ms  (target 100% and <= ${t.addedP99Ms} ms: ${ok ? 'met' : 'MISSED'})`;
}
