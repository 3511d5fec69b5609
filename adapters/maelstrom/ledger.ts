// The key-value view of a Maelstrom broadcast node. Maelstrom's broadcast
// workload is a grow-only set of integers; the contract's store is
// last-writer-wins keys. The adapter bridges them with a ledger of writes:
// every write becomes a fresh integer (1, 2, 3, ... in the order the adapter
// receives writes), remembered with its key, value and version (counter = the
// integer, origin = the writing node). A node's read_ok set then reads back as,
// per key, the highest-versioned write it holds: for a run that writes every
// key once this is exactly Maelstrom's set (an acknowledged value missing is a
// lost update); for repeated keys it is last-writer-wins, as the contract asks.
import { compareVersions, type Entry, type NodeId, type Version, type Write } from '../../proto/contract.js';

interface Written {
  key: string;
  value: string;
  version: Version;
}

/** A read_ok's messages as the contract's entries, and the values no write of this ledger made. */
export interface ReadBack {
  entries: Entry[];
  unknown: unknown[];
}

/** The integer a broadcast value stands for: a number, or a string that spells one ("7"). */
function asInteger(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : Number.NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

export class WriteLedger {
  private readonly writes: Written[] = [];

  /** Records `w`; returns the integer to broadcast and the version the write gets. */
  record(w: Write): { message: number; version: Version } {
    const message = this.writes.length + 1;
    const version = { counter: message, origin: w.node as NodeId };
    this.writes.push({ key: w.key, value: w.value, version });
    return { message, version };
  }

  private written(v: unknown): Written | undefined {
    const n = asInteger(v);
    return n === undefined ? undefined : this.writes[n - 1];
  }

  /** The entries a node holding `messages` (a read_ok's array) has: per key, its newest write. */
  readBack(messages: readonly unknown[]): ReadBack {
    const newest = new Map<string, Written>();
    const unknown: unknown[] = [];
    for (const m of messages) {
      const w = this.written(m);
      if (!w) {
        unknown.push(m);
        continue;
      }
      const held = newest.get(w.key);
      if (!held || compareVersions(w.version, held.version) > 0) newest.set(w.key, w);
    }
    const entries = [...newest.values()]
      .map((w): Entry => ({ key: w.key, value: w.value, version: w.version }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { entries, unknown };
  }

  /** The keys whose writes the values carry (valueKeys, protocol.ts carriedValues), sorted, once each. */
  keysOf(valueKeys: readonly string[]): string[] {
    const keys = new Set<string>();
    for (const vk of valueKeys) {
      let v: unknown;
      try {
        v = JSON.parse(vk);
      } catch {
        continue;
      }
      const w = this.written(v);
      if (w) keys.add(w.key);
    }
    return [...keys].sort();
  }
}
