// SIR termination of rumor mongering (rumor-push, rumor-pull, and the rumor
// part of hybrid): traffic stops within a bound, no node stays infective, and
// the residue is reported next to Demers et al.'s s = e^-m.
import { compareVersions, type Version } from '../proto/contract.js';
import { type Bound, convergenceBound, quiescenceBound } from './bounds.js';
import { type CheckInfo, notJudged, unsupported, type Verdict, verdictOf } from './verdict.js';
import { entryMap, fmtVersion, type HistoryView, holdsAtLeast, type SendEvent } from './view.js';

export const QUIESCENCE: CheckInfo = {
  id: 'sir/quiescence',
  requirement:
    'Rumor traffic (envelopes carrying entries) MUST stop within the spread time plus the loss-of-interest time after the last update.',
  level: 'MUST',
  source: 'see bound',
};

export const TERMINAL_STATUS: CheckInfo = {
  id: 'sir/terminal-status',
  requirement:
    'At the end of a run every live node MUST report every entry as susceptible or removed, never infective.',
  level: 'MUST',
  source:
    'Demers et al. 1987 §1.4: rumor mongering is an SIR epidemic; every infective site eventually becomes removed',
};

export const RESIDUE: CheckInfo = {
  id: 'sir/residue',
  requirement:
    'Residue s (fraction of live nodes missing an update) next to the traffic m, against s = e^-m.',
  level: 'INFO',
  source: 'Demers et al. 1987 §1.4: push rumor mongering with feedback and counter: s = e^-m',
};

const RUMOR_KIND = /rumou?r/i;

/**
 * The envelopes that carry rumors. For hybrid, the rumor part is told apart by
 * its kind label (containing "rumor"); if no kind says so, every entry-carrying
 * envelope counts and `mixed` is set (anti-entropy traffic included).
 */
export function rumorSends(v: HistoryView): { sends: SendEvent[]; mixed: boolean } {
  const carrying = v.sends.filter((s) => s.keys.length > 0);
  if (v.variant !== 'hybrid') return { sends: carrying, mixed: false };
  const rumors = carrying.filter((s) => RUMOR_KIND.test(s.kind));
  if (rumors.length || v.sends.some((s) => RUMOR_KIND.test(s.kind))) return { sends: rumors, mixed: false };
  return { sends: carrying, mixed: true };
}

/** The most writes any one key had: each is a rumor of its own (the graph bound counts them). */
function versionsPerKey(v: HistoryView): number {
  const per = new Map<string, number>();
  for (const u of v.updates) per.set(u.key, (per.get(u.key) ?? 0) + 1);
  return Math.max(1, ...per.values());
}

/** The quiescence bound; for hybrid with mixed traffic, plus the anti-entropy repair time. */
export function sirBound(v: HistoryView, mixed: boolean): Bound {
  const b = quiescenceBound(v.variant!, v.params!, v.n, v.run?.peers, versionsPerKey(v));
  if (!mixed) return b;
  const ae = convergenceBound('hybrid', v.params!, v.n, v.run?.peers)!;
  return {
    rounds: b.rounds + ae.rounds,
    formula: `${b.formula} + anti-entropy repair ${ae.formula} = ${b.rounds + ae.rounds} (kinds do not single out rumors)`,
    source: `${b.source}; ${ae.source}`,
  };
}

export function checkQuiescence(v: HistoryView): Verdict {
  const { sends, mixed } = rumorSends(v);
  const b = sirBound(v, mixed);
  const info = { ...QUIESCENCE, source: `${b.source}; bound = ${b.formula}` };
  // Reference point: the last disturbance, which is the last update unless a
  // fault, crash, restart or pause came later (rumors may then still be held back).
  const ref = v.lastDisturbance;
  const expected = `last rumor send <= ${b.rounds} rounds after round ${ref.round} (${ref.what}); bound = ${b.formula}`;
  const last = sends.reduce((m, s) => Math.max(m, s.r), Number.NEGATIVE_INFINITY);
  if (!Number.isFinite(last)) {
    return verdictOf(info, true, { expected, observed: 'no envelope carried a rumor', details: [] }, 0);
  }
  const inLast = sends.filter((s) => s.r === last);
  const details = [
    `${inLast.length} rumor sends in round ${last}`,
    ...inLast.slice(0, 5).map((s) => `round ${s.r} ${s.from} -> ${s.to} ${s.kind} [${s.keys.join(', ')}]`),
    `run ends at round ${v.lastRound}`,
  ];
  const took = last - ref.round;
  const ok = took <= b.rounds;
  const evidence = {
    expected,
    observed: `last rumor send in round ${last}: ${took} rounds after round ${ref.round}`,
    details,
  };
  if (ok && last >= v.lastRound) {
    return notJudged(info, {
      ...evidence,
      details: [
        `not judged: rumors still travel in the last round; the run ended before the bound`,
        ...details,
      ],
    });
  }
  return verdictOf(info, ok, evidence, sends.length);
}

