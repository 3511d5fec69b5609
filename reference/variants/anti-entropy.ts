// Anti-entropy (Demers et al. 1987 §1.3), the SI model: a node periodically
// reconciles its whole store with random peers. A (key, version) digest goes
// first so only entries the other side lacks or holds older ever travel:
//   pull:      A -> B digest;  B -> A entries newer than A's digest
//   push:      A -> B digest;  B -> A want (keys where A is newer);  A -> B entries
//   push-pull: A -> B digest;  B -> A entries-want (both at once);  A -> B entries
// Empty replies are omitted.
import { compareVersions, type NodeId, type SirStatus, type Version } from '../../proto/contract.js';
import type { DigestMessage, Message, MessageType, WireEntry, WireVersion } from '../messages.js';
import type { Store, StoredEntry } from '../store.js';
import { type Core, type CoreContext, type LearnListener, NO_MASS, type Outbox } from './core.js';
import { entriesFor, mergeEntries, wireEntry } from './wire.js';

export type AntiEntropyMode = 'push' | 'pull' | 'push-pull';

const ACCEPTS: Record<AntiEntropyMode, readonly MessageType[]> = {
  push: ['digest', 'want', 'entries'],
  pull: ['digest', 'entries'],
  // 'entries' and 'want' also arrive when an oversize entries-want was split.
  'push-pull': ['digest', 'entries-want', 'entries', 'want'],
};

/** The exchange logic alone, shared by the anti-entropy cores and the hybrid. */
export class AntiEntropy {
  /**
   * The store's working copy, held directly: at n = 10^6 the cost of a message
   * is mostly reaching its node's objects, and an empty store (most of them,
   * early on) is then told by one object instead of two.
   */
  private readonly entries: ReadonlyMap<string, StoredEntry>;

  constructor(
    private readonly store: Store,
    readonly mode: AntiEntropyMode,
    private readonly listener: LearnListener | null,
  ) {
    this.entries = store.entries;
  }

  accepts(type: MessageType): boolean {
    return ACCEPTS[this.mode].includes(type);
  }

  /** Opens one exchange with each of `targets`. */
  initiate(targets: readonly NodeId[], out: Outbox): void {
    if (targets.length === 0) return;
    const msg = digestOf(this.entries);
    for (let i = 0; i < targets.length; i++) out.send(targets[i], msg);
  }

  receive(from: NodeId, msg: Message, out: Outbox): void {
    const store = this.store;
    switch (msg.t) {
      case 'digest': {
        // Nothing of an empty store is newer than anything.
        const entries = this.mode === 'push' || this.entries.size === 0 ? [] : newerThan(store, msg);
        const want = this.mode === 'pull' ? [] : wantedFrom(store, msg.versions);
        if (this.mode === 'push-pull') {
          if (entries.length > 0 || want.length > 0) out.send(from, { t: 'entries-want', entries, want });
        } else if (entries.length > 0) out.send(from, { t: 'entries', entries });
        else if (want.length > 0) out.send(from, { t: 'want', keys: want });
        return;
      }
      case 'want': {
        const entries = entriesFor(store, msg.keys);
        if (entries.length > 0) out.send(from, { t: 'entries', entries });
        return;
      }
      case 'entries-want': {
        mergeEntries(store, msg.entries, this.listener);
        const entries = entriesFor(store, msg.want);
        if (entries.length > 0) out.send(from, { t: 'entries', entries });
        return;
      }
      case 'entries':
        mergeEntries(store, msg.entries, this.listener);
        return;
      default:
        return;
    }
  }
}

/** Every key with its version: the whole store in one digest (split later only if oversize). */
export function digestOf(entries: ReadonlyMap<string, StoredEntry>): DigestMessage {
  const versions: WireVersion[] = [];
  for (const [k, e] of entries) versions.push({ k, c: e.version.counter, o: e.version.origin });
  return { t: 'digest', lo: null, hi: null, versions };
}

/**
 * Digests up to this long are searched in place instead of through a Map: at
 * n = 10^6 a Map per received digest (almost all hold 0 or 1 versions) was the
 * exchange's largest allocation. Same answer: the last version of a key wins,
 * as Map.set keeps the last.
 */
const SCAN_LIMIT = 8;

function versionMap(versions: readonly WireVersion[]): Map<string, Version> {
  const m = new Map<string, Version>();
  for (let i = 0; i < versions.length; i++) {
    const v = versions[i];
    m.set(v.k, { counter: v.c, origin: v.o });
  }
  return m;
}

/** The digest's (last) version of `k`, by a scan from the end. */
function lastVersion(versions: readonly WireVersion[], k: string): WireVersion | undefined {
  for (let i = versions.length - 1; i >= 0; i--) if (versions[i].k === k) return versions[i];
  return undefined;
}

/** Our entries within the digest's key range that the digest lacks or holds older. */
function newerThan(store: Store, digest: DigestMessage): WireEntry[] {
  const out: WireEntry[] = [];
  const { lo, hi, versions } = digest;
  const theirs = versions.length > SCAN_LIMIT ? versionMap(versions) : null;
  for (const [k, e] of store.entries) {
    if ((lo !== null && k <= lo) || (hi !== null && k > hi)) continue;
    let newer: boolean;
    if (theirs) {
      const v = theirs.get(k);
      newer = v === undefined || compareVersions(e.version, v) > 0;
    } else {
      const w = lastVersion(versions, k);
      // compareVersions(e.version, w) > 0, on the wire form.
      newer =
        w === undefined || (e.version.counter === w.c ? e.version.origin > w.o : e.version.counter > w.c);
    }
    if (newer) out.push(wireEntry(store, k)!);
  }
  return out;
}

/** Keys the digest holds newer than we do. */
function wantedFrom(store: Store, versions: readonly WireVersion[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < versions.length; i++) {
    const v = versions[i];
    if (!store.has(v.k, { counter: v.c, origin: v.o })) out.push(v.k);
  }
  return out;
}

/**
 * Anti-entropy as a variant: each period, one exchange with each of `fanout`
 * random peers. It is the exchange itself (a subclass, not a wrapper around
 * one): at n = 10^6 every message reaches its node through one object fewer.
 */
export class AntiEntropyCore extends AntiEntropy implements Core {
  constructor(
    private readonly ctx: CoreContext,
    mode: AntiEntropyMode,
  ) {
    super(ctx.store, mode, null);
  }

  tick(out: Outbox): void {
    const { rng, peers, params } = this.ctx;
    this.initiate(rng.sample(peers, params.fanout), out);
  }

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
