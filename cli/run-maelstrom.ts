// `gossipcheck run --maelstrom "<command>"`: check a Maelstrom broadcast node
// (a Gossip Glomers solution) unchanged. One process per node speaking
// Maelstrom's newline-delimited JSON on stdin / stdout, hosted by the
// Maelstrom adapter; each scenario is a fresh cluster driven by the realtime
// runner, every line through the kit's Router (adapters/maelstrom/scenario.ts).
// The lockstep suites need Tick and are UNSUPPORTED. See docs/maelstrom.md.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type FaultWindow,
  MAELSTROM_PARAMS,
  runMaelstromScenario,
  type ScenarioSpec,
} from '../adapters/maelstrom/scenario.js';
import { TOPOLOGIES, type TopologyName, topologyFor } from '../adapters/maelstrom/topology.js';
import { WITHIN_BOUND } from '../checks/convergence.js';
import { type GateOptions, gate, reasonOf } from '../checks/gate.js';
import { convergenceCase } from '../checks/maelstrom.js';
import { PROFILE_NAMES, PROFILES, type ProfileName } from '../checks/maelstrom-profiles.js';
import { realtimeCaseIds } from '../checks/realtime.js';
import { type CaseInfo, unsupported, VERDICT_ORDER } from '../checks/verdict.js';
import { makePartition } from '../engine/faults/shapes.js';
import { type NodeId, nodeIds } from '../proto/contract.js';
import type { RunReport } from '../reports/model.js';
import { commandLine } from '../reports/run-info.js';
import { writeReportDir } from '../reports/write.js';
import { deriveSeed, Rng } from '../shared/prng.js';
import { ALL_CASES, matchesPrefix as selectedId } from '../suites/registry.js';
import { GATE_FLAGS, gateHelp, gateOptions, printGate } from './gate-flags.js';
import { MaelstromResults } from './maelstrom-results.js';
import { choiceFlag, intFlag, parseFlags, UsageError } from './usage.js';

const FLAGS = {
  maelstrom: { type: 'string' },
  nodes: { type: 'string' },
  topology: { type: 'string' },
  profile: { type: 'string' },
  seed: { type: 'string' },
  duration: { type: 'string' },
  rate: { type: 'string' },
  latency: { type: 'string' },
  settle: { type: 'string' },
  timeout: { type: 'string' },
  case: { type: 'string', multiple: true },
  out: { type: 'string' },
  ...GATE_FLAGS,
  help: { type: 'boolean' },
} as const;

export const MAELSTROM_HELP = `usage: gossipcheck run --maelstrom "<command>" [flags]
  --maelstrom "<command>"  a Maelstrom broadcast node (e.g. a Gossip Glomers solution binary), run
                           unchanged, one process per node, under /bin/sh -c
  --profile P              budgets, pass/fail: ${PROFILE_NAMES.join(', ')} (25 nodes, 100 ms latency,
                           100 ops/s for 20 s unless overridden)
  --nodes N                nodes n0..n{N-1} (default 5; profile 25)
  --topology T             the topology message: ${TOPOLOGIES.join(', ')} (default grid, Maelstrom's)
  --latency MS             delay of every message, client traffic included (default 0; profile 100)
  --duration MS            workload length of each scenario (default 5000; profile 20000)
  --rate N                 client operations per second, broadcast / read 50/50 (default 10; profile 100)
  --settle MS              after the workload, wait at most this long for every acknowledged value to
                           reach every node before the final reads (default 5000)
  --timeout MS             deadline of every client request: init, topology, broadcast, read (default 5000)
  --case PREFIX            only cases whose id is PREFIX or starts with PREFIX/ (repeatable), e.g. maelstrom/budget
  --seed S                 run seed (default 1): client choices, partition groups, loss draws
  --out DIR                report directory (default gossipcheck-report)
${gateHelp(27)}
exit: 0 at least one MUST judged and held, and nothing fails the gate; 1 gate failed; 2 usage or harness error`;

interface Config {
  command: string;
  profile: ProfileName | null;
  nodes: NodeId[];
  topologyName: TopologyName;
  latencyMs: number;
  durationMs: number;
  rate: number;
  settleMs: number;
  timeoutMs: number;
  seed: number;
  cases: string[];
  out: string;
  gate: GateOptions;
}

