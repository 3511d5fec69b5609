// The reference node in both clock modes: a shell around the lockstep
// ReferenceHost (whose sans-I/O cores do the protocol work). In realtime mode
// every node gets its own timer that calls the core's tick once per
// `period_ms`, and everything a node sends (tick, reactions to a delivery,
// client writes) leaves through a Transport instead of returning to the
// caller: Deliver and Update then return no envelopes.
import {
  type ClockMode,
  ContractError,
  type Envelope,
  type GossipEndpoint,
  type InitResult,
  type NodeId,
  type NodeInit,
  type Parameters,
  type Snapshot,
  type StopMode,
  type UpdateResult,
  type Write,
} from '../../proto/contract.js';
import { HarnessTransport, type Transport } from '../../proto/harness-transport.js';
import { ReferenceHost, type ReferenceHostOptions } from '../host.js';
import { DirectTransport } from './transport.js';

export interface RealtimeHostOptions extends ReferenceHostOptions {
  /**
   * The lockstep host doing the protocol work (default: the reference). A
   * broken fixture (reference/broken) goes here, so one bug injection serves
   * both clock modes.
   */
  inner?: ReferenceHost;
  /**
   * Where a peer's GossipNode endpoint is, for the direct transport (used when
   * Init names no harness_address). Undefined: realtime Init without a
   * harness address is refused.
   */
  peerAddress?: (peer: NodeId) => string;
  /** Deadline of a direct Deliver to a peer. */
  directTimeoutMs?: number;
}

export class RealtimeReferenceHost implements GossipEndpoint {
  private readonly inner: ReferenceHost;
  private readonly timers = new Map<NodeId, NodeJS.Timeout>();
  private readonly realtimeNodes = new Set<NodeId>();
  private transport: Transport | null = null;
  private transportKey = '';

  constructor(private readonly options: RealtimeHostOptions = {}) {
    this.inner = options.inner ?? new ReferenceHost(options);
  }

  /** `harnessAddress` empty: the direct transport (realtime only). */
  async init(
    nodes: NodeInit[],
    params: Parameters,
    clock: ClockMode,
    harnessAddress = '',
  ): Promise<InitResult> {
    if (clock !== 'lockstep' && clock !== 'realtime') {
      throw new ContractError('invalid-argument', `unknown clock mode '${String(clock)}'`);
    }
    if (clock === 'realtime') {
      if (!(params.periodMs > 0)) {
        throw new ContractError('invalid-argument', 'realtime mode needs period_ms > 0');
      }
      if (!harnessAddress && !this.options.peerAddress) {
        throw new ContractError(
          'failed-precondition',
          'realtime mode needs a harness_address (this endpoint has no direct transport configured)',
        );
      }
    }
    const res = await this.inner.init(nodes, params, 'lockstep');
    for (const n of nodes) this.stopTimer(n.id);
    if (clock === 'realtime') {
      this.useTransport(harnessAddress);
      for (const n of nodes) this.startTimer(n, params.periodMs);
    }
    return { ...res, capabilities: { ...res.capabilities, realtime: true } };
  }

  private useTransport(harnessAddress: string): void {
    const key = harnessAddress ? `harness:${harnessAddress}` : 'direct';
    if (this.transport && this.transportKey === key) return;
    this.transport?.close();
    this.transportKey = key;
    this.transport = harnessAddress
      ? new HarnessTransport(harnessAddress)
      : new DirectTransport(this.options.peerAddress!, this.options.directTimeoutMs ?? 1000);
  }

  private startTimer(n: NodeInit, periodMs: number): void {
    this.realtimeNodes.add(n.id);
    // A seeded phase offset, so nodes started together do not tick in lockstep.
    const offset = n.rngSeed % periodMs;
    const fire = () => {
      try {
        this.inner.tick([n.id]).then(
          (envs) => this.transport?.send(envs),
          () => this.stopTimer(n.id),
        );
      } catch {
        this.stopTimer(n.id);
      }
    };
    const first = setTimeout(() => {
      fire();
      this.timers.set(n.id, setInterval(fire, periodMs));
    }, offset);
    this.timers.set(n.id, first);
  }

  private stopTimer(id: NodeId): void {
    const t = this.timers.get(id);
    if (t) {
      clearTimeout(t);
      clearInterval(t);
    }
    this.timers.delete(id);
    this.realtimeNodes.delete(id);
  }

  async tick(nodes: NodeId[]): Promise<Envelope[]> {
    for (const n of nodes) {
      if (this.realtimeNodes.has(n)) {
        throw new ContractError('failed-precondition', `node '${n}' runs in realtime mode: no Tick`);
      }
    }
    return this.inner.tick(nodes);
  }

  async deliver(envelopes: Envelope[]): Promise<Envelope[]> {
    const out = await this.inner.deliver(envelopes);
    return this.route(out);
  }

  async update(writes: Write[]): Promise<UpdateResult> {
    const res = await this.inner.update(writes);
    return { acks: res.acks, envelopes: this.route(res.envelopes) };
  }

  /** Envelopes of realtime nodes leave through the transport; the rest go back to the caller. */
  private route(envs: Envelope[]): Envelope[] {
    if (this.realtimeNodes.size === 0 || envs.length === 0) return envs;
    const back: Envelope[] = [];
    const out: Envelope[] = [];
    for (const e of envs) (this.realtimeNodes.has(e.from) ? out : back).push(e);
    this.transport?.send(out);
    return back;
  }

  read(nodes: NodeId[]): Promise<Snapshot[]> {
    return this.inner.read(nodes);
  }

  /** A clean stop's envelopes (a membership leave): through the transport in realtime, else back. */
  async stop(nodes: NodeId[], mode: StopMode): Promise<Envelope[]> {
    const sent = await this.inner.stop(nodes, mode);
    const back = this.route(sent);
    for (const n of nodes) this.stopTimer(n);
    return back;
  }

  async close(): Promise<void> {
    for (const id of [...this.timers.keys()]) this.stopTimer(id);
    this.transport?.close();
    this.transport = null;
    await this.inner.close();
  }
}
