// The harness as the network of a realtime run (harness transport): serves
// HarnessNetwork, takes every envelope nodes stream to it, and delivers it
// with GossipNode.Deliver — through the same Router as lockstep runs, with
// wall-clock milliseconds in place of rounds: a delay fault's latency and
// jitter are ms, a pause holds envelopes until the pause's scheduled end,
// reorder shuffles the envelopes due in the same few-ms delivery batch.
// Every 'send' / 'drop' / 'delay' / 'duplicate' / 'deliver' event carries the
// ms at which it happened as `r` (hop is always 0).
import * as grpc from '@grpc/grpc-js';
import { ContractError, type Envelope, type GossipEndpoint, type NodeId } from '../../proto/contract.js';
import { envelopeFromPb } from '../../proto/convert.js';
import * as pb from '../../proto/gen/gossipcheck/v1/gossip.js';
import { MAX_GRPC_MESSAGE_BYTES } from '../../proto/server.js';
import { groupBy } from '../../shared/group.js';
import { deriveSeed, Rng } from '../../shared/prng.js';
import { type Spread, SpreadCounter } from '../../shared/spread.js';
import type { LinkFault } from '../faults/schedule.js';
import type { HistoryEvent } from '../history/events.js';
import { destinationOf, type InFlight, Router } from '../router/router.js';

export interface NetworkOptions {
  nodes: readonly NodeId[];
  seed: number;
  now: () => number;
  record: (e: HistoryEvent) => void;
  /** The endpoint a node's envelopes are delivered to (it may change after a restart). */
  endpointOf: (node: NodeId) => GossipEndpoint | undefined;
  callTimeoutMs: number;
  /** How often due envelopes are taken and delivered. */
  tickMs?: number;
  /**
   * A delay every envelope takes, ms (Maelstrom's --latency): an always-on
   * delay fault over every edge, the network itself, so no 'fault' event.
   */
  baseLatencyMs?: number;
}

/** The network's count and its own delays over a run (RealtimeOutcome.network). */
export interface NetworkFigures {
  accepted: number;
  delivered: number;
  /** WallClockNetwork.forward: due to the Deliver call issued, ms, from the workload's start. */
  forwardMs: Spread;
  /** WallClockNetwork.forwardStartup: the same for envelopes due before it. */
  forwardStartupMs: Spread;
  /** WallClockNetwork.late: due to the Deliver call answered, ms. */
  answeredMs: Spread;
}

export class WallClockNetwork {
  private readonly router: Router;
  /** The base latency (if any), then the schedule's active faults. */
  private faults: LinkFault[];
  private readonly base: LinkFault[];
  private readonly pending = new Map<NodeId, InFlight[]>();
  /** Nodes with a Deliver in flight: what is due for them waits for its answer (one call at a time each). */
  private readonly busy = new Set<NodeId>();
  private server: grpc.Server | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Envelopes accepted from nodes, for progress displays. */
  accepted = 0;
  delivered = 0;
  /** When each envelope in the network is due: its send, or the end of its last deliberate delay (ms). */
  private readonly dueAt = new Map<number, number>();
  /**
   * Per delivered envelope, ms from its due time to its Deliver returning:
   * the harness's own delay on the way out (the pump's tick, a Deliver
   * still in flight to the same node, the call itself and its answer).
   */
  readonly late = new SpreadCounter();
  /**
   * Per envelope handed to a Deliver call, ms from its due time to that call
   * being issued: the harness's own added latency, with no part of the
   * endpoint's time in it (the pump's tick, a Deliver still in flight to the
   * same node, the harness's event loop). Due is its acceptance from the
   * sender's stream, or the end of its deliberate delay (a delay fault, a
   * pause, the base latency), so what a fault intends is never counted.
   */
  readonly forward = new SpreadCounter();
  /**
   * The same for envelopes due before `workloadFrom`: while the nodes are
   * started, early nodes gossip to an endpoint still busy with the Init of
   * the rest (at n = 1,000, a second of it), which is startup, not forwarding.
   */
  readonly forwardStartup = new SpreadCounter();
  /** When the workload started (ms), from RealtimeRun; until then every envelope counts as startup. */
  workloadFrom = Number.POSITIVE_INFINITY;

  constructor(private readonly o: NetworkOptions) {
    this.router = new Router(o.nodes, new Rng(deriveSeed(o.seed, 'router')));
    const latency = o.baseLatencyMs ?? 0;
    this.base = latency > 0 ? [{ kind: 'delay', latency, jitter: 0 }] : [];
    this.faults = this.base.slice();
    this.router.setFaults(this.faults);
  }