export function checkTerminalStatus(v: HistoryView): Verdict {
  const all = [...v.lastRead.values()].flatMap((r) => r.entries);
  if (v.init && !v.init.capabilities.rumorStatus) {
    return unsupported(TERMINAL_STATUS, 'the IUT does not declare rumorStatus');
  }
  if (all.length > 0 && all.every((e) => e[4] === null)) {
    return unsupported(TERMINAL_STATUS, 'every read entry has status null: the IUT reports no SIR status');
  }
  const infective: string[] = [];
  for (const node of v.live) {
    for (const e of v.lastRead.get(node)?.entries ?? []) {
      if (e[4] === 'infective') infective.push(`${node} ${e[0]} v${e[2]}@${e[3]} infective`);
    }
  }
  const ok = infective.length === 0;
  const evidence = {
    expected: 'no live node holds an infective entry at the end',
    observed: ok
      ? `all ${v.live.length} live nodes susceptible or removed`
      : `${infective.length} infective entries at the end`,
    details: infective,
  };
  const b = sirBound(v, rumorSends(v).mixed);
  if (!ok && v.lastRound - v.lastDisturbance.round < b.rounds) {
    return notJudged(TERMINAL_STATUS, {
      ...evidence,
      details: [
        `not judged: run too short: ${v.lastRound - v.lastDisturbance.round} rounds after round ${v.lastDisturbance.round} < quiescence bound ${b.rounds}`,
        ...infective,
      ],
    });
  }
  const judged = v.live.reduce((a, n) => a + (v.lastRead.get(n)?.entries.length ?? 0), 0);
  return verdictOf(TERMINAL_STATUS, ok, evidence, judged);
}

export function checkResidue(v: HistoryView): Verdict {
  const latest = new Map<string, Version>();
  for (const { ack } of v.acks) {
    const cur = latest.get(ack.key);
    if (!cur || compareVersions(ack.version, cur) > 0) latest.set(ack.key, ack.version);
  }
  const updatesPerKey = new Map<string, number>();
  for (const u of v.updates) updatesPerKey.set(u.key, (updatesPerKey.get(u.key) ?? 0) + 1);
  const { sends, mixed } = rumorSends(v);
  const carried = new Map<string, number>();
  for (const s of sends) for (const k of s.keys) carried.set(k, (carried.get(k) ?? 0) + 1);
  const details: string[] = [];
  let sSum = 0;
  let mSum = 0;
  const keys = [...latest.keys()].sort();
  for (const key of keys) {
    const ver = latest.get(key)!;
    const lacking = v.live.filter(
      (n) => !holdsAtLeast(entryMap(v.lastRead.get(n)?.entries ?? []).get(key), ver),
    );
    const s = v.live.length ? lacking.length / v.live.length : 0;
    // m: rumor-carrying sends per node, per update of this key (Demers' traffic per site).
    const m = (carried.get(key) ?? 0) / Math.max(1, v.n) / Math.max(1, updatesPerKey.get(key) ?? 1);
    sSum += s;
    mSum += m;
    details.push(
      `${key} v${fmtVersion(ver)}: s = ${s.toFixed(3)} (${lacking.length}/${v.live.length}), m = ${m.toFixed(2)}, e^-m = ${Math.exp(-m).toFixed(3)}`,
    );
  }
  if (mixed) details.unshift('anti-entropy traffic counted too: kinds do not single out rumors');
  const s = keys.length ? sSum / keys.length : 0;
  const m = keys.length ? mSum / keys.length : 0;
  return verdictOf(
    RESIDUE,
    true,
    {
      expected: `s near e^-m (push, feedback + counter; ${v.params?.lossOfInterest ?? '?'} here)`,
      observed: keys.length
        ? `mean over ${keys.length} keys: s = ${s.toFixed(3)}, m = ${m.toFixed(2)}, e^-m = ${Math.exp(-m).toFixed(3)}`
        : 'no acknowledged update',
      details,
    },
    keys.length,
  );
}
