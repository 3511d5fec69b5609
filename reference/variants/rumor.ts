// Rumor mongering (Demers et al. 1987 §1.4), the SIR model. Per key a node is
// susceptible (lacks it), infective (holds it "hot" and spreads it) or removed
// (holds it, lost interest). Spreading stops by itself: each contact may make
// the sender lose interest, by one of four rules (parameter k):
//   feedback-counter  k consecutive unnecessary contacts (reset by a necessary one)
//   feedback-coin     each unnecessary contact: lose interest with probability 1/k
//   blind-counter     after k contacts, feedback or not
//   blind-coin        after each contact, with probability 1/k
// A contact is unnecessary when the recipient already knew that version (or a
// newer one) at the START of its current round: `learnedAt < round`.
// push: infective nodes send their hot entries to `fanout` peers per period.
// pull: every node asks `fanout` peers per period; infective peers answer, and
// the loss-of-interest rule applies at the responder.
import type { NodeId, SirStatus, Version } from '../../proto/contract.js';
import type { Message, MessageType, PullMessage, WireEntry, WireFeedback } from '../messages.js';
import { type Core, type CoreContext, type LearnListener, NO_MASS, type Outbox } from './core.js';
import { wireEntry } from './wire.js';

export type RumorMode = 'push' | 'pull';

/** Volatile per-key rumor state; a key the store holds without one is removed and known since ever. */
interface RumorState {
  /** The node's round when it learned its current version. */
  learnedAt: number;
  hot: boolean;
  /** Counter rules: unnecessary contacts in a row (feedback) or contacts made (blind). */
  count: number;
}

const PULL: PullMessage = { t: 'pull' };

export class RumorCore implements Core, LearnListener {
  /** Incremented at each tick; writes and deliveries after tick r happen in round r. */
  round = 0;
  private readonly rumors = new Map<string, RumorState>();
  private readonly feedback: boolean;
  private readonly counter: boolean;

  constructor(
    private readonly ctx: CoreContext,
    readonly mode: RumorMode,
  ) {
    const rule = ctx.params.lossOfInterest;
    this.feedback = rule === 'feedback-counter' || rule === 'feedback-coin';
    this.counter = rule === 'feedback-counter' || rule === 'blind-counter';
  }

  accepts(type: MessageType): boolean {
    if (type === 'rumor') return true;
    if (type === 'feedback') return this.feedback;
    return type === 'pull' && this.mode === 'pull';
  }

  tick(out: Outbox): void {
    this.round++;
    if (this.mode === 'push') {
      this.pushRumors(out);
      return;
    }
    const { rng, peers, params } = this.ctx;
    const targets = rng.sample(peers, params.fanout);
    for (let i = 0; i < targets.length; i++) out.send(targets[i], PULL);
  }

  /** Push step: one rumor message with every hot entry to each of `fanout` peers. */
  pushRumors(out: Outbox): void {
    const hot = this.hotEntries();
    if (hot.length === 0) return;
    const { rng, peers, params } = this.ctx;
    const targets = rng.sample(peers, params.fanout);
    if (targets.length === 0) return;
    // Every contact of one period carries the same hot set; loss of interest
    // (blind rules) is applied after each contact to the keys still hot.
    const msg: Message = { t: 'rumor', entries: hot };
    for (let i = 0; i < targets.length; i++) {
      out.send(targets[i], msg);
      if (!this.feedback) this.blindContact(hot);
    }
  }

  receive(from: NodeId, msg: Message, out: Outbox): void {
    switch (msg.t) {
      case 'rumor': {
        const items = this.absorb(msg.entries);
        if (this.feedback && items.length > 0) out.send(from, { t: 'feedback', items });
        return;
      }
      case 'pull': {
        const hot = this.hotEntries();
        if (hot.length === 0) return;
        out.send(from, { t: 'rumor', entries: hot });
        if (!this.feedback) this.blindContact(hot);
        return;
      }
      case 'feedback':
        for (let i = 0; i < msg.items.length; i++) this.onFeedback(msg.items[i]);
        return;
      default:
        return;
    }
  }

  write(key: string, value: string, _out: Outbox): Version {
    const version = this.ctx.store.localWrite(key, value, this.ctx.writer);
    this.learned(key);
    return version;
  }

  /** A newer version became known here: it is hot, with a fresh counter. */
  learned(key: string): void {
    const st = this.rumors.get(key);
    if (st) {
      st.learnedAt = this.round;
      st.hot = true;
      st.count = 0;
    } else this.rumors.set(key, { learnedAt: this.round, hot: true, count: 0 });
  }

  status(key: string): SirStatus | undefined {
    if (!this.ctx.store.get(key)) return 'susceptible';
    return this.rumors.get(key)?.hot ? 'infective' : 'removed';
  }

  mass(): { sum: number; weight: number } {
    return NO_MASS;
  }

  /** Merges rumor entries and judges each contact (feedback items are built only when they will be sent). */
  private absorb(entries: readonly WireEntry[]): WireFeedback[] {
    const items: WireFeedback[] = [];
    const store = this.ctx.store;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      let unnecessary = false;
      if (store.merge(e.k, e.v, { counter: e.c, origin: e.o })) this.learned(e.k);
      else {
        // We hold this version or newer; unnecessary iff we held it before this round began.
        const st = this.rumors.get(e.k);
        unnecessary = st === undefined || st.learnedAt < this.round;
      }
      if (this.feedback) items.push({ k: e.k, c: e.c, o: e.o, u: unnecessary });
    }
    return items;
  }

  private onFeedback(item: WireFeedback): void {
    const st = this.rumors.get(item.k);
    if (!st?.hot) return;
    // Feedback about a version we have since replaced says nothing about the current rumor.
    const current = this.ctx.store.get(item.k);
    if (!current || current.version.counter !== item.c || current.version.origin !== item.o) return;
    const k = this.ctx.params.rumorK;
    if (this.counter) {
      if (!item.u) st.count = 0;
      else if (++st.count >= k) st.hot = false;
    } else if (item.u && this.ctx.rng.chance(1 / k)) st.hot = false;
  }

  private blindContact(sent: readonly WireEntry[]): void {
    const k = this.ctx.params.rumorK;
    for (let i = 0; i < sent.length; i++) {
      const st = this.rumors.get(sent[i].k);
      if (!st?.hot) continue;
      if (this.counter) {
        if (++st.count >= k) st.hot = false;
      } else if (this.ctx.rng.chance(1 / k)) st.hot = false;
    }
  }

  private hotEntries(): WireEntry[] {
    const out: WireEntry[] = [];
    for (const [k, st] of this.rumors) {
      if (!st.hot) continue;
      const e = wireEntry(this.ctx.store, k);
      if (e) out.push(e);
    }
    return out;
  }
}
