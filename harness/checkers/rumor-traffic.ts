// Push rumor mongering: traffic m (rumor-carrying messages per node) and
// residue s (share of live nodes that never heard the rumor) obey s = e^-m.
import { compareVersions, type Version } from '../../proto/contract.js';
import { type CaseInfo, type Verdict, verdictOf } from './verdict.js';
import { entryMap, type HistoryView, holdsAtLeast } from './view.js';

export const RUMOR_TRAFFIC: CaseInfo = {
  id: 'bounds/rumor-traffic',
  requirement:
    'Push rumor mongering SHOULD be as efficient as theory: the residue s does not exceed e^-m for its traffic m, beyond sampling error.',
  level: 'SHOULD',
  source:
    'Demers et al. 1987 §1.4: for push rumor mongering s = e^-m, m = messages per site; tolerance 3·sqrt(e^-m(1-e^-m)/n) + 1/n (binomial sampling error of s at n sites)',
};

export function checkRumorTraffic(v: HistoryView): Verdict {
  const latest = new Map<string, Version>();
  for (const { ack } of v.acks) {
    const cur = latest.get(ack.key);
    if (!cur || compareVersions(ack.version, cur) > 0) latest.set(ack.key, ack.version);
  }
  const writes = new Map<string, number>();
  for (const u of v.updates) writes.set(u.key, (writes.get(u.key) ?? 0) + 1);
  const carried = new Map<string, number>();
  for (const s of v.sends) for (const k of s.keys) carried.set(k, (carried.get(k) ?? 0) + 1);
  const n = Math.max(1, v.live.length);
  const details: string[] = [];
  let ok = true;
  for (const [key, ver] of [...latest].sort()) {
    const lacking = v.live.filter(
      (x) => !holdsAtLeast(entryMap(v.lastRead.get(x)?.entries ?? []).get(key), ver),
    );
    const s = lacking.length / n;
    const m = (carried.get(key) ?? 0) / Math.max(1, v.n) / Math.max(1, writes.get(key) ?? 1);
    const theory = Math.exp(-m);
    const allowed = theory + 3 * Math.sqrt((theory * (1 - theory)) / n) + 1 / n;
    if (s > allowed) ok = false;
    details.push(
      `${key}: s = ${s.toFixed(3)}, m = ${m.toFixed(2)}, e^-m = ${theory.toFixed(3)}, allowed <= ${allowed.toFixed(3)}`,
    );
  }
  return verdictOf(RUMOR_TRAFFIC, ok, {
    expected: 's <= e^-m + 3σ + 1/n for every rumor',
    observed: details.length ? (ok ? 'within' : 'residue above the band') : 'no acknowledged update',
    details,
  });
}