  /** Serves HarnessNetwork on `host`:0; resolves to the port. */
  listen(host = '0.0.0.0'): Promise<number> {
    const server = new grpc.Server({
      'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
    });
    server.addService(pb.HarnessNetworkService, {
      send: (call: grpc.ServerDuplexStream<pb.SendRequest, pb.SendResponse>) => {
        call.on('data', (req: pb.SendRequest) => {
          const envs = req.envelopes.map(envelopeFromPb);
          this.accept(envs);
          if (!this.stopped) call.write({ accepted: envs.length });
        });
        call.on('end', () => call.end());
        call.on('error', () => {});
      },
    } satisfies pb.HarnessNetworkServer);
    this.server = server;
    this.timer = setInterval(() => this.pump(), this.o.tickMs ?? 5);
    return new Promise((resolve, reject) =>
      server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
  }

  setFaults(faults: readonly LinkFault[]): void {
    this.faults = [...this.base, ...faults];
    this.router.setFaults(this.faults);
  }

  crash(node: NodeId): void {
    this.router.crash(node);
    this.pending.delete(node);
  }

  restart(node: NodeId): void {
    this.router.restart(node);
  }

  /** Envelopes to `node` wait until `untilMs` (the scheduled end of its pause) or `resume`. */
  pause(node: NodeId, untilMs: number): void {
    this.router.pause(node, untilMs);
  }

  resume(node: NodeId): void {
    this.router.resume(node);
  }

  /** Envelopes nodes sent: recorded and routed. */
  accept(envs: readonly Envelope[]): void {
    if (this.stopped || envs.length === 0) return;
    this.accepted += envs.length;
    this.router.beginRound(this.o.now(), this.faults);
    for (const env of envs) for (const e of this.router.send(env, 0)) this.note(e);
  }

  /** Records a router event, keeping each envelope's due time. */
  private note(e: HistoryEvent): void {
    if (e.t === 'send' || e.t === 'duplicate' || e.t === 'tamper') this.dueAt.set(e.id, e.r);
    else if (e.t === 'delay') this.dueAt.set(e.id, e.until);
    else if (e.t === 'drop') this.dueAt.delete(e.id);
    this.o.record(e);
  }

  private pump(): void {
    if (this.stopped) return;
    this.router.beginRound(this.o.now(), this.faults);
    const { events, batch } = this.router.takeDue();
    for (const e of events) this.note(e);
    for (const item of batch) {
      const to = destinationOf(item);
      const q = this.pending.get(to);
      if (q) q.push(item);
      else this.pending.set(to, [item]);
    }
    // One Deliver per endpoint, for every node it hosts with no Deliver in flight; the others wait.
    const calls = new Map<GossipEndpoint, InFlight[]>();
    for (const [node, items] of this.pending) {
      if (this.busy.has(node)) continue;
      this.pending.delete(node);
      const endpoint = this.o.endpointOf(node);
      if (!endpoint) {
        for (const it of items) this.note({ t: 'drop', r: this.o.now(), id: it.id, reason: 'unreachable' });
        continue;
      }
      this.busy.add(node);
      const call = calls.get(endpoint);
      if (!call) calls.set(endpoint, items);
      else for (const it of items) call.push(it);
    }
    for (const [endpoint, items] of calls) this.deliver(endpoint, items);
  }

  private deliver(endpoint: GossipEndpoint, items: InFlight[]): void {
    const issued = this.o.now();
    for (const it of items) {
      const due = this.dueAt.get(it.id);
      if (due !== undefined)
        (due >= this.workloadFrom ? this.forward : this.forwardStartup).add(Math.max(0, issued - due));
    }
    void this.call(endpoint, items).then(() => {
      for (const it of items) this.busy.delete(destinationOf(it));
    });
  }

  /**
   * One Deliver of `items`, recorded when it returns. A refused call changed
   * nothing (gossip.proto, Deliver), so a refused batch for several nodes is
   * asked again node by node: each node's envelopes fare as they would alone.
   */
  private call(endpoint: GossipEndpoint, items: InFlight[]): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (ok: boolean, rejected: boolean, replies: Envelope[]) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (this.stopped) return resolve();
        const byNode = rejected ? groupBy(items, destinationOf) : null;
        if (byNode && byNode.size > 1) {
          void Promise.all([...byNode.values()].map((part) => this.call(endpoint, part))).then(() =>
            resolve(),
          );
          return;
        }
        const r = this.o.now();
        for (const it of items) {
          const due = this.dueAt.get(it.id);
          this.dueAt.delete(it.id);
          if (ok && due !== undefined) this.late.add(Math.max(0, r - due));
          this.o.record(
            ok
              ? { t: 'deliver', r, hop: 0, id: it.id }
              : { t: 'drop', r, id: it.id, reason: rejected ? 'rejected' : 'unreachable' },
          );
        }
        if (ok) this.delivered += items.length;
        this.accept(replies);
        resolve();
      };
      const timer = setTimeout(() => finish(false, false, []), this.o.callTimeoutMs);
      endpoint.deliver(items.map((it) => it.env)).then(
        (replies) => finish(true, false, replies),
        (err: unknown) =>
          finish(false, err instanceof ContractError || (err as Error)?.name === 'ContractError', []),
      );
    });
  }

  figures(): NetworkFigures {
    return {
      accepted: this.accepted,
      delivered: this.delivered,
      forwardMs: this.forward.spread(),
      forwardStartupMs: this.forwardStartup.spread(),
      answeredMs: this.late.spread(),
    };
  }

  /** Envelopes in the network (held or due), for progress displays. */
  inFlight(): number {
    let n = this.router.inFlight();
    for (const q of this.pending.values()) n += q.length;
    return n;
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const server = this.server;
    if (!server) return;
    await new Promise<void>((done) => {
      server.tryShutdown(() => done());
      setTimeout(() => {
        server.forceShutdown();
        done();
      }, 500).unref();
    });
  }
}
