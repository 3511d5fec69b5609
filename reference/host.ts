// The reference endpoint in-process: many nodes behind one GossipEndpoint.
// Every batch is validated as a whole before anything is applied, so a refused
// call leaves every node exactly as it was.
import {
  type Ack,
  type Capabilities,
  type ClockMode,
  CONTRACT_VERSION,
  ContractError,
  type Envelope,
  type GossipEndpoint,
  type InitResult,
  isSirVariant,
  LOSS_OF_INTEREST,
  maxWriteBytes,
  type NodeId,
  type NodeInit,
  type Parameters,
  type Snapshot,
  type StopMode,
  type UpdateResult,
  VARIANTS,
  type Variant,
  type Write,
} from '../proto/contract.js';
import { decode, encodeToString } from './codec.js';
import { utf8Length } from './fit.js';
import type { Message } from './messages.js';
import { ReferenceNode } from './node.js';
import { type NodeParams, validateNodes, validateParams } from './params.js';
import type { StoredEntry } from './store.js';

export const REFERENCE_IMPLEMENTATION = 'gossipcheck-reference';
export const REFERENCE_VERSION = '0.1.0';

/** A hosted node's slot: its running state (null once stopped) and its disk. */
interface Slot {
  node: ReferenceNode | null;
  durable: Map<string, StoredEntry>;
}

export interface ReferenceHostOptions {
  implementation?: string;
  version?: string;
  /** Serve (and declare) only these variants; all by default. */
  variants?: readonly Variant[];
}

export class ReferenceHost implements GossipEndpoint {
  private readonly implementation: string;
  private readonly version: string;
  private readonly variants: readonly Variant[];
  private readonly slots = new Map<NodeId, Slot>();

  constructor(options: ReferenceHostOptions = {}) {
    this.implementation = options.implementation ?? REFERENCE_IMPLEMENTATION;
    this.version = options.version ?? REFERENCE_VERSION;
    this.variants = options.variants ? VARIANTS.filter((v) => options.variants!.includes(v)) : VARIANTS;
  }

  async init(nodes: NodeInit[], params: Parameters, clock: ClockMode): Promise<InitResult> {
    if (clock === 'realtime') {
      throw new ContractError(
        'failed-precondition',
        'this in-process host runs lockstep only; realtime is served by the realtime reference (reference/realtime, gossipcheck serve-reference)',
      );
    }
    if (clock !== 'lockstep') {
      throw new ContractError('invalid-argument', `unknown clock mode '${String(clock)}'`);
    }
    const nodeParams = validateParams(params);
    if (!this.variants.includes(nodeParams.variant)) {
      throw new ContractError(
        'failed-precondition',
        `variant '${nodeParams.variant}' is not served by this endpoint (serving: ${this.variants.join(', ')})`,
      );
    }
    validateNodes(nodes);
    for (const init of nodes) {
      const old = this.slots.get(init.id);
      // Without restore the disk is wiped too: Init means a fresh node.
      const durable = init.restoreDurable && old ? old.durable : new Map<string, StoredEntry>();
      this.slots.set(init.id, { node: this.createNode(init, nodeParams, durable), durable });
    }
    return {
      implementation: this.implementation,
      version: this.version,
      capabilities: capabilities(this.variants),
      contractVersion: CONTRACT_VERSION,
    };
  }

  /** One node over its disk; the broken fixtures (reference/broken/) override this. */
  protected createNode(init: NodeInit, params: NodeParams, durable: Map<string, StoredEntry>): ReferenceNode {
    return new ReferenceNode(init, params, durable);
  }

  async tick(nodes: NodeId[]): Promise<Envelope[]> {
    const running = this.running(nodes);
    const out: Envelope[] = [];
    for (const node of running) node.tick(out);
    return out;
  }

