// `gossipcheck chaos --maelstrom "<command>"`: the Maelstrom check of
// `run --maelstrom`, but every node runs in its own docker container:
// `docker run -i --rm --name gossipcheck-<run>-<node> --label gossipcheck.run=<run>
// --network gossipcheck-<run> [-v DIR:DIR:ro] IMAGE sh -c CMD`, its stdin /
// stdout piped to the harness like a local process (a NodeLauncher for
// scenario.ts). The harness stays the network: every line goes through its
// router, so partitions and loss apply as in `run --maelstrom`; on top, the
// container faults of `chaos`: `docker pause` / `unpause` of one node for a
// window, and `docker kill` of one node, then a fresh container (Maelstrom
// nodes have no durable state) that gets `init` and `topology` again. The
// containers themselves: adapters/maelstrom/docker-launcher.ts.
// Every container and the network of the run are removed on success,
// failure, SIGINT and SIGTERM (by the run's label). See docs/maelstrom.md.

import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultMounts, dockerLauncher } from '../adapters/maelstrom/docker-launcher.js';
import { runMaelstromScenario, type ScenarioSpec } from '../adapters/maelstrom/scenario.js';
import { TOPOLOGIES, topologyFor } from '../adapters/maelstrom/topology.js';
import { gate } from '../checks/gate.js';
import { PROFILE_NAMES, PROFILES } from '../checks/maelstrom-profiles.js';
import { onCleanup } from '../engine/backends/cleanup.js';
import { sweepRunSync } from '../engine/backends/docker/cluster.js';
import { docker, dockerAnswers } from '../engine/backends/docker/exec.js';
import { type BaseImageUse, imageExists, useBaseImage } from '../engine/backends/docker/image.js';
import { labelArgs } from '../engine/backends/owner.js';
import { nodeIds } from '../proto/contract.js';
import { commandLine } from '../reports/run-info.js';
import { writeReportDir } from '../reports/write.js';
import { deriveSeed, Rng } from '../shared/prng.js';
import { CHAOS_SCENARIOS, type MaelstromScenario, NO_FAULTS } from '../suites/maelstrom.js';
import { MaelstromResults } from '../suites/maelstrom-results.js';
import { KIT_ROOT } from './docker-image.js';
import { GATE_FLAGS, gateHelp, gateOptions, printGate } from './gate-flags.js';
import { printSummary } from './summary.js';
import { choiceFlag, durationFlag, intFlag, parseFlags, UsageError } from './usage.js';

export const CHAOS_MAELSTROM_HELP = `usage: gossipcheck chaos --maelstrom "<command>" [flags]

The Maelstrom check of \`run --maelstrom\`, one docker container per node
(docker run -i IMAGE sh -c "<command>"); the harness routes every line, so its
partitions and loss apply, and pauses / crashes (docker kill) containers. Scenarios, each
followed by settle and final reads:
  chaos  a partition into halves (15-45 % of the workload), one node paused
         (50-60 %), one node crashed (docker kill) at 60 % and started again, empty, at 70 %
  loss   30 % message loss on every edge (15-60 %), one node paused (30-40 %)

  --maelstrom "<command>"  the node, run under sh -c inside the container
  --image IMG              image with the node inside (needs sh); default: the kit's
                           offline base image (node only; the host's sh is mounted)
  --mount DIR              bind-mount DIR read-only at the same path (repeatable);
                           default with the base image: the working directory and the
                           directory of every absolute path in the command
  --nodes N                nodes n0..n{N-1} (default 5; profile 25)
  --duration SECONDS       workload of each scenario (default 10; profile 20)
  --settle SECONDS         longest wait for every acknowledged value everywhere (default 10)
  --topology T             ${TOPOLOGIES.join(', ')} (default grid)
  --latency MS             delay of every message (default 0; profile 100)
  --rate N                 client operations per second (default 10; profile 100)
  --timeout MS             deadline of every client request (default 10000)
  --scenario S             chaos or loss (repeatable; default: both, in this order)
  --profile P              ${PROFILE_NAMES.join(', ')}: also a no-faults scenario, budgets judged on it
  --seed S                 seed (default 1): client choices, partition groups, nodes paused / crashed
  --out DIR                report directory (default chaos-report)
  --keep-image             keep a base image this run had to build
${gateHelp(27)}
durations take a unit too: 1500ms, 1.5s, 2m, 1h (a bare number is in the unit shown)`;

