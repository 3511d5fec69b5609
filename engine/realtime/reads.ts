// What the reads of a realtime run saw of each node: whether a read is worth
// recording (its state changed, or it is a client operation or the final
// read) and whether the nodes agree (convergence: the same store, or for
// membership the same view).
import type { NodeId, Snapshot } from '../../proto/contract.js';
import type { EventOf, ReadEntry, ReadMember } from '../history/events.js';

/** 'changed': a periodic read, recorded when the state changed; 'always': a client read; 'final'. */
export type ReadMode = 'changed' | 'always' | 'final';

export class NodeStates {
  /** Per node, its last recorded state as text. */
  private readonly lastState = new Map<NodeId, string>();
  /** Per node, what "the same state" means for convergence, as comparable text: the store, or (membership) the view. */
  private readonly sameStateKey = new Map<NodeId, string>();
  /** Per node, its last membership view (membership runs). */
  private readonly lastView = new Map<NodeId, ReadMember[]>();

  /** Takes in `node`'s snapshot read at `r`; the read event to record, or undefined. */
  observe(node: NodeId, s: Snapshot, r: number, mode: ReadMode): EventOf<'read'> | undefined {
    const entries: ReadEntry[] = s.entries
      .map((e): ReadEntry => [e.key, e.value, e.version.counter, e.version.origin, e.status ?? null])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const members: ReadMember[] | undefined = s.memberView?.length
      ? s.memberView.map((m): ReadMember => [m.id, m.status, m.incarnation])
      : undefined;
    const state = JSON.stringify([entries, s.estimate, s.sum, s.weight, members ?? null]);
    this.sameStateKey.set(
      node,
      members ? JSON.stringify(members) : JSON.stringify(entries.map((e) => e.slice(0, 4))),
    );
    if (members) this.lastView.set(node, members);
    else this.lastView.delete(node);
    if (mode === 'changed' && this.lastState.get(node) === state) return undefined;
    this.lastState.set(node, state);
    return {
      t: 'read',
      r,
      node,
      entries,
      estimate: s.estimate,
      sum: s.sum,
      weight: s.weight,
      final: mode === 'final',
      ...(members ? { members } : {}),
    };
  }

  /** A restarted node starts afresh: its next read is recorded, whatever it holds. */
  forget(node: NodeId): void {
    this.lastState.delete(node);
    this.sameStateKey.delete(node);
    this.lastView.delete(node);
  }

  /** [nodes of `live` holding the most common state, live nodes]. */
  share(live: readonly NodeId[]): [number, number] {
    const counts = new Map<string, number>();
    for (const n of live) {
      const k = this.sameStateKey.get(n) ?? '';
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return [Math.max(0, ...counts.values()), live.length];
  }

  /** Membership: the first node's view holds every node of `up` alive (one agreed view is not enough). */
  allAlive(up: readonly NodeId[]): boolean {
    const members = this.lastView.get(up[0]) ?? [];
    return up.every((m) => members.some(([id, status]) => id === m && status === 'alive'));
  }
}
