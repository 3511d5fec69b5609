// A lean in-process driver for large n: the product's variant cores
// (reference/variants, reference/store, reference/prng), stepped in lockstep
// rounds exactly as the runner orders them (write, tick every node in node
// order, then deliver hop by hop up to the hop limit, carrying what is left to
// the next round), but without gRPC, history or per-round reads of every node.
//
// Two things differ from ReferenceHost, both for scale, neither in the cores:
// - Topology: every node's peer list is "all nodes but me", given as a
//   read-only view (a Proxy over the shared id list) instead of n copies of
//   n-1 ids, which at n = 100,000 would be 10^10 strings.
// - The network is a compact queue (bench/net.ts): payloads in one byte arena,
//   not an object per envelope. The cores see the same messages in the same order.
// - Completion is detected cheaply: a node is marked as holding the update
//   when a delivery made its store hold the key; rumor mongering is finished
//   when a tick sends nothing (push: only infective nodes send on a tick).
// With `wire` every message goes through the reference codec on the way, as in
// ReferenceNode.send / ReferenceHost.deliver (encodeFitting, decode, accepts).
import { DEFAULT_MAX_PAYLOAD_BYTES, type NodeId, type Variant } from '../proto/contract.js';
import { decode, encodeToString } from '../reference/codec.js';
import { type Encoded, encodeFitting } from '../reference/fit.js';
import type { Message, MessageType } from '../reference/messages.js';
import { Store, type StoredEntry } from '../reference/store.js';
import type { Core, CoreParams, Outbox } from '../reference/variants/core.js';
import { createCore } from '../reference/variants/index.js';
import { deriveSeed, Rng } from '../shared/prng.js';
import { HopQueue } from './net.js';

export type InprocVariant = Extract<Variant, 'rumor-push' | 'anti-entropy-push-pull'>;

export interface InprocOptions {
  variant: InprocVariant;
  n: number;
  seed: number;
  /** Encode and decode every message with the reference codec. */
  wire: boolean;
  hopLimit?: number;
  maxRounds?: number;
}

export interface InprocResult {
  variant: InprocVariant;
  n: number;
  /** Rounds to completion: every node holds the update (AE) / no infective node left (rumor). */
  rounds: number;
  /** The round in which the last node learned the update. */
  spreadRounds: number;
  /** Fraction of nodes holding the update at the end (rumor: 1 - residue). */
  reached: number;
  /** Messages delivered, all rounds. */
  messages: number;
  setupSeconds: number;
  runSeconds: number;
  completed: boolean;
}

/** Parameters as the suites use them: fanout 1; rumor: feedback, counter k = 4. */
export function benchParams(variant: InprocVariant): CoreParams {
  return { variant, fanout: 1, lossOfInterest: 'feedback-counter', rumorK: 4, antiEntropyEvery: 1 };
}

/** The view's target: whose view it is (the cores only read `length` and indices). */
interface PeerTarget {
  self: number;
}

/**
 * "All nodes but `self`", indexable like an array, over the one shared id
 * list. One handler serves every view, so a view costs a Proxy and a tiny
 * target (n closures and handlers were about 130 bytes a node at 10^6).
 */
function peerViews(ids: readonly NodeId[]): (self: number) => readonly NodeId[] {
  const length = ids.length - 1;
  const handler: ProxyHandler<PeerTarget> = {
    get(target, prop, receiver) {
      if (prop === 'length') return length;
      if (typeof prop === 'string') {
        const i = Number(prop);
        if (Number.isInteger(i) && i >= 0) return i < length ? ids[i < target.self ? i : i + 1] : undefined;
      }
      // Array methods (slice, iteration) work on it through length, indices and `has`.
      return Reflect.get(Array.prototype, prop, receiver);
    },
    has(_target, prop) {
      if (prop === 'length') return true;
      const i = typeof prop === 'string' ? Number(prop) : -1;
      return Number.isInteger(i) && i >= 0 && i < length;
    },
  };
  // The cast names what the handler provides: a read-only array of the other ids.
  return (self) => new Proxy({ self }, handler) as unknown as readonly NodeId[];
}

/** The index of id `n<i>` (the driver's own ids), read off the string instead of a Map of n ids. */
function indexOf(id: NodeId): number {
  let i = 0;
  for (let c = 1; c < id.length; c++) i = i * 10 + (id.charCodeAt(c) - 48);
  return i;
}