function parseConfig(argv: string[]): Config | null {
  const { values } = parseFlags(argv, FLAGS);
  if (values.help) return null;
  const command = values.maelstrom;
  if (command === undefined || command.trim() === '') throw new UsageError('--maelstrom needs a command');
  const profile = choiceFlag('profile', values.profile, PROFILE_NAMES) ?? null;
  const p = profile ? PROFILES[profile] : null;
  return {
    command,
    profile,
    nodes: nodeIds(intFlag('nodes', values.nodes, p?.nodes ?? 5, 1, 100)),
    topologyName: choiceFlag('topology', values.topology, TOPOLOGIES) ?? 'grid',
    latencyMs: intFlag('latency', values.latency, p?.latencyMs ?? 0, 0, 60_000),
    durationMs: intFlag('duration', values.duration, p?.durationMs ?? 5000, 100, 3_600_000),
    rate: intFlag('rate', values.rate, p?.rate ?? 10, 1, 10_000),
    settleMs: intFlag('settle', values.settle, 5000, 0, 3_600_000),
    timeoutMs: intFlag('timeout', values.timeout, 5000, 1, 3_600_000),
    seed: intFlag('seed', values.seed, 1, 0, Number.MAX_SAFE_INTEGER),
    cases: (values.case ?? []).flatMap((c) => c.split(',')).filter(Boolean),
    out: values.out ?? 'gossipcheck-report',
    gate: gateOptions(values),
  };
}

interface ScenarioDef {
  /** Scenario name, also the convergence case id suffix. */
  name: string;
  what: string;
  /** Case ids (beyond convergence) this scenario's history is judged for. */
  budgets: boolean;
  faults: (nodes: NodeId[], durationMs: number, rng: Rng) => FaultWindow[];
}

/** Faults open at 20% of the workload and heal at 70%: acknowledged writes cross the cut after it heals. */
const window = (d: number) => ({ from: Math.round(d * 0.2), until: Math.round(d * 0.7) });

const SCENARIOS: ScenarioDef[] = [
  { name: 'no-faults', what: 'Without faults', budgets: true, faults: () => [] },
  {
    name: 'after-partition/halves',
    what: 'After a partition into two halves (both directions cut) heals',
    budgets: false,
    faults: (nodes, d, rng) => [{ ...window(d), fault: makePartition('halves', nodes, rng) }],
  },
  {
    name: 'after-partition/one-way',
    what: 'After a one-way partition (one half cannot reach the other; replies still pass) heals',
    budgets: false,
    faults: (nodes, d, rng) => [{ ...window(d), fault: makePartition('one-way', nodes, rng) }],
  },
  {
    name: 'after-loss',
    what: 'After a period of 30% message loss on every node-to-node edge ends',
    budgets: false,
    faults: (_nodes, d) => [{ ...window(d), fault: { kind: 'loss', probability: 0.3 } }],
  },
  {
    name: 'after-delay-reorder-duplicate',
    what: 'After a period of extra delay (0..200 ms on top of the latency), reordering and 30% duplicated lines ends',
    budgets: false,
    faults: (_nodes, d) => [
      { ...window(d), fault: { kind: 'delay', latency: 0, jitter: 200 } },
      { ...window(d), fault: { kind: 'reorder' } },
      { ...window(d), fault: { kind: 'duplicate', probability: 0.3 } },
    ],
  },
];

const BUDGET_IDS = [
  'maelstrom/budget/msgs-per-op',
  'maelstrom/budget/latency-median',
  'maelstrom/budget/latency-max',
];

