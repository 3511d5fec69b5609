// The host of the broken fixtures: the reference node, with one bug injected
// through hooks. The reference's host and node build their core and store
// internally, so this file mirrors them (validation, encoding, snapshots)
// and adds the hooks; the variant cores, store, codec and validation are the
// reference's own, used unchanged. Existing reference files are not edited.
import {
  type Ack,
  type Capabilities,
  type ClockMode,
  ContractError,
  type Envelope,
  type GossipEndpoint,
  type InitResult,
  LOSS_OF_INTEREST,
  type NodeId,
  type NodeInit,
  type Parameters,
  type Snapshot,
  type StopMode,
  type UpdateResult,
  type Version,
  type Write,
} from '../../proto/contract.js';
import { decode } from '../codec.js';
import { type Encoded, encodeFitting } from '../fit.js';
import { carriedKeys, type Message } from '../messages.js';
import { type NodeParams, validateNodes, validateParams } from '../params.js';
import { Rng } from '../prng.js';
import { Store, type StoredEntry } from '../store.js';
import type { Core, CoreContext, Outbox } from '../variants/core.js';
import { createCore } from '../variants/index.js';

export const BROKEN_VERSION = '0.1.0';

/** Where a bug is injected. Every hook is optional; none at all is the reference. */
export interface Bug {
  /** Builds the node's store over its disk (default: the reference Store). */
  store?(durable: Map<string, StoredEntry>): Store;
  /** Wraps the node's reference core. */
  core?(inner: Core, ctx: CoreContext): Core;
  /** A restart with restoreDurable starts from an empty disk anyway (durability still declared). */
  forgetsDisk?: boolean;
}

/** One hosted node: a (possibly wrapped) core plus encoding and snapshots, as ReferenceNode. */
class BrokenNode implements Outbox {
  readonly id: NodeId;
  readonly maxPayloadBytes: number;
  private readonly core: Core;
  private readonly store: Store;
  private target: Envelope[] = [];

  constructor(init: NodeInit, params: NodeParams, durable: Map<string, StoredEntry>, bug: Bug) {
    this.id = init.id;
    this.maxPayloadBytes = params.maxPayloadBytes;
    this.store = bug.store ? bug.store(durable) : new Store(durable);
    const ctx: CoreContext = {
      id: init.id,
      writer: init.generation ? `${init.id}#${init.generation}` : init.id,
      peers: init.peers.slice(),
      params,
      rng: new Rng(init.rngSeed),
      store: this.store,
      initialValue: init.initialValue,
    };
    const inner = createCore(ctx);
    this.core = bug.core ? bug.core(inner, ctx) : inner;
  }

  accepts(msg: Message): boolean {
    return this.core.accepts(msg.t);
  }

  tick(out: Envelope[]): void {
    this.target = out;
    this.core.tick(this);
  }

  receive(from: NodeId, msg: Message, out: Envelope[]): void {
    this.target = out;
    this.core.receive(from, msg, this);
  }

  write(key: string, value: string, out: Envelope[]): Version {
    this.target = out;
    return this.core.write(key, value, this);
  }

  send(to: NodeId, msg: Message): void {
    const parts: Encoded[] = [];
    encodeFitting(msg, this.maxPayloadBytes, parts);
    for (const p of parts) {
      this.target.push({ from: this.id, to, payload: p.payload, kind: p.msg.t, keys: carriedKeys(p.msg) });
    }
  }

  snapshot(): Snapshot {
    const keys = Array.from(this.store.entries.keys()).sort();
    const entries = keys.map((key) => {
      const e = this.store.get(key)!;
      const status = this.core.status(key);
      const version = { counter: e.version.counter, origin: e.version.origin };
      return status === undefined
        ? { key, value: e.value, version }
        : { key, value: e.value, version, status };
    });
    const { sum, weight } = this.core.mass();
    return { node: this.id, entries, estimate: weight === 0 ? 0 : sum / weight, sum, weight, members: [] };
  }
}

interface Slot {
  node: BrokenNode | null;
  durable: Map<string, StoredEntry>;
}

/**
 * A GossipEndpoint that behaves as the reference host (same validation, same
 * errors, same declared capabilities) except for `bug`.
 */
export class BrokenHost implements GossipEndpoint {
  private readonly slots = new Map<NodeId, Slot>();

  constructor(
    readonly implementation: string,
    private readonly bug: Bug,
  ) {}

  async init(nodes: NodeInit[], params: Parameters, clock: ClockMode): Promise<InitResult> {
    if (clock === 'realtime') {
      throw new ContractError('failed-precondition', 'realtime clock mode is not supported by this fixture');
    }
    if (clock !== 'lockstep') {
      throw new ContractError('invalid-argument', `unknown clock mode '${String(clock)}'`);
    }
    const nodeParams = validateParams(params);
    validateNodes(nodes);
    for (const init of nodes) {
      const old = this.slots.get(init.id);
      // Without restore the disk is wiped too: Init means a fresh node. The
      // forgetful bug wipes it even when asked to restore.
      const restore = init.restoreDurable && old !== undefined && !this.bug.forgetsDisk;
      const durable = restore ? old.durable : new Map<string, StoredEntry>();
      this.slots.set(init.id, { node: new BrokenNode(init, nodeParams, durable, this.bug), durable });
    }
    return { implementation: this.implementation, version: BROKEN_VERSION, capabilities: CAPABILITIES };
  }

