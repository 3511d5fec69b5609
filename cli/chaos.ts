// `gossipcheck chaos`: a realtime chaos run against a real docker cluster.
// One container per node from a generated compose file (kept in the report
// dir), a seeded random fault schedule in wall-clock ms, heal, wait for
// convergence, realtime checks, and the usual report. Exit codes as for
// `run` (checks/gate.ts): 0 every MUST judged holds, 1 the gate failed (a
// FAIL, an INCONCLUSIVE MUST, nothing judged), 2 usage or harness error.
// Everything the run makes (containers, network, image, its iptables chain,
// temp dirs) carries its run id and owner and is removed on success, failure,
// SIGINT and SIGTERM; what a SIGKILL leaves, `gossipcheck clean` removes, and
// the next chaos run warns about. See docs/chaos.md.

import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gate } from '../checks/gate.js';
import { CHAOS_VARIANTS, checkRealtimeHistory, GRACE_MS, REALTIME_VARIANTS } from '../checks/realtime.js';
import { sirObservationMs } from '../checks/realtime-sir.js';
import { onCleanup } from '../engine/backends/cleanup.js';
import { DockerCluster, sweepRunSync } from '../engine/backends/docker/cluster.js';
import { withDirectLoss } from '../engine/backends/docker/direct-loss.js';
import { dockerAnswers } from '../engine/backends/docker/exec.js';
import {
  type BaseImageUse,
  buildUserImage,
  NODE_PORT,
  useBaseImage,
} from '../engine/backends/docker/image.js';
import { EdgeFirewall } from '../engine/backends/docker/iptables.js';
import { self } from '../engine/backends/owner.js';
import type { SpawnedEndpoint } from '../engine/backends/process.js';
import {
  dockerBackend,
  oneProcessBackend,
  type RealtimeBackend,
  swarmBackend,
} from '../engine/backends/realtime.js';
import { warnStale } from '../engine/backends/stale.js';
import { SwarmCluster, sweepSwarmRunSync } from '../engine/backends/swarm/cluster.js';
import { byHost } from '../engine/backends/swarm/placement.js';
import { describeEvent } from '../engine/faults/label.js';
import { HistoryRecorder, JsonlFileSink } from '../engine/history/recorder.js';
import { LagMonitor } from '../engine/realtime/lag.js';
import { Progress } from '../engine/realtime/progress.js';
import { RealtimeRun } from '../engine/realtime/runner.js';
import { realtimeSchedule, type TransportKind } from '../engine/realtime/schedule.js';
import { fullMeshPeers } from '../engine/realtime/spec.js';
import {
  isSirVariant,
  LOSS_OF_INTEREST,
  missingCapability,
  type Parameters,
  type Variant,
} from '../proto/contract.js';
import { writeReportDir } from '../reports/write.js';
import { discountLag } from '../suites/realtime/execute.js';
import { realtimeParams } from '../suites/realtime/params.js';
import { chaosMaelstromCommand } from './chaos-maelstrom.js';
import { chaosReport, swarmPlacement, unsupportedReport } from './chaos-report.js';
import { KIT_ROOT } from './docker-image.js';
import { GATE_FLAGS, gateHelp, gateOptions, printGate } from './gate-flags.js';
import { probe, startImpl } from './iut.js';
import { printSummary } from './summary.js';
import { choiceFlag, durationFlag, intFlag, parseFlags, UsageError } from './usage.js';

