// The reads of a lockstep run: a node's read is recorded only when its state
// differs from the node's last recorded read (always when final), compared
// as the history's JSON would compare it.
import type { NodeId, Snapshot } from '../../proto/contract.js';
import type { HistoryEvent, ReadEntry, ReadMember } from '../history/events.js';
import { snapshotOrderProblem } from '../history/snapshot-order.js';

/** What a read showed of a node, to record the next read only when it differs. */
interface ReadState {
  entries: ReadEntry[];
  /** Membership view, when the snapshot has one. */
  members?: ReadMember[];
  estimate: number;
  sum: number;
  weight: number;
}

/** Equal as JSON text: non-finite numbers all serialise as null, and 0 as -0. */
function sameNumber(a: number, b: number): boolean {
  return a === b || (!Number.isFinite(a) && !Number.isFinite(b));
}

/**
 * True when `a` and `b` would serialise to the same JSON (the history's
 * equality), compared field by field instead of building the text per node.
 */
function sameState(a: ReadState | undefined, b: ReadState): boolean {
  if (a === undefined || a.entries.length !== b.entries.length) return false;
  if (a.members !== b.members && JSON.stringify(a.members) !== JSON.stringify(b.members)) return false;
  if (!sameNumber(a.estimate, b.estimate) || !sameNumber(a.sum, b.sum) || !sameNumber(a.weight, b.weight))
    return false;
  for (let i = 0; i < a.entries.length; i++) {
    const x = a.entries[i];
    const y = b.entries[i];
    if (x[0] !== y[0] || x[1] !== y[1] || !sameNumber(x[2], y[2]) || x[3] !== y[3]) return false;
    // Status is not validated (an in-process IUT may return anything): compare as JSON unless identical.
    if (x[4] !== y[4] && JSON.stringify(x[4]) !== JSON.stringify(y[4])) return false;
  }
  return true;
}

/** The last recorded read of each node, and the recording of the next one. */
export class ReadLog {
  private readonly lastRead = new Map<NodeId, ReadState>();

  constructor(private readonly record: (e: HistoryEvent) => void) {}

  /** The node's next read is recorded whatever it holds (after a crash or a leave). */
  forget(node: NodeId): void {
    this.lastRead.delete(node);
  }

  has(node: NodeId): boolean {
    return this.lastRead.has(node);
  }

  /** Records `node`'s snapshot when it differs from the node's last recorded read (always when `final`). */
  recordRead(r: number, node: NodeId, s: Snapshot, final: boolean): void {
    const unsorted = snapshotOrderProblem(s);
    const entries: ReadEntry[] = s.entries
      .map((e): ReadEntry => [e.key, e.value, e.version.counter, e.version.origin, e.status ?? null])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const state: ReadState = { entries, estimate: s.estimate, sum: s.sum, weight: s.weight };
    const view = Array.isArray(s.memberView) && s.memberView.length > 0 ? s.memberView : undefined;
    if (view) {
      state.members = view
        .map((m): ReadMember => [String(m.id), m.status, Number(m.incarnation)])
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    }
    if (!final && !unsorted && sameState(this.lastRead.get(node), state)) return;
    // A copy: the recorded event's entries go to `record`, which may keep or change them.
    this.lastRead.set(node, {
      ...state,
      entries: entries.map((e): ReadEntry => [e[0], e[1], e[2], e[3], e[4]]),
    });
    const members = state.members;
    this.record({
      t: 'read',
      r,
      node,
      entries,
      estimate: s.estimate,
      sum: s.sum,
      weight: s.weight,
      final,
      ...(members ? { members: members.map((m): ReadMember => [m[0], m[1], m[2]]) } : {}),
      ...(unsorted ? { unsorted } : {}),
    });
  }
}
