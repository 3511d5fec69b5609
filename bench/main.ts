// `npm run bench [-- --json FILE] [--quick] [--seed S]`: speed and scale,
// measured side by side in one run, printed as a table (and written as JSON).
// Benchmarks, not tests: nothing here gates anything, and nothing in the test
// suite depends on timing. Every measurement is bounded in size and time.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { examplePairs } from './examples.js';
import { gateTiming, realtimeGateTiming } from './gate.js';
import { growthExponent } from './growth.js';
import { harnessThroughput, lockstepRounds, rawBaseline } from './grpc.js';
import type { InprocResult, InprocVariant } from './inproc.js';
import { machine } from './machine.js';
import {
  REALTIME_SCALE_HEAD,
  realtimeScale,
  realtimeScaleGrowth,
  realtimeScaleRows,
  realtimeScaleVerdict,
} from './realtime-scale.js';
import { inBand, type TheoryRow, theoryRounds } from './theory.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const USAGE = 'usage: npm run bench -- [--json FILE] [--quick] [--seed S]';

interface InprocRow {
  variant: InprocVariant;
  n: number;
  rounds: number;
  seconds: number;
  peak_rss_mb: number;
}

const REALTIME_TARGET_S: Record<string, number> = { reference: 180, memberlist: 300 };
/** The examples' gates with Session + Round over in-process on the same variants (issue 26's bar). */
const EXAMPLE_TARGET: Record<string, number> = { 'examples/go': 1.5, 'examples/python': 2.5 };

