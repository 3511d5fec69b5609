// Per-rumor measurements shared by the rumor checks: for each written key, its
// last acknowledged version, the residue s (share of live nodes lacking it at
// the end) and the traffic m (envelopes carrying the key per node, per write).
import { compareVersions, type Version } from '../proto/contract.js';
import { entryMap, type HistoryView, holdsAtLeast } from './view.js';

export interface RumorStat {
  key: string;
  version: Version;
  /** Residue: share of live nodes without `version` (or newer) at the end. */
  s: number;
  /** Traffic: envelopes carrying the key, per node and per write of the key. */
  m: number;
}

export function rumorStats(v: HistoryView): RumorStat[] {
  const latest = new Map<string, Version>();
  for (const { ack } of v.acks) {
    const cur = latest.get(ack.key);
    if (!cur || compareVersions(ack.version, cur) > 0) latest.set(ack.key, ack.version);
  }
  const writes = new Map<string, number>();
  for (const u of v.updates) writes.set(u.key, (writes.get(u.key) ?? 0) + 1);
  const carried = new Map<string, number>();
  for (const s of v.sends) for (const k of s.keys) carried.set(k, (carried.get(k) ?? 0) + 1);
  const live = Math.max(1, v.live.length);
  return [...latest]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, version]) => {
      const lacking = v.live.filter(
        (x) => !holdsAtLeast(entryMap(v.lastRead.get(x)?.entries ?? []).get(key), version),
      );
      const m = (carried.get(key) ?? 0) / Math.max(1, v.n) / Math.max(1, writes.get(key) ?? 1);
      return { key, version, s: lacking.length / live, m };
    });
}