  async tick(nodes: NodeId[]): Promise<Envelope[]> {
    const out: Envelope[] = [];
    for (const node of this.running(nodes)) node.tick(out);
    return out;
  }

  async deliver(envelopes: Envelope[]): Promise<Envelope[]> {
    const targets: BrokenNode[] = [];
    const messages: Message[] = [];
    for (let i = 0; i < envelopes.length; i++) {
      const { from, to, payload } = envelopes[i];
      const slot = this.slots.get(to);
      if (!slot) throw new ContractError('not-found', `envelope ${i}: unknown node '${to}'`);
      if (!slot.node)
        throw new ContractError('failed-precondition', `envelope ${i}: node '${to}' is stopped`);
      const where = `envelope ${i} from ${from} to ${to}`;
      if (!(payload instanceof Uint8Array)) {
        throw new ContractError('invalid-argument', `${where}: payload is not bytes`);
      }
      if (payload.length > slot.node.maxPayloadBytes) {
        throw new ContractError(
          'invalid-argument',
          `${where}: payload of ${payload.length} bytes exceeds max_payload_bytes ${slot.node.maxPayloadBytes}`,
        );
      }
      const decoded = decode(payload);
      if (!decoded.ok) throw notValid(where, decoded.error);
      if (!slot.node.accepts(decoded.msg)) {
        throw notValid(where, `message type '${decoded.msg.t}' does not belong to this node's variant`);
      }
      targets.push(slot.node);
      messages.push(decoded.msg);
    }
    const out: Envelope[] = [];
    for (let i = 0; i < envelopes.length; i++) targets[i].receive(envelopes[i].from, messages[i], out);
    return out;
  }

  async update(writes: Write[]): Promise<UpdateResult> {
    const nodes = this.running(writes.map((w) => w.node));
    for (let i = 0; i < writes.length; i++) {
      const { key, value } = writes[i];
      if (typeof key !== 'string' || typeof value !== 'string') {
        throw new ContractError('invalid-argument', `write ${i}: key and value must be strings`);
      }
    }
    const acks: Ack[] = [];
    const envelopes: Envelope[] = [];
    for (let i = 0; i < writes.length; i++) {
      const { node, key, value } = writes[i];
      acks.push({ node, key, version: nodes[i].write(key, value, envelopes) });
    }
    return { acks, envelopes };
  }

  async read(nodes: NodeId[]): Promise<Snapshot[]> {
    return this.running(nodes).map((node) => node.snapshot());
  }

  async stop(nodes: NodeId[], mode: StopMode): Promise<void> {
    if (mode !== 'crash' && mode !== 'clean') {
      throw new ContractError('invalid-argument', `unknown stop mode '${String(mode)}'`);
    }
    this.running(nodes);
    for (const id of nodes) this.slots.get(id)!.node = null;
  }

  async close(): Promise<void> {}

  private running(ids: readonly NodeId[]): BrokenNode[] {
    return ids.map((id) => {
      const slot = this.slots.get(id);
      if (!slot) throw new ContractError('not-found', `unknown node '${id}'`);
      if (!slot.node) throw new ContractError('failed-precondition', `node '${id}' is stopped`);
      return slot.node;
    });
  }
}

function notValid(where: string, why: string): ContractError {
  return new ContractError('invalid-argument', `${where}: payload is not a valid message: ${why}`);
}

/** Exactly what the reference declares (all variants, durable restart): no bug is excused as unsupported. */
const CAPABILITIES: Capabilities = {
  variants: [
    'direct-mail',
    'anti-entropy-push',
    'anti-entropy-pull',
    'anti-entropy-push-pull',
    'rumor-push',
    'rumor-pull',
    'hybrid',
    'push-sum',
  ],
  lossOfInterest: [...LOSS_OF_INTEREST],
  lockstep: true,
  realtime: false,
  rumorStatus: true,
  pushSum: true,
  membership: false,
  durableRestart: true,
};

/** A Core that delegates everything to `inner`; bugs override one method. */
export class CoreWrapper implements Core {
  constructor(
    protected readonly inner: Core,
    protected readonly ctx: CoreContext,
  ) {}
  accepts(type: Message['t']): boolean {
    return this.inner.accepts(type);
  }
  tick(out: Outbox): void {
    this.inner.tick(out);
  }
  receive(from: NodeId, msg: Message, out: Outbox): void {
    this.inner.receive(from, msg, out);
  }
  write(key: string, value: string, out: Outbox): Version {
    return this.inner.write(key, value, out);
  }
  status(key: string) {
    return this.inner.status(key);
  }
  mass(): { sum: number; weight: number } {
    return this.inner.mass();
  }
}

/** An Outbox that records what a core sends instead of sending it. */
export class Capture implements Outbox {
  readonly sent: { to: NodeId; msg: Message }[] = [];
  send(to: NodeId, msg: Message): void {
    this.sent.push({ to, msg });
  }
  flush(out: Outbox): void {
    for (const s of this.sent) out.send(s.to, s.msg);
    this.sent.length = 0;
  }
}