const FLAGS = {
  maelstrom: { type: 'string' },
  backend: { type: 'string' },
  image: { type: 'string' },
  mount: { type: 'string', multiple: true },
  nodes: { type: 'string' },
  duration: { type: 'string' },
  settle: { type: 'string' },
  topology: { type: 'string' },
  latency: { type: 'string' },
  rate: { type: 'string' },
  timeout: { type: 'string' },
  profile: { type: 'string' },
  scenario: { type: 'string', multiple: true },
  seed: { type: 'string' },
  out: { type: 'string' },
  'keep-image': { type: 'boolean' },
  ...GATE_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

const SCENARIO_NAMES = CHAOS_SCENARIOS.map((sc) => sc.name);

export async function chaosMaelstromCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, FLAGS);
  if (values.help) {
    process.stdout.write(`${CHAOS_MAELSTROM_HELP}\n`);
    return 0;
  }
  const command = values.maelstrom;
  if (command === undefined || command.trim() === '') throw new UsageError('--maelstrom needs a command');
  if ((values.backend ?? 'docker') !== 'docker')
    throw new UsageError(`--backend must be docker, got '${values.backend}'`);
  const profile = choiceFlag('profile', values.profile, PROFILE_NAMES) ?? null;
  const p = profile ? PROFILES[profile] : null;
  const nodes = nodeIds(intFlag('nodes', values.nodes, p?.nodes ?? 5, 2, 100));
  const topologyName = choiceFlag('topology', values.topology, TOPOLOGIES) ?? 'grid';
  const topology = topologyFor(topologyName, nodes);
  const latencyMs = durationFlag('latency', values.latency, {
    bare: 'ms',
    fallbackMs: p?.latencyMs ?? 0,
    minMs: 0,
    maxMs: 60_000,
  });
  const durationMs = durationFlag('duration', values.duration, {
    bare: 's',
    fallbackMs: p?.durationMs ?? 10_000,
    minMs: 1000,
    maxMs: 86_400_000,
  });
  const settleMs = durationFlag('settle', values.settle, {
    bare: 's',
    fallbackMs: 10_000,
    minMs: 0,
    maxMs: 3_600_000,
  });
  const rate = intFlag('rate', values.rate, p?.rate ?? 10, 1, 10_000);
  const timeoutMs = durationFlag('timeout', values.timeout, {
    bare: 'ms',
    fallbackMs: 10_000,
    minMs: 1,
    maxMs: 3_600_000,
  });
  const seed = intFlag('seed', values.seed, 1, 0, Number.MAX_SAFE_INTEGER);
  const out = resolve(values.out ?? 'chaos-report');
  const mounts = (values.mount ?? []).map((m) => resolve(m));
  const gateOpts = gateOptions(values);
  const picked = (values.scenario ?? []).map((sc) => choiceFlag('scenario', sc, SCENARIO_NAMES)!);
  if (picked.length === 0) picked.push(...SCENARIO_NAMES);

  if (!(await dockerAnswers()))
    throw new Error('no docker engine answers (as root, scripts/ensure-docker.sh installs and starts one)');

  const runId = randomBytes(4).toString('hex');
  const network = `gossipcheck-${runId}`;
  let baseImage: BaseImageUse | null = null;
  const unregister = onCleanup(() => sweepRunSync(runId));
  const log = (s: string) => process.stderr.write(`gossipcheck: ${s}\n`);
  try {
    let image: string;
    let shell: string | undefined;
    let workdir: string | undefined;
    if (values.image !== undefined) {
      image = values.image;
      if (!(await imageExists(image)))
        throw new Error(`--image ${image}: no such image here (docker pull or docker build it first)`);
    } else {
      baseImage = await useBaseImage(KIT_ROOT, runId, values['keep-image'] === true);
      image = baseImage.tag;
      log(baseImage.built ? `built base image ${image} (docker import)` : `using base image ${image}`);
      // The base image holds node and its libraries only; the host's sh needs no more than libc.
      shell = realpathSync('/bin/sh');
      if (mounts.length === 0) mounts.push(...defaultMounts(command));
      workdir = process.cwd();
      if (!mounts.includes(workdir)) mounts.push(workdir);
    }
    await docker(['network', 'create', ...labelArgs(runId), network]);
    const launcher = dockerLauncher({ runId, network, image, command, mounts, workdir, shell });

    const setting = `${nodes.length} docker containers, ${topologyName} topology, ${latencyMs} ms latency`;
    const scenarios: MaelstromScenario[] = [
      ...(profile ? [NO_FAULTS] : []),
      ...CHAOS_SCENARIOS.filter((sc) => picked.includes(sc.name)),
    ];
    const collected = new MaelstromResults(out, seed);
    const startedAt = new Date().toISOString();
    for (const def of scenarios) {
      const label = `${def.name}; ${setting}`;
      const rng = new Rng(deriveSeed(seed, `maelstrom/${def.name}/faults`));
      const spec: ScenarioSpec = {
        name: def.name,
        command,
        seed,
        nodes,
        topologyName,
        topology,
        latencyMs,
        durationMs,
        rate,
        settleMs,
        timeoutMs,
        profile,
        ...def.faults(nodes, durationMs, rng),
        launcher,
      };
      log(`maelstrom ${def.name} (run ${runId}, ${setting}, image ${image}, ${durationMs} ms)`);
      const run = await runMaelstromScenario(spec);
      collected.judge(def, run, label, p?.budget ?? null);
      if (run.startupFailure !== null) break;
    }
    collected.protocolFirst(setting);
    const report = collected.report(command, {
      command: commandLine('chaos', argv),
      startedAt,
      finishedAt: new Date().toISOString(),
      status: 'completed',
      ...gateOpts,
    });
    await writeReportDir(out, report);
    const judged = gate(report.results, gateOpts);
    const code = judged.code;
    printSummary(report, {
      reportPath: join(out, 'index.html'),
      elapsedMs: Date.now() - Date.parse(startedAt),
      everyCase: true,
    });
    printGate(judged);
    process.stdout.write(
      `chaos ${code === 0 ? 'PASS' : 'FAIL'}: maelstrom: ${command} on ${nodes.length} docker containers, seed ${seed}; report in ${out}\n`,
    );
    return code;
  } finally {
    sweepRunSync(runId);
    baseImage?.release();
    unregister();
  }
}