  async deliver(envelopes: Envelope[]): Promise<Envelope[]> {
    const targets: ReferenceNode[] = new Array(envelopes.length);
    const messages: Message[] = new Array(envelopes.length);
    for (let i = 0; i < envelopes.length; i++) {
      const { from, to, payload } = envelopes[i];
      const slot = this.slots.get(to);
      if (!slot) throw new ContractError('not-found', `envelope ${i}: unknown node '${to}'`);
      if (!slot.node) {
        throw new ContractError('failed-precondition', `envelope ${i}: node '${to}' is stopped`);
      }
      const node = slot.node;
      if (!(payload instanceof Uint8Array)) {
        throw new ContractError('invalid-argument', `${envelopeAt(i, from, to)}: payload is not bytes`);
      }
      if (payload.length > node.maxPayloadBytes) {
        throw new ContractError(
          'invalid-argument',
          `${envelopeAt(i, from, to)}: payload of ${payload.length} bytes exceeds max_payload_bytes ${node.maxPayloadBytes}`,
        );
      }
      const decoded = decode(payload);
      if (!decoded.ok) throw notValid(envelopeAt(i, from, to), decoded.error);
      if (!node.accepts(decoded.msg)) {
        throw notValid(
          envelopeAt(i, from, to),
          `message type '${decoded.msg.t}' does not belong to this node's variant`,
        );
      }
      targets[i] = node;
      messages[i] = decoded.msg;
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
      // A write whose entry cannot fit one envelope could never be shipped: refused
      // (the contract allows refusing beyond maxWriteBytes; docs/contract.md, Sizes).
      const entry = { k: key, v: value, c: Number.MAX_SAFE_INTEGER, o: `${writes[i].node}#4294967295` };
      const bytes = utf8Length(encodeToString({ t: 'entries', entries: [entry] }));
      if (bytes > nodes[i].maxPayloadBytes) {
        throw new ContractError(
          'invalid-argument',
          `write ${i}: its entry takes ${bytes} bytes, more than max_payload_bytes ${nodes[i].maxPayloadBytes} (writes up to ${maxWriteBytes(nodes[i].maxPayloadBytes)} bytes of key and value are always accepted)`,
        );
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

  async stop(nodes: NodeId[], mode: StopMode): Promise<Envelope[]> {
    if (mode !== 'crash' && mode !== 'clean') {
      throw new ContractError('invalid-argument', `unknown stop mode '${String(mode)}'`);
    }
    const running = this.running(nodes);
    // A clean stop is a graceful leave where the variant has one (membership).
    const out: Envelope[] = [];
    if (mode === 'clean') for (const node of running) node.leave(out);
    // Both modes drop the volatile state and keep the disk: the reference
    // writes through on every change, so a clean stop has nothing to flush.
    for (const id of nodes) this.slots.get(id)!.node = null;
    return out;
  }

  async close(): Promise<void> {}

  /** The running nodes named, in order; refuses the whole call if any is unknown or stopped. */
  private running(ids: readonly NodeId[]): ReferenceNode[] {
    const out: ReferenceNode[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const slot = this.slots.get(id);
      if (!slot) throw new ContractError('not-found', `unknown node '${id}'`);
      if (!slot.node) throw new ContractError('failed-precondition', `node '${id}' is stopped`);
      out[i] = slot.node;
    }
    return out;
  }
}

/** Where a refusal names an envelope: built only on a refusal (30,000 envelopes a hop at n = 10,000). */
function envelopeAt(i: number, from: NodeId, to: NodeId): string {
  return `envelope ${i} from ${from} to ${to}`;
}

function notValid(where: string, why: string): ContractError {
  return new ContractError(
    'invalid-argument',
    `${where}: payload is not a valid ${REFERENCE_IMPLEMENTATION} message: ${why}`,
  );
}

function capabilities(variants: readonly Variant[]): Capabilities {
  return {
    variants: [...variants],
    lossOfInterest: [...LOSS_OF_INTEREST],
    lockstep: true,
    realtime: false,
    rumorStatus: variants.some(isSirVariant),
    pushSum: variants.includes('push-sum'),
    membership: variants.includes('membership-swim'),
    durableRestart: true,
  };
}