const HELP = `usage: gossipcheck chaos [--backend docker|swarm|process] [flags]

A realtime chaos run: nodes on their own timers, a seeded random fault schedule
(partitions incl. one-way, pause, kill/restart, packet loss; with the harness
transport also delay, duplicate, reorder), then heal, wait for convergence,
check, report.

  --backend B             docker: one container per node (default)
                          swarm: one service per node on the Docker Swarm this engine
                          manages (DOCKER_HOST), spread over its nodes, a fault agent
                          on every host (docs/chaos.md)
                          process: every node in the one process --impl starts
                          (no docker; kill = Stop(crash), restart = Init, pause =
                          the harness holds the node's traffic)
  --impl "<command>"      process backend: the endpoint to start; {listen} is
                          replaced by HOST:PORT (e.g. "gossipcheck serve-reference --listen {listen}")
  --faults F              default (the seeded schedule) or none (no fault at all)
  --nodes N               nodes (default 5)
  --duration SECONDS      workload + fault phase (default 30)
  --settle SECONDS        longest wait for convergence after the heal (default 30)
  --image IMG             docker: run nodes from this image (serves GossipNode on $GOSSIPCHECK_LISTEN)
  --build DIR             docker: docker build DIR (with its Dockerfile) for the run
                          (default: the reference node in the offline base image,
                          built with docker import when missing)
  --transport T           harness (nodes stream to the harness, which routes)
                          or direct (docker, swarm: nodes call each other; iptables faults)
                          (default harness)
  --variant V             docker: ${CHAOS_VARIANTS.join(', ')};
                          process: also ${REALTIME_VARIANTS.filter((v) => !CHAOS_VARIANTS.includes(v)).join(', ')}
                          (default anti-entropy-push-pull)
  --fanout K              peers per period (default 2)
  --period MS             gossip period (default 200)
  --anti-entropy-every N  hybrid only (default 3)
  --rumor-k K             rumor variants: the loss-of-interest parameter (default 2)
  --loss-of-interest R    rumor variants: ${LOSS_OF_INTEREST.join(', ')} (default feedback-counter)
  --node-env KEY=VALUE    extra environment for every node (repeatable)
  --seed S                seed of the schedule, workload and node seeds (default 1)
  --out DIR               report directory (default chaos-report)
  --keep-image            keep a base image this run had to build
  --stack NAME            swarm: the stack's name (default gossipcheck-<run id>)
  --agent-socket PATH     swarm: the docker socket on every host, for its fault agent
                          (default /var/run/docker.sock; {{.Node.Hostname}} allowed)
  --harness-host HOST     swarm: where nodes reach the harness (default the manager's
                          swarm address)
  --agent-image IMG       swarm: the kit's image from your registry, for the agents and
                          relay (and the nodes, without --image); default the local base
                          image, which must then be on every host
${gateHelp(26)}
  --maelstrom "<command>" check a Maelstrom broadcast node instead, one container per node
                          (gossipcheck chaos --maelstrom x --help)
durations take a unit too: 1500ms, 1.5s, 2m, 1h (a bare number is in the unit shown)`;

