// The bugs of the broken fixtures, each a small change to the reference made
// by wrapping its core or subclassing its store (see host.ts for the hooks).
import { compareVersions, type NodeId, type SirStatus, type Version } from '../../proto/contract.js';
import type { Message, WireEntry } from '../messages.js';
import { Store, type StoredEntry } from '../store.js';
import type { Outbox } from '../variants/core.js';
import { RumorCore } from '../variants/rumor.js';
import { Capture, CoreWrapper } from './host.js';

/** Rumor mongering whose nodes never lose interest: every entry held is pushed again each period. */
export class NeverLosesInterest extends CoreWrapper {
  override tick(out: Outbox): void {
    if (this.inner instanceof RumorCore) {
      for (const key of this.ctx.store.entries.keys()) {
        if (this.inner.status(key) === 'removed') this.inner.learned(key);
      }
    }
    this.inner.tick(out);
  }

  /** Honest about the bug: whatever it holds it will push next period, so it is infective. */
  override status(key: string): SirStatus | undefined {
    const s = this.inner.status(key);
    return s === 'removed' ? 'infective' : s;
  }
}

/**
 * A last-arrival-wins store: merge takes any version that differs from the
 * one held (older included), and `has` holds only the exact version, so a
 * digest comparison asks for every differing key.
 */
export class LastArrivalStore extends Store {
  constructor(private readonly disk: Map<string, StoredEntry>) {
    super(disk);
  }

  override merge(key: string, value: string, version: Version): boolean {
    const current = this.entries.get(key);
    if (current && compareVersions(version, current.version) === 0) return false;
    const entry: StoredEntry = { value, version: { counter: version.counter, origin: version.origin } };
    this.entries.set(key, entry);
    this.disk.set(key, entry);
    return true;
  }

  override has(key: string, version: Version): boolean {
    const current = this.entries.get(key);
    return current !== undefined && compareVersions(current.version, version) === 0;
  }
}

/** Anti-entropy pull whose nodes never answer a digest. */
export class IgnoresPull extends CoreWrapper {
  override receive(from: NodeId, msg: Message, out: Outbox): void {
    if (msg.t === 'digest') return;
    this.inner.receive(from, msg, out);
  }
}

/** Opens one exchange more than the fanout each period: the digest also goes to a peer not chosen. */
export class FanoutExceeded extends CoreWrapper {
  override tick(out: Outbox): void {
    const capture = new Capture();
    this.inner.tick(capture);
    const chosen = new Set(capture.sent.map((s) => s.to));
    const first = capture.sent[0];
    const extra = this.ctx.peers.find((p) => !chosen.has(p));
    capture.flush(out);
    if (first && extra !== undefined) out.send(extra, first.msg);
  }
}

/** Share of the weight of every push-sum share sent that vanishes in transit. */
export const DROPPED_WEIGHT = 0.1;

/** Push-sum whose outgoing shares lose DROPPED_WEIGHT of their weight (the sender keeps no copy). */
export class PushSumDropsWeight extends CoreWrapper {
  override tick(out: Outbox): void {
    const capture = new Capture();
    this.inner.tick(capture);
    for (const { to, msg } of capture.sent) {
      out.send(to, msg.t === 'pushsum' ? { t: 'pushsum', s: msg.s, w: msg.w * (1 - DROPPED_WEIGHT) } : msg);
    }
  }
}

/**
 * Feedback-counter rumor mongering whose counter is not reset by a necessary
 * contact: the "necessary" feedback items are ignored, so the node counts
 * unnecessary contacts in total rather than in a row.
 */
export class CounterNeverResets extends CoreWrapper {
  override receive(from: NodeId, msg: Message, out: Outbox): void {
    if (msg.t === 'feedback') {
      const items = msg.items.filter((i) => i.u);
      if (items.length > 0) this.inner.receive(from, { t: 'feedback', items }, out);
      return;
    }
    this.inner.receive(from, msg, out);
  }
}

/** Anti-entropy that applies an entry arriving a second time as a fresh local write (version bumped). */
export class AppliesTwice extends CoreWrapper {
  override receive(from: NodeId, msg: Message, out: Outbox): void {
    const store = this.ctx.store;
    const again: WireEntry[] = [];
    if (msg.t === 'entries' || msg.t === 'entries-want') {
      for (const e of msg.entries) {
        const held = store.get(e.k);
        if (held && compareVersions(held.version, { counter: e.c, origin: e.o }) === 0) again.push(e);
      }
    }
    this.inner.receive(from, msg, out);
    for (const e of again) store.localWrite(e.k, e.v, this.ctx.writer);
  }
}

/** Anti-entropy push-pull whose digest reply also ships every entry the digest shows the peer already has. */
export class ShipsKnownValues extends CoreWrapper {
  override receive(from: NodeId, msg: Message, out: Outbox): void {
    if (msg.t !== 'digest') {
      this.inner.receive(from, msg, out);
      return;
    }
    const capture = new Capture();
    this.inner.receive(from, msg, capture);
    const store = this.ctx.store;
    const known: WireEntry[] = [];
    for (const v of msg.versions) {
      const e = store.get(v.k);
      if (e && compareVersions(e.version, { counter: v.c, origin: v.o }) === 0) {
        known.push({ k: v.k, v: e.value, c: e.version.counter, o: e.version.origin });
      }
    }
    let shipped = false;
    for (const { to, msg: reply } of capture.sent) {
      if (!shipped && to === from && reply.t === 'entries-want') {
        out.send(to, { t: 'entries-want', entries: [...reply.entries, ...known], want: reply.want });
        shipped = true;
      } else out.send(to, reply);
    }
    if (!shipped && known.length > 0) out.send(from, { t: 'entries-want', entries: known, want: [] });
  }
}

/** Periods after which StopsGossiping goes quiet. */
export const GOSSIP_PERIODS = 50;

/**
 * A node that gossips for GOSSIP_PERIODS periods, then stops: it starts no
 * exchange and answers none, though it still takes client writes and reads.
 */
export class StopsGossiping extends CoreWrapper {
  private periods = 0;

  override tick(out: Outbox): void {
    if (++this.periods > GOSSIP_PERIODS) return;
    this.inner.tick(out);
  }

  override receive(from: NodeId, msg: Message, out: Outbox): void {
    if (this.periods > GOSSIP_PERIODS) return;
    this.inner.receive(from, msg, out);
  }
}
