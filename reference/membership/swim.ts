// SWIM membership with suspicion (Das, Gupta, Motivala 2002), sans-I/O.
//
// Each protocol period (`probePeriod` ticks) a member probes one other member,
// round-robin over a shuffled list of the members it holds alive or suspect
// (the paper's §4.3 extension; a newcomer is inserted at a random position):
//   tick 0 of a period: the previous probe, still unacknowledged after its
//     indirect phase, makes its target SUSPECT; then a ping to the next target;
//   tick 1: no ack yet -> ping-req to k other members, who ping the target
//     with their own sequence number and relay its ack.
// A suspicion not refuted within `suspicionPeriods` periods of a member
// learning it makes that member declare the suspect DEAD. A member refutes
// any suspicion, death or leave of itself (at its incarnation or above) by
// gossiping itself ALIVE with a higher incarnation.
// Updates spread infection-style, piggybacked on pings, acks and ping-reqs:
// each update is sent ceil(lambda * log2(n + 1)) times by each member that
// learned it (updates about the recipient first, then the least sent).
// Join and anti-entropy follow hashicorp/memberlist: a full-state push-pull
// exchange, with a seed until one answers, then every `pushPullPeriods`
// periods with a random member held alive, and one held dead (Serf-style
// reconnect, so that both sides of a healed partition meet again).
// A clean stop is a graceful leave: the member's LEFT update goes to every
// member it holds alive or suspect, and spreads from there.
// Every random choice comes from the node's Rng: same seed, same behaviour.
import type {
  Member,
  MemberStatus,
  MembershipParams,
  NodeId,
  SirStatus,
  Version,
} from '../../proto/contract.js';
import type { Message, MessageType } from '../messages.js';
import type { Core, CoreContext, Outbox } from '../variants/core.js';
import { NO_MASS } from '../variants/core.js';
import { MEMBERSHIP_TYPES, type WireUpdate } from './messages.js';

/** Updates piggybacked on one ping, ack or ping-req, at most (memberlist fills a UDP packet instead). */
export const MAX_PIGGYBACK = 8;

const RANK: Record<MemberStatus, number> = { alive: 0, suspect: 1, dead: 2, left: 3 };

/** True when (i, s) overrides (ci, cs): a higher incarnation, or the same one with a stronger status. */
export function overrides(i: number, s: MemberStatus, ci: number, cs: MemberStatus): boolean {
  return i > ci || (i === ci && RANK[s] > RANK[cs]);
}

interface MemberState {
  status: MemberStatus;
  inc: number;
  /** Tick count when this member learned the suspicion (status suspect). */
  since: number;
}

interface Probe {
  target: NodeId;
  seq: number;
  acked: boolean;
  indirect: boolean;
}

interface Queued {
  u: WireUpdate;
  sent: number;
  /** Insertion order, for a deterministic tie-break. */
  order: number;
}

export class SwimCore implements Core {
  private readonly p: MembershipParams;
  protected readonly members = new Map<NodeId, MemberState>();
  private inc = 0;
  private ticks = 0;
  private seq = 0;
  private probe: Probe | null = null;
  private probeList: NodeId[] = [];
  private probeAt = 0;
  /** ping-req relays: our ping's sequence number -> whom to ack, with their sequence number. */
  private readonly relays = new Map<number, { to: NodeId; q: number }>();
  private readonly queue = new Map<NodeId, Queued>();
  private order = 0;
  /** True once a push-pull exchange completed (a join through a seed or peer). */
  protected joined = false;
  private readonly contacts: readonly NodeId[];

  constructor(private readonly ctx: CoreContext) {
    this.p = ctx.params.membership!;
    for (const peer of ctx.peers) this.members.set(peer, { status: 'alive', inc: 0, since: 0 });
    const seeds = ctx.seeds ?? [];
    this.contacts = (seeds.length > 0 ? seeds : ctx.peers).filter((s) => s !== ctx.id);
    if (this.contacts.length === 0) this.joined = true;
  }

  accepts(type: MessageType): boolean {
    return (MEMBERSHIP_TYPES as readonly string[]).includes(type);
  }

  /** Members held alive or suspect, self excluded, in id order. */
  private reachable(): NodeId[] {
    const out: NodeId[] = [];
    for (const [id, m] of this.members) if (m.status === 'alive' || m.status === 'suspect') out.push(id);
    return out.sort();
  }