export async function chaosCommand(argv: string[]): Promise<number> {
  // Maelstrom nodes (stdin/stdout JSON) run in containers under the Maelstrom runner.
  if (argv.some((a) => a === '--maelstrom' || a.startsWith('--maelstrom=')))
    return chaosMaelstromCommand(argv);
  const { values } = parseFlags(argv, {
    backend: { type: 'string' },
    impl: { type: 'string' },
    faults: { type: 'string' },
    nodes: { type: 'string' },
    duration: { type: 'string' },
    settle: { type: 'string' },
    image: { type: 'string' },
    build: { type: 'string' },
    transport: { type: 'string' },
    variant: { type: 'string' },
    fanout: { type: 'string' },
    period: { type: 'string' },
    'anti-entropy-every': { type: 'string' },
    'rumor-k': { type: 'string' },
    'loss-of-interest': { type: 'string' },
    'node-env': { type: 'string', multiple: true },
    seed: { type: 'string' },
    out: { type: 'string' },
    'keep-image': { type: 'boolean' },
    stack: { type: 'string' },
    'agent-socket': { type: 'string' },
    'harness-host': { type: 'string' },
    'agent-image': { type: 'string' },
    ...GATE_FLAGS,
    help: { type: 'boolean', short: 'h' },
  });
  const gateOpts = gateOptions(values);
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const backend = choiceFlag('backend', values.backend, ['docker', 'swarm', 'process'] as const) ?? 'docker';
  if (backend !== 'swarm')
    for (const f of ['stack', 'agent-socket', 'harness-host', 'agent-image'] as const)
      if (values[f] !== undefined) throw new UsageError(`--${f} is for --backend swarm`);
  if (backend === 'swarm') {
    if (values.build !== undefined)
      throw new UsageError(
        '--build is for --backend docker (on a swarm: build, push to a registry, --image)',
      );
    if (values.stack !== undefined && !/^[a-z0-9][a-z0-9_-]{0,39}$/.test(values.stack))
      throw new UsageError(
        `--stack must be 1 to 40 of [a-z0-9_-], starting with a letter or digit, got '${values.stack}'`,
      );
  }
  if (backend === 'process') {
    if (values.impl === undefined)
      throw new UsageError('--backend process needs --impl "<command with {listen}>"');
    for (const f of ['image', 'build', 'keep-image', 'node-env'] as const)
      if (values[f] !== undefined) throw new UsageError(`--${f} is for --backend docker`);
    if (values.transport === 'direct')
      throw new UsageError(
        '--transport direct is for --backend docker or swarm (iptables between containers)',
      );
  } else if (values.impl !== undefined) throw new UsageError('--impl needs --backend process');
  if (values.image !== undefined && values.build !== undefined) {
    throw new UsageError('--image and --build exclude each other');
  }
  // A swarm spreads nodes over hosts; one machine's engine holds a few dozen (docs/performance.md).
  const n = intFlag('nodes', values.nodes, 5, 2, backend === 'swarm' ? 1000 : 64);
  const durationMs = durationFlag('duration', values.duration, {
    bare: 's',
    fallbackMs: 30_000,
    minMs: 1000,
    maxMs: 86_400_000,
  });
  const settleMs = durationFlag('settle', values.settle, {
    bare: 's',
    fallbackMs: 30_000,
    minMs: 1000,
    maxMs: 3_600_000,
  });
  const transport: TransportKind =
    choiceFlag('transport', values.transport, ['harness', 'direct'] as const) ?? 'harness';
  const faults = choiceFlag('faults', values.faults, ['default', 'none'] as const) ?? 'default';
  const variants = backend === 'process' ? REALTIME_VARIANTS : CHAOS_VARIANTS;
  const variant: Variant = choiceFlag('variant', values.variant, variants) ?? 'anti-entropy-push-pull';
  const seed = intFlag('seed', values.seed, 1, 0, Number.MAX_SAFE_INTEGER);
  const periodMs = durationFlag('period', values.period, {
    bare: 'ms',
    fallbackMs: 200,
    minMs: 10,
    maxMs: 60_000,
  });
  const params: Parameters = realtimeParams({
    variant,
    fanout: intFlag('fanout', values.fanout, 2, 1, 64),
    periodMs,
    lossOfInterest:
      choiceFlag('loss-of-interest', values['loss-of-interest'], LOSS_OF_INTEREST) ?? 'feedback-counter',
    rumorK: intFlag('rumor-k', values['rumor-k'], 2, 1, 1000),
    antiEntropyEvery: intFlag('anti-entropy-every', values['anti-entropy-every'], 3, 1, 1000),
  });
  const env: Record<string, string> = {};
  for (const kv of values['node-env'] ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`--node-env must be KEY=VALUE, got '${kv}'`);
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const out = resolve(values.out ?? 'chaos-report');
  const nodes = Array.from({ length: n }, (_, i) => `n${i + 1}`);
  const runId = randomBytes(4).toString('hex');
  const progress = new Progress();
  const log = (s: string) => progress.note(s);

  if (backend !== 'process') {
    if (!(await dockerAnswers())) {
      throw new Error('no docker engine answers (as root, scripts/ensure-docker.sh installs and starts one)');
    }
    if (transport === 'direct') await EdgeFirewall.available();
    warnStale();
  }
  await mkdir(out, { recursive: true });
  const planned = faults === 'none' ? [] : realtimeSchedule({ seed, nodes, durationMs, transport });
  const schedule = transport === 'direct' ? withDirectLoss(planned, seed, nodes, durationMs) : planned;
  await writeFile(join(out, 'schedule.json'), `${JSON.stringify(schedule, null, 2)}\n`);
  const where =
    backend === 'docker'
      ? `${n} docker containers (${transport} transport)`
      : backend === 'swarm'
        ? `${n} nodes on a docker swarm (${transport} transport)`
        : `one process (${n} nodes)`;

  // Everything of the run goes by its labels and chain (sweepRunSync), on any exit path.
  const unregisterSweep =
    backend === 'docker'
      ? onCleanup(() => sweepRunSync(runId))
      : backend === 'swarm'
        ? onCleanup(() => sweepSwarmRunSync(runId))
        : () => {};
  let baseImage: BaseImageUse | null = null;
  let cluster: DockerCluster | null = null;
  let swarm: SwarmCluster | null = null;
  let firewall: EdgeFirewall | null = null;
  let iut: SpawnedEndpoint | null = null;
  const sink = new JsonlFileSink(join(out, 'history.jsonl'));
  const recorder = new HistoryRecorder();
  let sinkClosed = false;
  try {
    // The run id comes first: a person (or a test) watching the output can act on it at once.
    log(`run ${runId}: ${n} nodes, ${variant}, ${where}, seed ${seed}, ${durationMs / 1000}s`);
    for (const e of schedule) log(`  schedule ${describeEvent(e, 'ms')}`);
    let rtBackend: RealtimeBackend;
    if (backend === 'process') {
      iut = await startImpl(values.impl!, 30_000, 2000);
      log(`run ${runId}: ${values.impl} listening on ${iut.address}`);
      // What it declares decides what runs: an undeclared variant is UNSUPPORTED, not an abort.
      const probed = await probe(iut.endpoint);
      const declared = probed.capabilities;
      const rules = declared.lossOfInterest;
      if (isSirVariant(variant) && values['loss-of-interest'] === undefined && rules.length > 0) {
        if (!rules.includes(params.lossOfInterest)) {
          params.lossOfInterest = rules[0];
          log(`run ${runId}: loss of interest ${rules[0]} (the first the endpoint declares)`);
        }
      }
      const missing = missingCapability(declared, variant, 'realtime', params.lossOfInterest);
      if (missing) {
        return await unsupportedReport(out, argv, seed, variant, probed, missing, gateOpts, () => {
          sinkClosed = true;
          return sink.close();
        });
      }
      rtBackend = oneProcessBackend(iut);
    } else if (backend === 'swarm') {
      // The agents run from the kit's image (local, or --agent-image from a registry); the nodes from --image or the same.
      let kitImage = values['agent-image'];
      if (kitImage === undefined) {
        baseImage = await useBaseImage(KIT_ROOT, runId, values['keep-image'] === true);
        log(
          baseImage.built
            ? `built base image ${baseImage.tag} (docker import)`
            : `using base image ${baseImage.tag}`,
        );
        kitImage = baseImage.tag;
      } else log(`agents from ${kitImage}`);
      swarm = await SwarmCluster.start({
        runId,
        stack: values.stack ?? `gossipcheck-${runId}`,
        image: values.image ?? kitImage,
        agentImage: kitImage,
        nodes,
        port: NODE_PORT,
        env,
        dir: out,
        agentSocket: values['agent-socket'] ?? '/var/run/docker.sock',
        transport,
        ...(values['harness-host'] !== undefined ? { harnessHost: values['harness-host'] } : {}),
        log,
      });
      log(`swarm stack up (stack file ${swarm.stackFile}); nodes reach the harness at ${swarm.harnessHost}`);
      for (const p of byHost(swarm.placement)) log(`  ${p.host}: ${p.nodes.join(', ')}`);
      rtBackend = swarmBackend(swarm, nodes);
    } else {
      let image: string;
      if (values.image !== undefined) image = values.image;
      else if (values.build !== undefined) {
        image = `gossipcheck-run-${runId}:latest`;
        log(`run ${runId}: building ${values.build} as ${image}`);
        await buildUserImage(resolve(values.build), image, runId);
      } else {
        baseImage = await useBaseImage(KIT_ROOT, runId, values['keep-image'] === true);
        image = baseImage.tag;
        log(baseImage.built ? `built base image ${image} (docker import)` : `using base image ${image}`);
      }
      cluster = await DockerCluster.start({ runId, image, nodes, port: NODE_PORT, transport, env, dir: out });
      log(`cluster up (${cluster.composeLabel}, compose file ${join(out, 'compose.yml')})`);
      if (transport === 'direct') {
        firewall = new EdgeFirewall(runId, nodes, cluster.ips(), self);
        await firewall.install();
      }
      rtBackend = dockerBackend(cluster, firewall, nodes);
    }
    const spec = {
      seed,
      nodes,
      peers: fullMeshPeers(nodes),
      params,
      transport,
      durationMs,
      settleMs,
      // A rumor variant's run goes on until its traffic must have stopped (sir/quiescence).
      ...(isSirVariant(variant) ? { observeMs: sirObservationMs(params, n, GRACE_MS) } : {}),
      schedule,
      writeEveryMs: 250,
      readEveryMs: 250,
      keys: 8,
      callTimeoutMs: 2000,
      startupTimeoutMs: 20_000,
      scenario: backend === 'process' ? `chaos/process-${faults}` : `chaos/${backend}-${transport}`,
    };
    const startedAt = new Date().toISOString();
    // The harness's own stalls (60 containers starting on two cores, a busy CI) must not read as the nodes'.
    const lag = new LagMonitor();
    const outcome = await new RealtimeRun(
      spec,
      rtBackend,
      (e) => {
        recorder.record(e);
        sink.record(e);
      },
      progress,
    ).run();
    log(
      outcome.completed
        ? outcome.converged
          ? `converged ${outcome.convergedAfterHealMs} ms after the heal`
          : `did not converge within ${settleMs / 1000}s of the heal`
        : `run aborted: ${outcome.reason}`,
    );
    const figures = lag.stop();
    if (figures.totalMs > 0) log(`harness stalls: ${figures.totalMs} ms in all, longest ${figures.maxMs} ms`);
    const verdicts = discountLag(checkRealtimeHistory(recorder.events), figures);
    const init = recorder.events.find((e) => e.t === 'init');
    const report = chaosReport(
      argv,
      seed,
      variant,
      init?.t === 'init'
        ? { name: init.implementation, version: init.version, capabilities: init.capabilities }
        : { name: 'unknown', version: '', capabilities: null },
      verdicts,
      { startedAt, scenario: spec.scenario, runs: 1, history: 'history.jsonl' },
      gateOpts,
    );
    if (swarm) report.placement = await swarmPlacement(swarm);
    const { results } = report;
    sinkClosed = true;
    await sink.close();
    await writeReportDir(out, report);
    const judged = gate(results, gateOpts);
    const code = judged.code;
    printSummary(report, {
      reportPath: join(out, 'index.html'),
      elapsedMs: outcome.elapsedMs,
      everyCase: true,
    });
    printGate(judged);
    process.stdout.write(
      `chaos ${code === 0 ? 'PASS' : 'FAIL'}: ${report.implementation.name} on ${where}, seed ${seed}, ${(outcome.elapsedMs / 1000).toFixed(1)}s; report in ${out}\n`,
    );
    return code;
  } finally {
    log(`run ${runId}: tearing down`);
    if (!sinkClosed) await sink.close().catch(() => {});
    if (iut) await iut.close();
    if (firewall) await firewall.removeAll();
    if (cluster) await cluster.teardown();
    if (swarm) {
      const left = await swarm.teardown();
      if (left.length > 0) process.stderr.write(`chaos: could not remove or check: ${left.join('; ')}\n`);
    }
    if (backend === 'docker') sweepRunSync(runId);
    baseImage?.release();
    unregisterSweep();
    log(`run ${runId}: torn down`);
  }
}
