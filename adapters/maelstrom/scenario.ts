// One Maelstrom scenario on the one realtime pipeline: the node processes are
// hosted by the Maelstrom adapter (host.ts: protocol translation
// behind the GossipNode contract), served on loopback; the realtime runner
// (engine/realtime/runner.ts) drives them with Maelstrom's broadcast
// workload (a rate of client operations, broadcast / read 50/50), the
// scenario's fault windows and node faults, settle and final reads; every
// node-to-node line goes through the harness's network (the Router, with
// the base latency as an always-on delay). The history is the kit's own
// (engine/history/events.ts); verdicts come later, from it alone (checks.ts).

import type { RealtimeBackend } from '../../engine/backends/realtime.js';
import type { FaultSchedule } from '../../engine/faults/schedule.js';
import type { HistoryEvent, MaelstromSettings } from '../../engine/history/events.js';
import { HistoryRecorder } from '../../engine/history/recorder.js';
import { type LagFigures, LagMonitor } from '../../engine/realtime/lag.js';
import { RealtimeRun } from '../../engine/realtime/runner.js';
import type { NodeId } from '../../proto/contract.js';
import { serveGossipNode } from '../../proto/server.js';
import { type FaultWindow, MAELSTROM_PARAMS, type NodeFaultEvent } from '../../suites/maelstrom.js';
import type { MaelstromRunSettings } from '../../suites/maelstrom-generated.js';
import { type MaelstromInput, materializeMaelstrom } from '../../suites/maelstrom-input.js';
import { MaelstromHost } from './host.js';
import { localLauncher, type NodeLauncher } from './node-process.js';
import { type TopologyName, topologyFor } from './topology.js';

// The windows' shape and the contract's view of a Maelstrom node are the suites' data (suites/maelstrom.ts).
export type { FaultWindow, NodeFaultEvent } from '../../suites/maelstrom.js';
export { MAELSTROM_PARAMS } from '../../suites/maelstrom.js';

/** What a scenario runs with; its history's header records it (seed and nodes in the header itself). */
export interface ScenarioSettings extends MaelstromSettings {
  seed: number;
  nodes: NodeId[];
}

export interface ScenarioSpec extends ScenarioSettings {
  name: string;
  /** The longest the settle phase waits for every node to hold the same values. */
  settleMs: number;
  /** Deadline of every client request (init, topology, broadcast, read). */
  timeoutMs: number;
  faults: FaultWindow[];
  /** Faults on node processes (pause, crash + restart); none by default. */
  nodeFaults?: NodeFaultEvent[];
  /** How node processes are started; default `/bin/sh -c command` on this host. */
  launcher?: NodeLauncher;
}

export interface ScenarioRun {
  events: HistoryEvent[];
  /** Why the cluster never served a client operation (a node that does not start or answer init), or null. */
  startupFailure: string | null;
  /** The harness's event-loop stalls from the run's start (the cluster's start excluded). */
  lag: LagFigures;
}

/** The scenario's windows as the runner's schedule (windows end with the workload at the latest). */
export function scheduleOf(spec: Pick<ScenarioSpec, 'faults' | 'nodeFaults' | 'durationMs'>): FaultSchedule {
  const end = (until: number) => Math.min(until, spec.durationMs);
  const schedule: FaultSchedule = spec.faults.map((w) => ({
    type: 'link',
    from: w.from,
    until: end(w.until),
    fault: w.fault,
  }));
  for (const f of spec.nodeFaults ?? []) {
    if (f.type === 'pause') schedule.push({ ...f, until: end(f.until) });
    else if (f.type === 'restart') schedule.push({ ...f, at: end(f.at), durable: false });
    else schedule.push(f);
  }
  return schedule;
}

export async function runMaelstromScenario(spec: ScenarioSpec): Promise<ScenarioRun> {
  const { seed, nodes, name, ...settings } = spec;
  const maelstrom: MaelstromSettings = {
    command: settings.command,
    topologyName: settings.topologyName,
    topology: settings.topology,
    latencyMs: settings.latencyMs,
    durationMs: settings.durationMs,
    rate: settings.rate,
    profile: settings.profile,
  };
  const host = new MaelstromHost({
    launcher: spec.launcher ?? localLauncher(spec.command),
    command: spec.command,
    requestTimeoutMs: spec.timeoutMs,
    clientLatencyMs: spec.latencyMs,
    cluster: { nodeIds: nodes, topology: spec.topology },
    log: () => {},
  });
  const server = await serveGossipNode(host, '127.0.0.1:0');
  const backend: RealtimeBackend = {
    address: () => server.address,
    harnessHost: '127.0.0.1',
    pause: (n) => host.pause(n),
    resume: (n) => host.resume(n),
    crash: async (n) => {
      await host.stop([n], 'crash');
    },
    restart: async () => server.address,
    logs: async (n) => host.stderrTail(n),
    toNetworkMs: () => host.toNetworkMs(),
  };
  const recorder = new HistoryRecorder();
  const lag = new LagMonitor();
  try {
    const outcome = await new RealtimeRun(
      {
        seed,
        nodes,
        peers: Object.fromEntries(nodes.map((n) => [n, (spec.topology[n] ?? []).slice()])),
        params: MAELSTROM_PARAMS,
        transport: 'harness',
        durationMs: spec.durationMs,
        settleMs: spec.settleMs,
        schedule: scheduleOf(spec),
        writeEveryMs: 0,
        readEveryMs: 100,
        keys: 0,
        // A request may wait for the node's handshake (init, topology) and the latency both ways.
        callTimeoutMs: 3 * spec.timeoutMs + 2 * spec.latencyMs,
        startupTimeoutMs: 30_000,
        scenario: name,
        clientOps: { rate: spec.rate },
        baseLatencyMs: spec.latencyMs,
        maelstrom,
      },
      backend,
      recorder.record,
    ).run();
    const served = recorder.events.some((e) => e.t === 'ack' || (e.t === 'read' && !e.final));
    return {
      events: recorder.events,
      startupFailure: !outcome.completed && !served ? (outcome.reason ?? 'aborted') : null,
      lag: lag.stop(),
    };
  } finally {
    lag.stop(); // a second stop (after the return's) only clears a cleared timer
    await host.close();
    await server.close();
  }
}

/**
 * One run of maelstrom/convergence/generated: the input's nodes and fault
 * windows (suites/maelstrom-input.ts) over the run's settings, on local
 * processes. `run --maelstrom` and `replay` run it the same way.
 */
export function runGeneratedScenario(
  input: MaelstromInput,
  s: MaelstromRunSettings & { topologyName: TopologyName },
): Promise<ScenarioRun> {
  const m = materializeMaelstrom(input, { durationMs: s.durationMs, seed: s.seed });
  return runMaelstromScenario({
    name: 'generated',
    command: s.command,
    seed: s.seed,
    nodes: m.nodes,
    topologyName: s.topologyName,
    topology: topologyFor(s.topologyName, m.nodes),
    latencyMs: s.latencyMs,
    durationMs: s.durationMs,
    rate: s.rate,
    settleMs: s.settleMs,
    timeoutMs: s.timeoutMs,
    profile: null,
    faults: m.faults,
  });
}