  /** ceil(lambda * log2(n + 1)), n the members held alive or suspect (self included). */
  retransmitLimit(): number {
    const n = this.reachable().length + 1;
    return Math.max(1, Math.ceil(this.p.retransmitMult * Math.log2(n + 1)));
  }

  tick(out: Outbox): void {
    const t = this.ticks++;
    const T = this.p.probePeriod;
    const phase = t % T;
    const period = Math.floor(t / T);
    this.expireSuspicions(t);
    if (phase === 0) {
      const pr = this.probe;
      if (pr && !pr.acked) this.probeFailed(pr.target, t);
      this.probe = null;
      this.relays.clear();
      if (!this.joined) {
        const seed = this.contacts[period % this.contacts.length];
        out.send(seed, { t: 'push-pull', j: true, u: this.fullState() });
      } else if (period > 0 && period % this.p.pushPullPeriods === 0) {
        this.antiEntropy(out);
      }
      const target = this.nextTarget();
      if (target !== undefined) {
        const seq = ++this.seq;
        this.probe = { target, seq, acked: false, indirect: false };
        out.send(target, { t: 'ping', q: seq, u: this.piggyback(target) });
      }
    } else if (phase === 1) {
      const pr = this.probe;
      if (pr && !pr.acked && !pr.indirect) {
        pr.indirect = true;
        for (const h of this.indirectHelpers(pr.target)) {
          out.send(h, { t: 'ping-req', q: pr.seq, x: pr.target, u: this.piggyback(h) });
        }
      }
    }
  }

  /** The k members asked to probe `target` on this member's behalf (ping-req). */
  protected indirectHelpers(target: NodeId): NodeId[] {
    const helpers = this.reachable().filter((id) => id !== target);
    return this.ctx.rng.sample(helpers, this.p.indirectProbes);
  }

  /** Periodic push-pull: with a random member held alive, and one held dead. */
  protected antiEntropy(out: Outbox): void {
    const alive = this.reachable();
    if (alive.length > 0) out.send(alive[this.ctx.rng.int(alive.length)], this.pushPull());
    this.reconnect(out);
  }

  /** The push-pull with a random member held dead (Serf-style reconnect). */
  protected reconnect(out: Outbox): void {
    const dead: NodeId[] = [];
    for (const [id, m] of this.members) if (m.status === 'dead') dead.push(id);
    dead.sort();
    if (dead.length > 0) out.send(dead[this.ctx.rng.int(dead.length)], this.pushPull());
  }

  /** A probe unacknowledged after its indirect phase: its target becomes suspect. */
  protected probeFailed(target: NodeId, t: number): void {
    this.suspect(target, t);
  }

  private pushPull(): Message {
    return { t: 'push-pull', j: true, u: this.fullState() };
  }

  /** Round-robin over a shuffled list; reshuffled at the end of each pass. */
  private nextTarget(): NodeId | undefined {
    for (let tries = 0; tries < 2; tries++) {
      while (this.probeAt < this.probeList.length) {
        const id = this.probeList[this.probeAt++];
        const m = this.members.get(id);
        if (m && (m.status === 'alive' || m.status === 'suspect')) return id;
      }
      this.probeList = this.reachable();
      this.ctx.rng.shuffle(this.probeList);
      this.probeAt = 0;
      if (this.probeList.length === 0) return undefined;
    }
    return undefined;
  }

  private expireSuspicions(t: number): void {
    const limit = this.p.suspicionPeriods * this.p.probePeriod;
    for (const [id, m] of this.members) {
      if (m.status === 'suspect' && t - m.since >= limit) this.set(id, 'dead', m.inc);
    }
  }

  private suspect(id: NodeId, t: number): void {
    const m = this.members.get(id);
    if (m && m.status === 'alive') {
      this.set(id, 'suspect', m.inc);
      this.members.get(id)!.since = t;
    }
  }

  /** Sets a member's state and queues the update for dissemination. */
  protected set(id: NodeId, status: MemberStatus, inc: number): void {
    const known = this.members.get(id);
    this.members.set(id, { status, inc, since: this.ticks });
    if (!known && (status === 'alive' || status === 'suspect')) {
      // A newcomer joins the probe order at a random position of the rest of this pass.
      const rest = this.probeList.length - this.probeAt;
      this.probeList.splice(this.probeAt + this.ctx.rng.int(rest + 1), 0, id);
    }
    this.enqueue({ m: id, s: status, i: inc });
  }

