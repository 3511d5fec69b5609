// Merges are idempotent and commutative (Demers et al. 1987 §1.3: last-writer-
// wins by version). Judged on runs whose router duplicated or reordered
// value-carrying envelopes; the faults themselves come from the schedule.

import type { EventOf } from '../engine/history/events.js';
import { compareVersions, type Version } from '../proto/contract.js';
import { count } from '../shared/plural.js';
import { type CheckInfo, notJudged, type Verdict, verdictOf } from './verdict.js';
import { fmtVersion, type HistoryView, versionOf } from './view.js';

export const DUPLICATE_IDEMPOTENT: CheckInfo = {
  id: 'robustness/duplicate-idempotent',
  requirement:
    'An envelope delivered a second time changes no entry: every version a node holds is one a client write was acknowledged with.',
  level: 'MUST',
  source: 'LWW merge is idempotent (Demers et al. 1987 §1.3); netem duplicate',
};

export const REORDER_IDEMPOTENT: CheckInfo = {
  id: 'robustness/reorder-idempotent',
  requirement:
    'Value-carrying envelopes give the same entries in any delivery order: every live node ends with the highest acknowledged version of every key.',
  level: 'MUST',
  source: 'LWW merge is commutative (Demers et al. 1987 §1.3); netem reorder',
};

const versionKey = (key: string, v: Version) => `${key}@${fmtVersion(v)}`;

/** Value-carrying envelopes delivered as the router made them: duplicated copies, or under a reorder fault. */
function deliveredValues(v: HistoryView, pick: 'duplicate' | 'reorder'): number {
  const carries = new Map<number, boolean>();
  for (const s of v.sends) carries.set(s.id, s.keys.length > 0);
  for (const d of v.duplicates) carries.set(d.id, carries.get(d.of) ?? false);
  const copies = new Set(v.duplicates.map((d) => d.id));
  let reorders = 0;
  let n = 0;
  for (const e of v.events) {
    if (e.t === 'fault' && e.fault.kind === 'reorder') reorders += e.action === 'start' ? 1 : -1;
    if (e.t !== 'deliver' || !carries.get(e.id)) continue;
    if (pick === 'duplicate' ? copies.has(e.id) : reorders > 0) n++;
  }
  return n;
}

export function checkDuplicateIdempotent(v: HistoryView): Verdict {
  const acked = new Set(v.acks.map(({ ack }) => versionKey(ack.key, ack.version)));
  const minted: string[] = [];
  const seen = new Set<string>();
  for (const e of v.events) {
    if (e.t !== 'read') continue;
    for (const entry of e.entries) {
      const k = versionKey(entry[0], versionOf(entry));
      if (acked.has(k) || seen.has(k)) continue;
      seen.add(k);
      minted.push(
        `${e.node} holds ${entry[0]} v${fmtVersion(versionOf(entry))} (round ${e.r}): no write was acked with it`,
      );
    }
  }
  const copies = deliveredValues(v, 'duplicate');
  const ok = minted.length === 0;
  const evidence = {
    expected: 'only acknowledged versions, however often an envelope arrives',
    observed: ok
      ? `${copies} duplicated value-carrying envelopes delivered; no entry changed by them`
      : `${count(minted.length, 'version')} no write was acknowledged with`,
    details: minted,
  };
  if (copies === 0)
    return notJudged(DUPLICATE_IDEMPOTENT, {
      ...evidence,
      details: ['not judged: the router delivered no duplicated value-carrying envelope', ...minted],
    });
  return verdictOf(DUPLICATE_IDEMPOTENT, ok, evidence, copies);
}

export function checkReorderIdempotent(v: HistoryView): Verdict {
  const highest = new Map<string, EventOf<'ack'>['version']>();
  for (const { ack } of v.acks) {
    const held = highest.get(ack.key);
    if (!held || compareVersions(ack.version, held) > 0) highest.set(ack.key, ack.version);
  }
  const wrong: string[] = [];
  let judged = 0;
  for (const node of v.live) {
    const entries = new Map((v.lastRead.get(node)?.entries ?? []).map((e) => [e[0], e]));
    for (const [key, version] of highest) {
      judged++;
      const e = entries.get(key);
      if (!e || compareVersions(versionOf(e), version) !== 0)
        wrong.push(
          `${node} ends with ${key} ${e ? `v${fmtVersion(versionOf(e))}` : 'missing'}, highest acked v${fmtVersion(version)}`,
        );
    }
  }
  const reordered = deliveredValues(v, 'reorder');
  const ok = wrong.length === 0;
  const evidence = {
    expected: 'every live node ends with the highest acknowledged version of every key',
    observed: ok
      ? `${reordered} value-carrying envelopes delivered in shuffled order; same entries everywhere`
      : `${wrong.length} (node, key) pairs end on another version`,
    details: wrong,
  };
  if (reordered === 0)
    return notJudged(REORDER_IDEMPOTENT, {
      ...evidence,
      details: ['not judged: no value-carrying envelope was delivered under a reorder fault', ...wrong],
    });
  return verdictOf(REORDER_IDEMPOTENT, ok, evidence, judged);
}
