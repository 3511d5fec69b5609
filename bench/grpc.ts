// The gRPC measurements, each against a child process on loopback:
// - rawBaseline: grpc-js alone. Deliver calls carrying `perFrame` 64-byte
//   envelopes to bench/echo-server.js, which sends them back; `window` calls in
//   flight. Every envelope crosses the wire twice (there and back).
// - harnessThroughput: the lockstep runner + router + history recorder driving
//   `gossipcheck serve-reference` (the process backend's spawnEndpoint) with
//   push-sum, fanout 1: every live node sends exactly one envelope per round, so
//   n x rounds envelopes are routed; each also crosses the wire twice (Tick
//   returns it, Deliver carries it).
// - lockstepRounds: rounds per second of a whole lockstep run (Tick, Deliver
//   hops, Read of every node, history) at n nodes in one endpoint process:
//   `gossipcheck serve-reference`, or any --impl command (examples/go).
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { type SpawnedEndpoint, spawnEndpoint } from '../engine/backends/process.js';
import type { HistoryEvent } from '../engine/history/events.js';
import { HistoryRecorder } from '../engine/history/recorder.js';
import { type LockstepSpec, runLockstep, type WorkloadOp } from '../engine/runner/lockstep.js';
import type { NodeId, Parameters, Variant } from '../proto/contract.js';
import * as pb from '../proto/gen/gossipcheck/v1/gossip.js';
import { MAX_GRPC_MESSAGE_BYTES } from '../proto/server.js';
import { materialize } from '../suites/generators/topology.js';

const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const ECHO = here('./echo-server.js');
const CLI = here('../cli/main.js');

const PROCESS = { startupTimeoutMs: 20_000, callTimeoutMs: 120_000 };

/** Extra node flags for the child processes, for profiling (e.g. "--cpu-prof"). */
export const CHILD_NODE_ARGS = process.env.GOSSIPCHECK_BENCH_CHILD_NODE_ARGS ?? '';

function spawnNode(script: string, args = ''): Promise<SpawnedEndpoint> {
  const flags = CHILD_NODE_ARGS ? ` ${CHILD_NODE_ARGS}` : '';
  return spawnEndpoint(`exec "${process.execPath}"${flags} "${script}"${args ? ` ${args}` : ''}`, PROCESS);
}

export interface RawResult {
  envelopes: number;
  perFrame: number;
  window: number;
  seconds: number;
  msgsPerS: number;
}

export async function rawBaseline(envelopes: number, perFrame = 100, window = 4): Promise<RawResult> {
  const child = await spawnNode(ECHO);
  const client = new pb.GossipNodeClient(child.address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
  });
  try {
    const payload = Buffer.alloc(64, 0x61);
    const req: pb.DeliverRequest = {
      envelopes: Array.from({ length: perFrame }, (_, i) => ({
        from: `n${i}`,
        to: `n${(i + 1) % perFrame}`,
        payload,
        kind: 'pushsum',
        keys: [],
      })),
    };
    const once = () =>
      new Promise<void>((resolve, reject) =>
        client.deliver(req, (err, res) => {
          if (err) reject(err);
          else if (res.envelopes.length !== perFrame) reject(new Error('echo lost envelopes'));
          else resolve();
        }),
      );
    const drive = async (calls: number) => {
      let next = 0;
      const lane = async () => {
        while (next < calls) {
          next++;
          await once();
        }
      };
      await Promise.all(Array.from({ length: window }, lane));
    };
    await drive(Math.max(window, 200)); // warm-up: connection, JIT
    const calls = Math.ceil(envelopes / perFrame);
    const t0 = performance.now();
    await drive(calls);
    const seconds = (performance.now() - t0) / 1000;
    return { envelopes: calls * perFrame, perFrame, window, seconds, msgsPerS: (calls * perFrame) / seconds };
  } finally {
    client.close();
    await child.close();
  }
}

function params(variant: Variant): Parameters {
  return {
    variant,
    fanout: 1,
    periodMs: 0,
    lossOfInterest: 'feedback-counter',
    rumorK: 4,
    antiEntropyEvery: 1,
    maxPayloadBytes: 0,
  };
}

const ids = (n: number): NodeId[] => Array.from({ length: n }, (_, i) => `n${i}`);

/**
 * Peers of lockstepRounds: the full mesh up to this size; past it a random
 * 8-regular graph (suites/generators/topology.ts), since a full mesh of
 * 10,000 is 10^8 peer ids in Init. With fanout 1 a round's traffic is one
 * exchange a node either way.
 */
export const FULL_MESH_MAX = 1000;
const SPARSE_DEGREE = 8;

/** Every node's peers: all others (`degree` undefined) or the next `degree` nodes on a ring. */
function peersOf(nodes: NodeId[], degree?: number): Record<NodeId, NodeId[]> {
  const n = nodes.length;
  const peers: Record<NodeId, NodeId[]> = {};
  nodes.forEach((id, i) => {
    peers[id] =
      degree === undefined
        ? nodes.filter((p) => p !== id)
        : Array.from({ length: Math.min(degree, n - 1) }, (_, d) => nodes[(i + d + 1) % n]);
  });
  return peers;
}

