// One hosted node: a variant core plus what turns its messages into envelopes
// (encoding, size limit, kind/keys metadata) and its state into a Snapshot.
// The node is the core's Outbox, so sending allocates no closure per message.
import type { Envelope, NodeId, NodeInit, Snapshot, Version } from '../proto/contract.js';
import { Rng } from '../shared/prng.js';
import { type Encoded, encodeFitting } from './fit.js';
import { carriedKeys, type Message } from './messages.js';
import type { NodeParams } from './params.js';
import { Store, type StoredEntry } from './store.js';
import type { Core, CoreContext, Outbox } from './variants/core.js';
import { createCore } from './variants/index.js';

/** Where a test fixture (reference/broken/) injects a bug; the reference itself uses none. */
export interface NodeHooks {
  /** Builds the node's store over its disk (default: the reference Store). */
  store?(durable: Map<string, StoredEntry>): Store;
  /** Wraps the node's core. */
  core?(inner: Core, ctx: CoreContext): Core;
  /** Relabels an envelope's kind and keys (a broken fixture's lie about its metadata). */
  label?(kind: string, keys: string[]): { kind: string; keys: string[] };
}

export class ReferenceNode implements Outbox {
  readonly id: NodeId;
  readonly maxPayloadBytes: number;
  private readonly core: Core;
  private readonly store: Store;
  /** Where `send` appends envelopes during the current call. */
  private target: Envelope[] = [];
  /** The encoding of the last message sent in this call: cores send one message object to several peers. */
  private lastMsg: Message | null = null;
  private readonly parts: Encoded[] = [];
  private readonly relabel: NodeHooks['label'];

  /** `durable` is the node's disk: its content seeds the store, and every change is written through. */
  constructor(init: NodeInit, params: NodeParams, durable: Map<string, StoredEntry>, hooks: NodeHooks = {}) {
    this.id = init.id;
    this.maxPayloadBytes = params.maxPayloadBytes;
    this.store = hooks.store ? hooks.store(durable) : new Store(durable);
    this.relabel = hooks.label;
    const ctx: CoreContext = {
      id: init.id,
      writer: init.generation ? `${init.id}#${init.generation}` : init.id,
      peers: init.peers.slice(),
      seeds: init.seeds.slice(),
      params,
      rng: new Rng(init.rngSeed),
      store: this.store,
      initialValue: init.initialValue,
    };
    const core = createCore(ctx);
    this.core = hooks.core ? hooks.core(core, ctx) : core;
  }

  accepts(msg: Message): boolean {
    return this.core.accepts(msg.t);
  }

  tick(out: Envelope[]): void {
    this.target = out;
    this.lastMsg = null;
    this.core.tick(this);
  }

  receive(from: NodeId, msg: Message, out: Envelope[]): void {
    this.target = out;
    this.lastMsg = null;
    this.core.receive(from, msg, this);
  }

  write(key: string, value: string, out: Envelope[]): Version {
    this.target = out;
    this.lastMsg = null;
    return this.core.write(key, value, this);
  }

  /** A clean stop: what the core sends to leave gracefully (membership), into `out`. */
  leave(out: Envelope[]): void {
    this.target = out;
    this.lastMsg = null;
    this.core.leave?.(this);
  }

  send(to: NodeId, msg: Message): void {
    const parts = this.parts;
    // Each envelope still gets its own bytes, so nobody downstream can alter another's payload.
    const reuse = msg === this.lastMsg;
    if (!reuse) {
      parts.length = 0;
      encodeFitting(msg, this.maxPayloadBytes, parts);
      this.lastMsg = msg;
    }
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      const payload = reuse ? p.payload.slice() : p.payload;
      const keys = carriedKeys(p.msg);
      if (this.relabel) this.target.push({ from: this.id, to, payload, ...this.relabel(p.msg.t, keys) });
      else this.target.push({ from: this.id, to, payload, kind: p.msg.t, keys });
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
    const view = this.core.view?.();
    const snap: Snapshot = {
      node: this.id,
      entries,
      estimate: weight === 0 ? 0 : sum / weight,
      sum,
      weight,
      members: view
        ? view.filter((m) => m.status === 'alive' || m.status === 'suspect').map((m) => m.id)
        : [],
    };
    if (view) snap.memberView = view;
    return snap;
  }
}