const KEY = 'k';
/** Message types that never put an entry into the receiver's store (reference/variants). */
const NO_ENTRIES: ReadonlySet<MessageType> = new Set<MessageType>(['digest', 'want', 'feedback', 'pull']);

export function runInproc(opts: InprocOptions): InprocResult {
  const { variant, n, seed, wire } = opts;
  const hopLimit = opts.hopLimit ?? 4;
  const maxRounds = opts.maxRounds ?? 500;
  const t0 = performance.now();
  const params = benchParams(variant);
  const ids: NodeId[] = new Array(n);
  for (let i = 0; i < n; i++) ids[i] = `n${i}`;
  const view = peerViews(ids);
  const cores: Core[] = new Array(n);
  const stores: Store[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const store = new Store(new Map<string, StoredEntry>());
    stores[i] = store;
    cores[i] = createCore({
      id: ids[i],
      writer: ids[i],
      peers: view(i),
      params,
      rng: new Rng(deriveSeed(seed, `node:${ids[i]}`)),
      store,
      initialValue: 0,
    });
  }
  const t1 = performance.now();

  // The network: what was sent in this hop (`next`) and what is being delivered (`now`), in send order.
  let next = new HopQueue();
  let now = new HopQueue();
  let from = 0;
  let lastMsg: Message | null = null;
  let lastText = '';
  const parts: Encoded[] = [];
  const outbox: Outbox = {
    send(to: NodeId, msg: Message): void {
      const t = indexOf(to);
      if (!wire) {
        next.pushMsg(from, t, msg);
        return;
      }
      // As ReferenceNode.send: the same bytes (encodeFitting's, for a message that fits),
      // encoded once per message object, written straight into the arena.
      if (msg !== lastMsg) {
        lastText = encodeToString(msg);
        lastMsg = msg;
      }
      if (next.pushText(from, t, lastText, DEFAULT_MAX_PAYLOAD_BYTES)) return;
      // Oversize: split as ReferenceNode.send does (not at the bench's one key).
      parts.length = 0;
      encodeFitting(msg, DEFAULT_MAX_PAYLOAD_BYTES, parts);
      for (let i = 0; i < parts.length; i++) next.pushBytes(from, t, parts[i].payload);
    },
  };
  const setFrom = (i: number) => {
    from = i;
    lastMsg = null;
  };

  const holds = new Uint8Array(n);
  let holding = 0;
  let spreadRounds = 0;
  let messages = 0;
  let rounds = 0;
  let completed = false;

  for (let r = 1; r <= maxRounds; r++) {
    if (r === 1) {
      setFrom(0);
      cores[0].write(KEY, 'v', outbox);
      holds[0] = 1;
      holding = 1;
    }
    const carried = next.length;
    for (let i = 0; i < n; i++) {
      setFrom(i);
      cores[i].tick(outbox);
    }
    const ticked = next.length - carried;
    if (variant === 'rumor-push' && ticked === 0 && carried === 0) {
      // Nobody infective at the end of round r - 1.
      rounds = r - 1;
      completed = true;
      break;
    }
    for (let hop = 1; hop <= hopLimit && next.length > 0; hop++) {
      const q = next;
      next = now;
      now = q;
      next.clear();
      messages += q.length;
      for (let k = 0; k < q.length; k++) {
        const to = q.to[k];
        let msg: Message;
        if (wire) {
          const decoded = decode(q.payload(k));
          if (!decoded.ok || !cores[to].accepts(decoded.msg.t)) throw new Error(`bad message to ${ids[to]}`);
          msg = decoded.msg;
        } else msg = q.msgs[k];
        setFrom(to);
        cores[to].receive(ids[q.from[k]], msg, outbox);
        // Only messages that carry entries can change a store; looking at the store after
        // the others (most of them) cost one more far memory access each at n = 10^6.
        if (holds[to] === 0 && !NO_ENTRIES.has(msg.t) && stores[to].get(KEY) !== undefined) {
          holds[to] = 1;
          holding++;
          spreadRounds = r;
        }
      }
    }
    rounds = r;
    if (variant === 'anti-entropy-push-pull' && holding === n) {
      completed = true;
      break;
    }
  }
  const t2 = performance.now();
  return {
    variant,
    n,
    rounds,
    spreadRounds,
    reached: holding / n,
    messages,
    setupSeconds: (t1 - t0) / 1000,
    runSeconds: (t2 - t1) / 1000,
    completed,
  };
}