  private enqueue(u: WireUpdate): void {
    this.queue.set(u.m, { u, sent: 0, order: this.order++ });
  }

  /** Applies one update (SWIM's precedence rules); refutes what concerns this node. */
  private apply(u: WireUpdate): void {
    if (u.m === this.ctx.id) {
      this.refute(u);
      return;
    }
    const cur = this.members.get(u.m);
    if (cur && !this.overrides(u.i, u.s, cur.inc, cur.status)) return;
    this.set(u.m, u.s, u.i);
  }

  /** An update about this node: a suspicion, death or leave at its incarnation or above is refuted. */
  protected refute(u: WireUpdate): void {
    if (u.i > this.inc || (u.i === this.inc && u.s !== 'alive')) {
      this.inc = u.s === 'alive' ? u.i : u.i + 1;
      this.enqueue({ m: this.ctx.id, s: 'alive', i: this.inc });
    }
  }

  /** SWIM's precedence between an update (i, s) and the state held (ci, cs). */
  protected overrides(i: number, s: MemberStatus, ci: number, cs: MemberStatus): boolean {
    return overrides(i, s, ci, cs);
  }

  private applyAll(us: readonly WireUpdate[]): void {
    for (let i = 0; i < us.length; i++) this.apply(us[i]);
  }

  /** Updates to piggyback on a message to `to`: those about `to` first, then the least sent. */
  private piggyback(to: NodeId): WireUpdate[] {
    if (this.queue.size === 0) return [];
    const limit = this.retransmitLimit();
    const items = [...this.queue.values()].sort(
      (a, b) => (a.u.m === to ? 0 : 1) - (b.u.m === to ? 0 : 1) || a.sent - b.sent || a.order - b.order,
    );
    const out: WireUpdate[] = [];
    for (const q of items) {
      if (out.length >= MAX_PIGGYBACK) break;
      if (q.u.m === to && q.u.m !== this.ctx.id && q.u.s === 'alive') continue;
      out.push(q.u);
      if (++q.sent >= limit) this.queue.delete(q.u.m);
    }
    return out;
  }

  /** Every member held, self included, in id order. */
  private fullState(): WireUpdate[] {
    return this.view().map((m) => ({ m: m.id, s: m.status, i: m.incarnation }));
  }

  receive(from: NodeId, msg: Message, out: Outbox): void {
    switch (msg.t) {
      case 'ping':
        this.applyAll(msg.u);
        out.send(from, { t: 'ack', q: msg.q, u: this.piggyback(from) });
        return;
      case 'ack': {
        this.applyAll(msg.u);
        const pr = this.probe;
        if (pr && pr.seq === msg.q) {
          pr.acked = true;
          return;
        }
        const relay = this.relays.get(msg.q);
        if (relay) {
          this.relays.delete(msg.q);
          out.send(relay.to, { t: 'ack', q: relay.q, u: this.piggyback(relay.to) });
        }
        return;
      }
      case 'ping-req': {
        this.applyAll(msg.u);
        if (msg.x === this.ctx.id) return;
        const seq = ++this.seq;
        this.relays.set(seq, { to: from, q: msg.q });
        out.send(msg.x, { t: 'ping', q: seq, u: this.piggyback(msg.x) });
        return;
      }
      case 'push-pull':
        this.applyAll(msg.u);
        this.joined = true;
        if (msg.j) out.send(from, { t: 'push-pull', j: false, u: this.fullState() });
        return;
      case 'leave':
        this.applyAll(msg.u);
        return;
      default:
        return;
    }
  }

  leave(out: Outbox): void {
    const msg: Message = { t: 'leave', u: [{ m: this.ctx.id, s: 'left', i: this.inc }] };
    for (const id of this.reachable()) out.send(id, msg);
  }

  view(): Member[] {
    const out: Member[] = [{ id: this.ctx.id, status: 'alive', incarnation: this.inc }];
    for (const [id, m] of this.members) out.push({ id, status: m.status, incarnation: m.inc });
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** A membership node keeps client writes locally; it replicates nothing but its view. */
  write(key: string, value: string, _out: Outbox): Version {
    return this.ctx.store.localWrite(key, value, this.ctx.writer);
  }

  status(_key: string): SirStatus | undefined {
    return undefined;
  }

  mass(): { sum: number; weight: number } {
    return NO_MASS;
  }
}