/** The random regular graph of lockstepRounds past FULL_MESH_MAX. */
function regularPeers(nodes: NodeId[], seed: number): Record<NodeId, NodeId[]> {
  const adj = materialize({ kind: 'regular', param: SPARSE_DEGREE }, nodes.length, seed);
  return Object.fromEntries(nodes.map((id, i) => [id, adj[i].map((j) => nodes[j])]));
}

export interface TimedRun {
  rounds: number;
  /** Seconds from the first round's start to the end event (Init excluded). */
  seconds: number;
  initSeconds: number;
  sends: number;
  events: number;
  bytes: number;
}

/** Runs `spec` against one spawned reference endpoint; times rounds separately from Init. */
async function timedRun(spec: LockstepSpec, endpoint: SpawnedEndpoint): Promise<TimedRun> {
  const recorder = new HistoryRecorder();
  let tStart = 0;
  let tFirstRound = 0;
  let tEnd = 0;
  let sends = 0;
  let bytes = 0;
  const record = (e: HistoryEvent) => {
    if (e.t === 'round' && e.r === 1) tFirstRound = performance.now();
    else if (e.t === 'send') {
      sends++;
      bytes += e.bytes;
    } else if (e.t === 'end') tEnd = performance.now();
    recorder.record(e);
  };
  tStart = performance.now();
  const out = await runLockstep(spec, [{ endpoint: endpoint.endpoint, nodes: spec.nodes }], record);
  if (!out.completed) throw new Error(`lockstep run did not complete: ${out.reason}`);
  return {
    rounds: out.rounds,
    seconds: (tEnd - tFirstRound) / 1000,
    initSeconds: (tFirstRound - tStart) / 1000,
    sends,
    events: recorder.events.length,
    bytes,
  };
}

function spec(
  seed: number,
  nodes: NodeId[],
  variant: Variant,
  rounds: number,
  degree?: number,
  workload: WorkloadOp[] = [],
  peers: Record<NodeId, NodeId[]> = peersOf(nodes, degree),
): LockstepSpec {
  return {
    seed,
    nodes,
    peers,
    params: params(variant),
    rounds,
    hopLimit: 4,
    workload,
    schedule: [],
    initialValues: variant === 'push-sum' ? Object.fromEntries(nodes.map((id, i) => [id, i])) : {},
    callTimeoutMs: PROCESS.callTimeoutMs,
  };
}

export interface HarnessResult extends TimedRun {
  n: number;
  msgsPerS: number;
}

/** Push-sum, fanout 1, `degree` ring peers: exactly n envelopes routed per round. */
export async function harnessThroughput(
  n: number,
  rounds: number,
  seed: number,
  degree = 8,
): Promise<HarnessResult> {
  const endpoint = await spawnNode(CLI, 'serve-reference');
  try {
    // Warm-up run (JIT on both sides), then the measured one.
    await timedRun(spec(seed, ids(n), 'push-sum', Math.min(10, rounds), degree), endpoint);
    const run = await timedRun(spec(seed, ids(n), 'push-sum', rounds, degree), endpoint);
    if (run.sends !== n * rounds) throw new Error(`expected ${n * rounds} envelopes, routed ${run.sends}`);
    return { ...run, n, msgsPerS: run.sends / run.seconds };
  } finally {
    await endpoint.close();
  }
}

export interface LockstepResult extends TimedRun {
  n: number;
  variant: Variant;
  /** `full mesh` or `8-regular`. */
  peers: string;
  roundsPerS: number;
}

/**
 * Anti-entropy push-pull (full mesh up to FULL_MESH_MAX, else 8-regular),
 * one write per round at a rotating node, against `serve-reference` or
 * the endpoint `impl` starts (an --impl command, {listen} filled in).
 */
export async function lockstepRounds(
  n: number,
  rounds: number,
  seed: number,
  impl?: string,
): Promise<LockstepResult> {
  const variant: Variant = 'anti-entropy-push-pull';
  const nodes = ids(n);
  const workload: WorkloadOp[] = Array.from({ length: rounds }, (_, i) => ({
    round: i + 1,
    node: nodes[(i * 7919) % n],
    key: `k${i % 16}`,
    value: `v${i}`,
  }));
  const sparse = n > FULL_MESH_MAX;
  const peers = sparse ? regularPeers(nodes, seed) : peersOf(nodes);
  const make = (r: number) => spec(seed, nodes, variant, r, undefined, workload, peers);
  const endpoint = await (impl ? spawnEndpoint(impl, PROCESS) : spawnNode(CLI, 'serve-reference'));
  try {
    await timedRun(make(Math.min(5, rounds)), endpoint);
    const run = await timedRun(make(rounds), endpoint);
    const graph = sparse ? `${SPARSE_DEGREE}-regular` : 'full mesh';
    return { ...run, n, variant, peers: graph, roundsPerS: run.rounds / run.seconds };
  } finally {
    await endpoint.close();
  }
}
