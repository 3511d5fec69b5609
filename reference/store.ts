// Versioned last-writer-wins key/value store, the replicated state of every
// key/value variant. Merge is a join (keep the greater version), so replicas
// converge whatever order or number of times updates arrive.
import { compareVersions, type NodeId, type Version } from '../proto/contract.js';

/** Immutable once stored, so the durable mirror and messages can share it. */
export interface StoredEntry {
  readonly value: string;
  readonly version: Version;
}

export class Store {
  /** The working copy the protocol reads. */
  readonly entries: Map<string, StoredEntry>;

  /**
   * `durable` stands in for the node's disk: every change is written through to
   * it, so it survives a crash that loses everything else. Its current content
   * seeds the working copy (empty on a fresh start).
   */
  constructor(private readonly durable: Map<string, StoredEntry>) {
    this.entries = new Map(durable);
  }

  get(key: string): StoredEntry | undefined {
    return this.entries.get(key);
  }

  /** A client write: one past the counter this node knows for the key, so it beats every version seen here. */
  localWrite(key: string, value: string, origin: NodeId): Version {
    const current = this.entries.get(key);
    const version: Version = { counter: (current ? current.version.counter : 0) + 1, origin };
    this.set(key, { value, version });
    return version;
  }

  /** Keeps the greater version; returns true when the incoming entry replaced (or created) ours. */
  merge(key: string, value: string, version: Version): boolean {
    const current = this.entries.get(key);
    if (current && compareVersions(version, current.version) <= 0) return false;
    this.set(key, { value, version: { counter: version.counter, origin: version.origin } });
    return true;
  }

  /** True when the store holds the key at `version` or newer. */
  has(key: string, version: Version): boolean {
    const current = this.entries.get(key);
    return current !== undefined && compareVersions(current.version, version) >= 0;
  }

  private set(key: string, entry: StoredEntry): void {
    this.entries.set(key, entry);
    this.durable.set(key, entry);
  }
}