interface GrowthRow {
  mode: string;
  sizes: number[];
  seconds: number[];
  /** Absent where the bench cannot see the process's peak (the gRPC endpoint). */
  peak_rss_mb?: number[];
  time_exponent: number;
  memory_exponent?: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
/** Issue 24: in-process n = 10^6, both variants, to completion within 60 s and 8 GB. */
const MILLION_TARGET = { seconds: 60, rssMb: 8192 };

/** One in-process measurement in a fresh node process (its own peak RSS). */
function inprocChild(variant: InprocVariant, n: number, seed: number): InprocResult & { peakRssMb: number } {
  const script = fileURLToPath(new URL('./inproc-child.js', import.meta.url));
  const res = spawnSync(
    process.execPath,
    ['--max-old-space-size=4096', script, variant, String(n), String(seed), '1'],
    { encoding: 'utf8', timeout: 900_000, maxBuffer: 1 << 20 },
  );
  if (res.status !== 0) {
    throw new Error(
      `in-process ${variant} n=${n} failed (${res.status ?? res.signal}): ${res.stderr.trim()}`,
    );
  }
  return JSON.parse(res.stdout.trim().split('\n').pop()!);
}

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const width = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
  return [line(cells[0]), width.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

const log = (s: string) => process.stderr.write(`${s}\n`);

async function main(): Promise<number> {
  let values: { json?: string; quick?: boolean; seed?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        json: { type: 'string' },
        quick: { type: 'boolean' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    process.stderr.write(`--seed must be a non-negative integer\n${USAGE}\n`);
    return 2;
  }
  const quick = values.quick === true;
  const m = machine();
  log(`gossipcheck bench on ${m.nproc} x ${m.cpu}, ${m.memory_gb} GB, node ${m.node}, load ${m.load1}`);

  // 1. Raw grpc-js vs the harness, interleaved (best of `repeats` each), same envelope count.
  const harnessN = 1000;
  const harnessRounds = quick ? 50 : 200;
  const envelopes = harnessN * harnessRounds;
  const repeats = quick ? 1 : 3;
  const raws = [];
  const harnesses = [];
  for (let i = 0; i < repeats; i++) {
    log(`grpc: raw baseline ${i + 1}/${repeats} (${envelopes} envelopes)`);
    raws.push(await rawBaseline(envelopes));
    log(`grpc: harness ${i + 1}/${repeats} (push-sum, n=${harnessN}, ${harnessRounds} rounds)`);
    harnesses.push(await harnessThroughput(harnessN, harnessRounds, seed));
  }
  const raw = raws.reduce((a, b) => (b.msgsPerS > a.msgsPerS ? b : a));
  const harness = harnesses.reduce((a, b) => (b.msgsPerS > a.msgsPerS ? b : a));

  // 2. Lockstep rounds per second over gRPC, one endpoint process.
  const lockstep = [];
  for (const [n, rounds] of [
    [10, quick ? 20 : 60],
    [100, quick ? 20 : 60],
    [1000, quick ? 10 : 30],
    [10_000, quick ? 10 : 30],
  ]) {
    log(`grpc: lockstep anti-entropy-push-pull n=${n}, ${rounds} rounds`);
    lockstep.push(await lockstepRounds(n, rounds, seed));
  }
  // The same at n = 10,000 against examples/go (issue 24), when it is built.
  const goNode = join(ROOT, 'examples', 'go', 'bin', 'gossip-node');
  const lockstepGo = existsSync(goNode)
    ? await lockstepRounds(10_000, quick ? 10 : 30, seed, `"${goNode}" --listen {listen}`)
    : undefined;
  if (!lockstepGo) log('grpc: lockstep against examples/go skipped: not built (examples/go/build.sh)');

  // 3. In-process to completion, one fresh process per measurement.
  // Three sizes a decade apart at the top, for the growth fit; --quick stops at 10^4.
  const sizes = quick ? [100, 1000, 10_000] : [1000, 10_000, 100_000, 1_000_000];
  const variants: InprocVariant[] = ['rumor-push', 'anti-entropy-push-pull'];
  const inproc: (InprocResult & { peakRssMb: number })[] = [];
  for (const variant of variants) {
    for (const n of sizes) {
      log(`in-process: ${variant} n=${n}`);
      inproc.push(inprocChild(variant, n, seed));
    }
  }

  // 4. The default gate against an external node: over gRPC / in-process.
  const gateJobs = Math.max(1, Math.min(4, availableParallelism()));
  log(`gate: gossipcheck run in-process, then over gRPC (--jobs ${gateJobs})`);
  const gate = gateTiming(quick ? 2 : 10, gateJobs, seed);

  // 4b. The examples' gates, paired with in-process runs of the same variants (bench/examples.ts).
  const examples = [
    {
      who: 'examples/go',
      impl: `"${join(ROOT, 'examples', 'go', 'bin', 'gossip-node')}" --listen {listen}`,
      built: join(ROOT, 'examples', 'go', 'bin', 'gossip-node'),
    },
    {
      who: 'examples/python',
      impl: `/usr/bin/python3 "${join(ROOT, 'examples', 'python', 'gossip_node.py')}" --listen {listen}`,
      built: join(ROOT, 'examples', 'python', 'gen'),
    },
  ].flatMap(({ who, impl, built }) => {
    log(`examples: ${who}, Session + Round then unary, each paired with in-process`);
    const pairs = examplePairs(who, impl, built, { runs: quick ? 2 : 10, seed });
    if (!pairs) log(`examples: ${who} not built (${who}/build.sh), skipped`);
    return pairs ?? [];
  });

  // 5. The realtime gates: wall-bound, measured at one job and at the default four.
  const libraries = [
    ['memberlist', join(ROOT, 'adapters', 'memberlist', 'bin', 'memberlist-node')],
    ['serf', join(ROOT, 'adapters', 'serf', 'bin', 'serf-node')],
  ] as const;
  const realtime = [];
  for (const jobs of quick ? [4] : [1, 4]) {
    const runs = ['--runs', quick ? '2' : '10', '--seed', String(seed)];
    log(`realtime gate: the reference, --jobs ${jobs}`);
    realtime.push(realtimeGateTiming('reference', ['--mode', 'realtime', ...runs], jobs));
    for (const [who, bin] of libraries) {
      if (!existsSync(bin)) {
        log(`realtime gate: ${who} not built (adapters/${who}/build.sh), skipped`);
        continue;
      }
      log(`realtime gate: hashicorp/${who}, --jobs ${jobs}`);
      realtime.push(realtimeGateTiming(who, ['--impl', `${bin} --listen {listen}`, ...runs], jobs));
    }
  }

  // 6. Realtime at scale: the reference on its own timers, one endpoint process (bench/realtime-scale.ts).
  const realtimeAtScale = realtimeScale(seed, log);

  const theory: TheoryRow[] = inproc.map((r) => {
    const t = theoryRounds(r.variant, r.n);
    return {
      variant: r.variant,
      n: r.n,
      measured_rounds: r.spreadRounds,
      reached: r.reached,
      theory_rounds: round2(t.rounds),
      formula: t.formula,
      band: [round2(t.band[0]), round2(t.band[1])],
      in_band: inBand(t, r.spreadRounds),
    };
  });

  const inprocRows: InprocRow[] = inproc.map((r) => ({
    variant: r.variant,
    n: r.n,
    rounds: r.rounds,
    seconds: round2(r.setupSeconds + r.runSeconds),
    peak_rss_mb: Math.round(r.peakRssMb),
  }));
  // How cost grows: the power-law exponent over the three largest sizes of each mode (bench/growth.ts).
  const growth: GrowthRow[] = variants.map((variant) => {
    // Fitted on the unrounded figures: at n = 100 a run takes hundredths of a second.
    const runs = inproc.filter((r) => r.variant === variant).slice(-3);
    const seconds = runs.map((r) => r.setupSeconds + r.runSeconds);
    return {
      mode: `in-process ${variant}`,
      sizes: runs.map((r) => r.n),
      seconds: seconds.map(round3),
      peak_rss_mb: runs.map((r) => Math.round(r.peakRssMb)),
      time_exponent: round2(growthExponent(runs.map((r, i) => ({ n: r.n, cost: seconds[i] })))),
      memory_exponent: round2(growthExponent(runs.map((r) => ({ n: r.n, cost: r.peakRssMb })))),
    };
  });
  growth.push({
    mode: 'lockstep over gRPC, seconds per round',
    sizes: lockstep.map((l) => l.n),
    seconds: lockstep.map((l) => round3(1 / l.roundsPerS)),
    time_exponent: round2(growthExponent(lockstep.map((l) => ({ n: l.n, cost: 1 / l.roundsPerS })))),
  });
  growth.push(realtimeScaleGrowth(realtimeAtScale));
  const million = inproc.filter((r) => r.n === 1_000_000);
  const out = {
    grpc_raw_msgs_per_s: Math.round(raw.msgsPerS),
    harness_msgs_per_s: Math.round(harness.msgsPerS),
    inproc: inprocRows,
    growth,
    lockstep_grpc: lockstep.map((l) => ({ n: l.n, peers: l.peers, rounds_per_s: round2(l.roundsPerS) })),
    lockstep_grpc_go: lockstepGo && { n: lockstepGo.n, rounds_per_s: round2(lockstepGo.roundsPerS) },
    theory,
    gate_grpc_over_inproc: round2(gate.ratio),
    realtime_gate: realtime.map((r) => ({
      who: r.who,
      jobs: r.jobs,
      seconds: round2(r.seconds),
      exit: r.code,
      max_lag_ms: r.maxLagMs,
    })),
    realtime_scale: realtimeAtScale,
    example_gates: examples.map((x) => ({
      who: x.who,
      path: x.path,
      variants: x.variants,
      inproc_seconds: round2(x.inprocSeconds),
      external_seconds: round2(x.externalSeconds),
      ratio: round2(x.ratio),
      exit: x.code,
    })),
    gate_seconds: {
      inproc: round2(gate.inprocSeconds),
      grpc: round2(gate.grpcSeconds),
      runs: gate.runs,
      jobs: gate.jobs,
    },
  };

  const ratio = harness.msgsPerS / raw.msgsPerS;
  const ae100k = inproc.find((r) => r.variant === 'anti-entropy-push-pull' && r.n === 100_000);
  const ls1000 = lockstep.find((l) => l.n === 1000)!;
  const ls10k = lockstep.find((l) => l.n === 10_000)!;
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const lines = [
    '',
    `machine: ${m.nproc} x ${m.cpu}, ${m.memory_gb} GB, node ${m.node}, ${m.platform}, load ${m.load1} at start`,
    '',
    table(
      ['gRPC throughput (loopback, child process)', 'envelopes', 'seconds', 'msgs/s'],
      [
        [
          `raw grpc-js echo, ${raw.perFrame}/frame, ${raw.window} in flight (best of ${repeats})`,
          raw.envelopes,
          raw.seconds.toFixed(2),
          Math.round(raw.msgsPerS),
        ],
        [
          `harness: lockstep push-sum n=${harnessN} x ${harnessRounds} rounds (best of ${repeats})`,
          harness.sends,
          harness.seconds.toFixed(2),
          Math.round(harness.msgsPerS),
        ],
      ],
    ),
    `harness / raw = ${(ratio * 100).toFixed(0)}%  (target >= 50%: ${verdict(ratio >= 0.5)})`,
    '',
    table(
      ['lockstep over gRPC (anti-entropy-push-pull)', 'n', 'rounds', 'seconds', 'rounds/s', 'events'],
      [...lockstep, ...(lockstepGo ? [lockstepGo] : [])].map((l) => [
        `${l === lockstepGo ? 'examples/go' : 'serve-reference'}, ${l.peers}`,
        l.n,
        l.rounds,
        l.seconds.toFixed(2),
        l.roundsPerS.toFixed(1),
        l.events,
      ]),
    ),
    `n=1000: ${ls1000.roundsPerS.toFixed(1)} rounds/s  (target >= 5: ${verdict(ls1000.roundsPerS >= 5)})`,
    // Issue 24: n = 10,000 at >= 2 rounds/s, against the reference and against examples/go.
    `n=10000: ${ls10k.roundsPerS.toFixed(1)} rounds/s  (target >= 2: ${verdict(ls10k.roundsPerS >= 2)})`,
    lockstepGo
      ? `n=10000, examples/go: ${lockstepGo.roundsPerS.toFixed(1)} rounds/s  (target >= 2: ${verdict(lockstepGo.roundsPerS >= 2)})`
      : 'n=10000, examples/go: not built (examples/go/build.sh), skipped',
    '',
    table(
      ['in-process to completion', 'n', 'rounds', 'seconds', 'peak RSS MB', 'messages', 'reached'],
      inproc.map((r, i) => [
        r.variant,
        r.n,
        r.rounds,
        inprocRows[i].seconds.toFixed(2),
        inprocRows[i].peak_rss_mb,
        r.messages,
        r.reached.toFixed(5),
      ]),
    ),
    ae100k
      ? `anti-entropy-push-pull n=100000: ${inprocRows[inproc.indexOf(ae100k)].seconds.toFixed(1)} s, ` +
        `${Math.round(ae100k.peakRssMb)} MB  (target <= 30 s and <= 4096 MB: ` +
        `${verdict(ae100k.completed && ae100k.setupSeconds + ae100k.runSeconds <= 30 && ae100k.peakRssMb <= 4096)})`
      : 'anti-entropy-push-pull n=100000: not run (--quick)',
    ...(million.length === 0
      ? ['n=1000000: not run (--quick)']
      : million.map((r) => {
          const sec = r.setupSeconds + r.runSeconds;
          const ok = r.completed && sec <= MILLION_TARGET.seconds && r.peakRssMb <= MILLION_TARGET.rssMb;
          return (
            `${r.variant} n=1000000: ${sec.toFixed(1)} s, ${Math.round(r.peakRssMb)} MB  ` +
            `(target <= ${MILLION_TARGET.seconds} s and <= ${MILLION_TARGET.rssMb} MB: ${verdict(ok)})`
          );
        })),
    '',
    table(
      [
        'how cost grows (least squares on log-log)',
        'n',
        'seconds',
        'peak RSS MB',
        'time ~ n^a',
        'memory ~ n^b',
      ],
      growth.map((g) => [
        g.mode,
        g.sizes.join(' / '),
        g.seconds.map((x) => x.toFixed(3)).join(' / '),
        g.peak_rss_mb ? g.peak_rss_mb.join(' / ') : '-',
        g.time_exponent.toFixed(2),
        g.memory_exponent === undefined ? '-' : g.memory_exponent.toFixed(2),
      ]),
    ),
    '',
    table(
      ['the default gate (gossipcheck run)', 'runs', 'jobs', 'seconds'],
      [
        ['built-in reference, in-process', gate.runs, gate.jobs, gate.inprocSeconds.toFixed(1)],
        [
          'the same reference over gRPC (--impl serve-reference)',
          gate.runs,
          gate.jobs,
          gate.grpcSeconds.toFixed(1),
        ],
      ],
    ),
    `gate over gRPC / in-process = ${gate.ratio.toFixed(1)}x  (target <= 2x: ${verdict(gate.ratio <= 2)})`,
    '',
    table(
      ["the examples' gates (--jobs 1), paired", 'path', 'variants', 'in-process s', 'example s', 'ratio'],
      examples.map((x) => [
        x.who,
        x.path,
        x.variants.length,
        x.inprocSeconds.toFixed(1),
        x.externalSeconds.toFixed(1),
        `${x.ratio.toFixed(2)}x`,
      ]),
    ),
    // Targets from issue 26: with Session + Round, Go within 1.5x and Python within 2.5x of in-process.
    ...examples
      .filter((x) => x.path === 'Session + Round' && x.who in EXAMPLE_TARGET)
      .map(
        (x) =>
          `${x.who} with Session + Round: ${x.ratio.toFixed(2)}x in-process  (target <= ${EXAMPLE_TARGET[x.who]}x: ${verdict(x.ratio <= EXAMPLE_TARGET[x.who])})`,
      ),
    '',
    table(
      ['the realtime gate (gossipcheck run, own timers)', 'jobs', 'seconds', 'exit', 'max lag ms'],
      realtime.map((r) => [r.who, r.jobs, r.seconds.toFixed(1), r.code, r.maxLagMs]),
    ),
    // Targets from the realtime suites' design (docs/realtime.md): 3 min for the reference, 5 for
    // memberlist; Serf has none (a figure).
    ...realtime
      .filter((r) => r.jobs === 4 && r.who in REALTIME_TARGET_S)
      .map((r) => {
        const limit = REALTIME_TARGET_S[r.who];
        return `${r.who} realtime gate: ${r.seconds.toFixed(0)} s  (target <= ${limit} s: ${verdict(r.seconds <= limit)})`;
      }),
    '',
    table(REALTIME_SCALE_HEAD, realtimeScaleRows(realtimeAtScale)),
    realtimeScaleVerdict(realtimeAtScale),
    '',
    table(
      [
        'theory: rounds to spread (fanout 1)',
        'n',
        'measured',
        'theory',
        'formula',
        'band',
        'in band',
        'reached',
      ],
      theory.map((t) => [
        t.variant,
        t.n,
        t.measured_rounds,
        t.theory_rounds.toFixed(1),
        t.formula,
        `${t.band[0].toFixed(1)}..${t.band[1].toFixed(1)} (${theoryRounds(t.variant, t.n).bandFormula})`,
        t.in_band ? 'yes' : 'NO',
        t.reached,
      ]),
    ),
    '',
  ];
  process.stdout.write(lines.join('\n'));
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify(out, null, 2)}\n`);
    log(`wrote ${values.json}`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
