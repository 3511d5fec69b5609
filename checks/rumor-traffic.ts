// Push rumor mongering: traffic m (rumor-carrying messages per node) and
// residue s (share of live nodes that never heard the rumor) obey s = e^-m.

import { rumorStats } from './rumor-stats.js';
import { type CheckInfo, type Verdict, verdictOf } from './verdict.js';
import type { HistoryView } from './view.js';

export const RUMOR_TRAFFIC: CheckInfo = {
  id: 'bounds/rumor-traffic',
  requirement:
    'Push rumor mongering SHOULD be as efficient as theory: the residue s does not exceed e^-m for its traffic m, beyond sampling error.',
  level: 'SHOULD',
  source:
    'Demers et al. 1987 §1.4: for push rumor mongering s = e^-m, m = messages per site; tolerance 3·sqrt(e^-m(1-e^-m)/n) + 1/n (binomial sampling error of s at n sites)',
};

export function checkRumorTraffic(v: HistoryView): Verdict {
  const n = Math.max(1, v.live.length);
  const details: string[] = [];
  let ok = true;
  const stats = rumorStats(v);
  for (const { key, s, m } of stats) {
    const theory = Math.exp(-m);
    const allowed = theory + 3 * Math.sqrt((theory * (1 - theory)) / n) + 1 / n;
    if (s > allowed) ok = false;
    details.push(
      `${key}: s = ${s.toFixed(3)}, m = ${m.toFixed(2)}, e^-m = ${theory.toFixed(3)}, allowed <= ${allowed.toFixed(3)}`,
    );
  }
  return verdictOf(
    RUMOR_TRAFFIC,
    ok,
    {
      expected: 's <= e^-m + 3σ + 1/n for every rumor',
      observed: details.length ? (ok ? 'within' : 'residue above the band') : 'no acknowledged update',
      details,
    },
    stats.length,
  );
}
