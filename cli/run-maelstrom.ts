// `gossipcheck run --maelstrom "<command>"`: check a Maelstrom broadcast node
// (a Gossip Glomers solution) unchanged. One process per node speaking
// Maelstrom's newline-delimited JSON on stdin / stdout, hosted by the
// Maelstrom adapter; each scenario is a fresh cluster driven by the realtime
// runner, every line through the kit's Router (adapters/maelstrom/scenario.ts);
// then maelstrom/convergence/generated, --runs generated fault schedules with
// shrinking (suites/maelstrom-generated.ts).
// The lockstep suites need Tick and are UNSUPPORTED. See docs/maelstrom.md.

import { join } from 'node:path';
import {
  runGeneratedScenario,
  runMaelstromScenario,
  type ScenarioSpec,
} from '../adapters/maelstrom/scenario.js';
import { TOPOLOGIES, type TopologyName, topologyFor } from '../adapters/maelstrom/topology.js';
import { type GateOptions, gate } from '../checks/gate.js';
import { PROFILE_NAMES, PROFILES, type ProfileName } from '../checks/maelstrom-profiles.js';
import { type NodeId, nodeIds } from '../proto/contract.js';
import { commandLine } from '../reports/run-info.js';
import { writeReportDir } from '../reports/write.js';
import { deriveSeed, Rng } from '../shared/prng.js';
import { GENERATED, RUN_SCENARIOS } from '../suites/maelstrom.js';
import { checkMaelstromGenerated } from '../suites/maelstrom-generated.js';
import { maelstromSizes } from '../suites/maelstrom-input.js';
import { MaelstromResults, planMaelstrom } from '../suites/maelstrom-results.js';
import { matchesPrefix } from '../suites/registry.js';
import { GATE_FLAGS, gateHelp, gateOptions, printGate } from './gate-flags.js';
import { runsFlag, SHRINK_BUDGET_HELP, shrinkBudgetFlag } from './property-flags.js';
import { printSummary } from './summary.js';
import { choiceFlag, durationFlag, intFlag, parseFlags, UsageError } from './usage.js';

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
  runs: { type: 'string' },
  'shrink-budget': { type: 'string' },
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
  --duration S             workload length of each scenario (default 5s; profile 20s); a bare number
                           is seconds and must be below 100 (it was ms: write 5000ms or 5s)
  --rate N                 client operations per second, broadcast / read 50/50 (default 10; profile 100)
  --settle S               after the workload, wait at most this long for every acknowledged value to
                           reach every node before the final reads (default 5s; bare: as --duration)
  --timeout MS             deadline of every client request: init, topology, broadcast, read (default 5000)
  --runs N                 maelstrom/convergence/generated: generated fault schedules, each a fresh cluster
                           of 3..--nodes nodes (default 10)
  --shrink-budget S        ${SHRINK_BUDGET_HELP}
durations take a unit too: 1500ms, 1.5s, 2m, 1h (a bare number is in the unit shown)
  --case PREFIX            only cases whose id is PREFIX or starts with PREFIX/ (repeatable), e.g. maelstrom/budget
  --seed S                 run seed (default 1): client choices, partition groups, loss draws
  --out DIR                report directory (default gossipcheck-report)
