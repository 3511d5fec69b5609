// The endpoint side of RoundRequest: consecutive fault-free lockstep rounds
// played on any GossipEndpoint through its own Tick, Deliver and Read, in
// exactly the order the harness would call them (gossip.proto, RoundRequest),
// so a stretch of quiet rounds costs one Session message instead of three or
// more per round.
import type {
  Envelope,
  GossipEndpoint,
  NodeId,
  PlayedRound,
  RoundCall,
  RoundHop,
  RoundResult,
  Snapshot,
} from './contract.js';

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** The last snapshot a Session returned per node, for RoundRequest.only_changed. */
export class SnapshotMemory {
  private readonly last = new Map<NodeId, Snapshot>();

  /** Nodes Init'ed again: their next snapshot is sent whatever it holds. */
  forget(nodes: readonly NodeId[]): void {
    for (const n of nodes) this.last.delete(n);
  }

  /** Snapshots about to be returned in full (a Read). */
  remember(snaps: readonly Snapshot[]): void {
    for (const s of snaps) this.last.set(s.node, copySnapshot(s));
  }

  /** The snapshots that differ from the last returned for their node; those are remembered. */
  changed(snaps: readonly Snapshot[]): Snapshot[] {
    const out: Snapshot[] = [];
    for (const s of snaps) {
      const prev = this.last.get(s.node);
      if (prev && sameSnapshot(prev, s)) continue;
      this.last.set(s.node, copySnapshot(s));
      out.push(s);
    }
    return out;
  }
}

/** A GossipEndpoint that also plays rounds. */
export type RoundEndpoint = Omit<GossipEndpoint, 'round'> & { round(call: RoundCall): Promise<RoundResult> };

/**
 * `endpoint` as one Session sees it: rounds played on it, with the Session's
 * memory of snapshots (its Reads remembered, Init'ed nodes forgotten).
 */
export function withRounds(endpoint: GossipEndpoint): RoundEndpoint {
  const memory = new SnapshotMemory();
  return {
    init: (nodes, params, clock, harnessAddress) => {
      memory.forget(nodes.map((n) => n.id));
      return endpoint.init(nodes, params, clock, harnessAddress);
    },
    tick: (nodes) => endpoint.tick(nodes),
    deliver: (envelopes) => endpoint.deliver(envelopes),
    update: (writes) => endpoint.update(writes),
    read: async (nodes) => {
      const snaps = await endpoint.read(nodes);
      memory.remember(snaps);
      return snaps;
    },
    stop: (nodes, mode) => endpoint.stop(nodes, mode),
    close: () => endpoint.close(),
    round: (call) => playRound(endpoint, call, memory),
  };
}

/** What a reply cascade did: one RoundHop per Deliver, what is still due, and how much was sent. */
export interface Cascade {
  hops: RoundHop[];
  /** Still due after the last hop: empty unless all `hopLimit` hops ran. */
  left: Envelope[];
  sent: number;
}

/**
 * Delivers `due` hop by hop, up to `hopLimit` hops, each Deliver's answer
 * being the next hop's due: a hop's batch is what is due for `live` nodes
 * (every envelope when absent), in order. Stops at an empty batch, and once
 * more than `max` envelopes were sent (counting `sent` already). A failed
 * Deliver is recorded in its RoundHop and leaves nothing due.
 */
export async function cascade(
  endpoint: GossipEndpoint,
  due: Envelope[],
  hopLimit: number,
  opts: { live?: ReadonlySet<NodeId>; sent?: number; max?: number } = {},
): Promise<Cascade> {
  const { live, max = Number.POSITIVE_INFINITY } = opts;
  const out: Cascade = { hops: [], left: [], sent: opts.sent ?? 0 };
  for (let hop = 1; hop <= hopLimit; hop++) {
    const batch = live ? due.filter((e) => live.has(e.to)) : due;
    if (batch.length === 0) return out;
    try {
      due = await endpoint.deliver(batch);
      out.hops.push({ delivered: batch.length, envelopes: due });
      out.sent += due.length;
    } catch (err) {
      out.hops.push({ delivered: batch.length, envelopes: [], error: asError(err) });
      due = [];
    }
    if (out.sent > max) return out;
  }
  out.left = due;
  return out;
}

export async function playRound(
  endpoint: GossipEndpoint,
  call: RoundCall,
  memory: SnapshotMemory,
): Promise<RoundResult> {
  const played: RoundResult = [];
  const live = new Set(call.nodes);
  let carried = call.due;
  for (const max of call.maxEnvelopes) {
    const round: PlayedRound = { ticked: [], hops: [], snapshots: [] };
    played.push(round);
    try {
      round.ticked = await endpoint.tick(call.nodes);
    } catch (err) {
      round.tickError = asError(err);
      return played;
    }
    if (round.ticked.length > max) return played;
    const due = carried.length > 0 ? carried.concat(round.ticked) : round.ticked;
    const c = await cascade(endpoint, due, call.hopLimit, { live, sent: round.ticked.length, max });
    round.hops = c.hops;
    if (c.sent > max) return played;
    // Past the hop limit what is still due waits for the next round.
    carried = c.left;
    try {
      const snaps = await endpoint.read(call.nodes);
      if (call.onlyChanged) round.snapshots = memory.changed(snaps);
      else {
        memory.remember(snaps);
        round.snapshots = snaps;
      }
    } catch (err) {
      round.readError = asError(err);
      return played;
    }
  }
  return played;
}

function copySnapshot(s: Snapshot): Snapshot {
  return {
    node: s.node,
    entries: s.entries.map((e) => ({ ...e, version: { ...e.version } })),
    estimate: s.estimate,
    sum: s.sum,
    weight: s.weight,
    members: s.members.slice(),
    ...(s.memberView ? { memberView: s.memberView.map((m) => ({ ...m })) } : {}),
  };
}

/** Field by field, numbers by Object.is: stricter than the harness's comparison, never looser. */
function sameSnapshot(a: Snapshot, b: Snapshot): boolean {
  if (!Object.is(a.estimate, b.estimate) || !Object.is(a.sum, b.sum) || !Object.is(a.weight, b.weight))
    return false;
  if (a.entries.length !== b.entries.length || a.members.length !== b.members.length) return false;
  for (let i = 0; i < a.entries.length; i++) {
    const x = a.entries[i];
    const y = b.entries[i];
    if (
      x.key !== y.key ||
      x.value !== y.value ||
      x.status !== y.status ||
      x.version.counter !== y.version.counter ||
      x.version.origin !== y.version.origin
    )
      return false;
  }
  for (let i = 0; i < a.members.length; i++) if (a.members[i] !== b.members[i]) return false;
  const av = a.memberView ?? [];
  const bv = b.memberView ?? [];
  if (av.length !== bv.length) return false;
  for (let i = 0; i < av.length; i++) {
    if (av[i].id !== bv[i].id || av[i].status !== bv[i].status || av[i].incarnation !== bv[i].incarnation)
      return false;
  }
  return true;
}
