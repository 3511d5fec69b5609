// Conversions between stored entries and their wire form, shared by the cores.

import type { WireEntry } from '../messages.js';
import type { Store } from '../store.js';
import type { LearnListener } from './core.js';

export function wireEntry(store: Store, key: string): WireEntry | undefined {
  const e = store.get(key);
  return e ? { k: key, v: e.value, c: e.version.counter, o: e.version.origin } : undefined;
}

/** Merges received entries; tells `listener` about every key that got newer. */
export function mergeEntries(
  store: Store,
  entries: readonly WireEntry[],
  listener: LearnListener | null,
): void {
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (store.merge(e.k, e.v, { counter: e.c, origin: e.o }) && listener) listener.learned(e.k);
  }
}

/** Our current entries for `keys` (keys we do not hold are skipped). */
export function entriesFor(store: Store, keys: readonly string[]): WireEntry[] {
  const out: WireEntry[] = [];
  for (let i = 0; i < keys.length; i++) {
    const e = wireEntry(store, keys[i]);
    if (e) out.push(e);
  }
  return out;
}