export async function runMaelstromCommand(argv: string[]): Promise<number> {
  const config = parseConfig(argv);
  if (!config) {
    process.stdout.write(`${MAELSTROM_HELP}\n`);
    return 0;
  }
  // Lockstep cases a realtime run judges too are reported per scenario instead
  // (within-bound is not: a Maelstrom node declares no period, so has no bound).
  const judgedHere = new Set(
    realtimeCaseIds(MAELSTROM_PARAMS.variant).filter((id) => id !== WITHIN_BOUND.id),
  );
  const shared = [...judgedHere].some((id) => selectedId(id, config.cases));
  let scenarios = SCENARIOS.filter(
    (s) =>
      shared ||
      selectedId(`maelstrom/convergence/${s.name}`, config.cases) ||
      (s.budgets && BUDGET_IDS.some((id) => selectedId(id, config.cases))),
  );
  // maelstrom/protocol is judged over whatever runs; alone, it needs one run.
  if (scenarios.length === 0 && selectedId('maelstrom/protocol', config.cases)) scenarios = [SCENARIOS[0]];
  const lockstep = ALL_CASES.filter((c) => !judgedHere.has(c.id) && selectedId(c.id, config.cases));
  if (scenarios.length === 0 && lockstep.length === 0)
    throw new UsageError(
      `no case matches --case ${config.cases.join(',')} (try maelstrom/convergence, maelstrom/budget)`,
    );

  const topology = topologyFor(config.topologyName, config.nodes);
  const budget = config.profile ? PROFILES[config.profile].budget : null;
  const setting = `${config.nodes.length} nodes, ${config.topologyName} topology, ${config.latencyMs} ms latency`;
  await mkdir(join(config.out, 'histories'), { recursive: true });

  const collected = new MaelstromResults(config.out, config.seed);
  const add = collected.add.bind(collected);

  let aborted: string | null = null;
  for (const def of scenarios) {
    const label = `${def.name}; ${setting}`;
    const conv = convergenceCase(def.name, def.what);
    if (aborted !== null) {
      // The node could not even start: do not spawn it again for every scenario.
      if (selectedId(conv.id, config.cases))
        add(
          {
            ...conv,
            verdict: 'FAIL',
            evidence: { expected: 'a running cluster', observed: `not run: ${aborted}`, details: [] },
            judged: 1,
          },
          label,
        );
      continue;
    }
    const rng = new Rng(deriveSeed(config.seed, `maelstrom/${def.name}/faults`));
    const spec: ScenarioSpec = {
      name: def.name,
      command: config.command,
      seed: config.seed,
      nodes: config.nodes,
      topologyName: config.topologyName,
      topology,
      latencyMs: config.latencyMs,
      durationMs: config.durationMs,
      rate: config.rate,
      settleMs: config.settleMs,
      timeoutMs: config.timeoutMs,
      profile: config.profile,
      faults: def.faults(config.nodes, config.durationMs, rng),
    };
    process.stderr.write(`gossipcheck: maelstrom ${def.name} (${setting}, ${config.durationMs} ms)\n`);
    const run = await runMaelstromScenario(spec);
    await collected.judge(def, run, label, budget, (id) => selectedId(id, config.cases));
    aborted = run.startupFailure;
  }
  if (collected.scenariosRun > 0 && selectedId('maelstrom/protocol', config.cases))
    collected.protocolFirst(setting);
  for (const c of lockstep) {
    const info: CaseInfo = { id: c.id, requirement: c.requirement, level: c.level, source: c.source };
    add(
      unsupported(
        info,
        'lockstep case: needs Tick; a Maelstrom node keeps its own timers and runs in realtime only',
      ),
      'maelstrom (realtime)',
    );
  }

  const report: RunReport = { ...collected.report(config.command, commandLine('run', argv)), ...config.gate };
  await writeReportDir(config.out, report);
  printSummary(report, config.out);
  const judged = gate(report.results, config.gate);
  printGate(judged);
  return judged.code;
}

function printSummary(report: RunReport, out: string): void {
  const t = report.totals;
  const lines = [
    `gossipcheck ${report.kit.version}: ${report.implementation.name}, seed ${report.seed}`,
    VERDICT_ORDER.filter((v) => t[v] > 0 || v === 'PASS' || v === 'FAIL')
      .map((v) => `${v} ${t[v]}`)
      .join('  '),
  ];
  for (const r of report.results.filter((x) => x.id.startsWith('maelstrom/')))
    lines.push(`${r.verdict} ${r.id}: ${reasonOf(r)}`);
  lines.push(`report: ${join(out, 'index.html')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