${gateHelp(27)}
exit: 0 at least one MUST judged and held, and nothing fails the gate; 1 gate failed; 2 usage or harness error`;

/**
 * --duration and --settle were milliseconds here and are seconds now, as in
 * `chaos`: a bare number of 100 or more was surely meant in ms and is refused
 * (docs/maelstrom.md); with a unit (5000ms, 5s) any value is taken.
 */
const BARE_SECONDS_BELOW = 100;

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
  runs: number;
  shrinkBudgetMs: number;
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
    latencyMs: durationFlag('latency', values.latency, {
      bare: 'ms',
      fallbackMs: p?.latencyMs ?? 0,
      minMs: 0,
      maxMs: 60_000,
    }),
    durationMs: durationFlag('duration', values.duration, {
      bare: 's',
      fallbackMs: p?.durationMs ?? 5000,
      minMs: 100,
      maxMs: 3_600_000,
      bareBelow: BARE_SECONDS_BELOW,
    }),
    rate: intFlag('rate', values.rate, p?.rate ?? 10, 1, 10_000),
    settleMs: durationFlag('settle', values.settle, {
      bare: 's',
      fallbackMs: 5000,
      minMs: 0,
      maxMs: 3_600_000,
      bareBelow: BARE_SECONDS_BELOW,
    }),
    timeoutMs: durationFlag('timeout', values.timeout, {
      bare: 'ms',
      fallbackMs: 5000,
      minMs: 1,
      maxMs: 3_600_000,
    }),
    seed: intFlag('seed', values.seed, 1, 0, Number.MAX_SAFE_INTEGER),
    cases: (values.case ?? []).flatMap((c) => c.split(',')).filter(Boolean),
    runs: runsFlag(values.runs),
    shrinkBudgetMs: shrinkBudgetFlag(values['shrink-budget']),
    out: values.out ?? 'gossipcheck-report',
    gate: gateOptions(values),
  };
}

export async function runMaelstromCommand(argv: string[]): Promise<number> {
  const config = parseConfig(argv);
  if (!config) {
    process.stdout.write(`${MAELSTROM_HELP}\n`);
    return 0;
  }
  const plan = planMaelstrom(RUN_SCENARIOS, config.cases, true);
  if (typeof plan === 'string') throw new UsageError(plan);

  const topology = topologyFor(config.topologyName, config.nodes);
  const budget = config.profile ? PROFILES[config.profile].budget : null;
  const setting = `${config.nodes.length} nodes, ${config.topologyName} topology, ${config.latencyMs} ms latency`;

  const collected = new MaelstromResults(config.out, config.seed, (id) => matchesPrefix(id, config.cases));
  const startedAt = new Date().toISOString();
  let aborted: string | null = null;
  for (const def of plan.scenarios) {
    const label = `${def.name}; ${setting}`;
    // The node could not even start: do not spawn it again for every scenario.
    if (aborted !== null) {
      collected.notStarted(def, label, aborted);
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
      ...def.faults(config.nodes, config.durationMs, rng),
    };
    process.stderr.write(`gossipcheck: maelstrom ${def.name} (${setting}, ${config.durationMs} ms)\n`);
    const run = await runMaelstromScenario(spec);
    collected.judge(def, run, label, budget);
    aborted = run.startupFailure;
  }
  if (plan.generated && aborted === null) {
    const sizes = maelstromSizes(config.nodes.length);
    process.stderr.write(
      `gossipcheck: maelstrom generated (${config.runs} runs, ${sizes.min}..${sizes.max} nodes, ${config.durationMs} ms each)\n`,
    );
    const { topologyName } = config;
    const { result, histories } = await checkMaelstromGenerated({
      seed: config.seed,
      runs: config.runs,
      shrinkBudgetMs: config.shrinkBudgetMs,
      maxNodes: config.nodes.length,
      settings: {
        command: config.command,
        topologyName,
        latencyMs: config.latencyMs,
        durationMs: config.durationMs,
        rate: config.rate,
        settleMs: config.settleMs,
        timeoutMs: config.timeoutMs,
      },
      outDir: config.out,
      run: (input, s) => runGeneratedScenario(input, { ...s, topologyName }),
    });
    collected.addGenerated(result, histories);
  } else if (plan.generated && aborted !== null) collected.notStarted(GENERATED, 'generated', aborted);
  collected.protocolFirst(setting);
  collected.lockstepUnsupported(plan.lockstep);

  const report = collected.report(config.command, {
    command: commandLine('run', argv),
    startedAt,
    finishedAt: new Date().toISOString(),
    status: 'completed',
    ...config.gate,
  });
  await writeReportDir(config.out, report);
  printSummary(report, {
    reportPath: join(config.out, 'index.html'),
    elapsedMs: Date.now() - Date.parse(startedAt),
    everyCase: true,
  });
  const judged = gate(report.results, config.gate);
  printGate(judged);
  return judged.code;
}
