// sir/residue-band: push rumor mongering, for the declared loss-of-interest
// rule and k, reaches at least as many sites as theory says it does, and sends
// no more rumor traffic than the rule allows; an implementation that spreads
// as well with less traffic passes. The theory is in checks/residue-theory.ts.
// sir/loss-of-interest-rule: a site stops pushing a rumor only when the
// declared rule lets it.
import type { LossOfInterest, Variant } from '../proto/contract.js';
import {
  ALPHA,
  minorOutbreak,
  PAPER,
  type RumorTrace,
  residueBound,
  theoryPoint,
  trafficBound,
} from './residue-theory.js';
import { type CheckInfo, unsupported, type Verdict, verdictOf } from './verdict.js';
import type { HistoryView } from './view.js';

export interface ResidueBandParams {
  variant: Variant;
  lossOfInterest: LossOfInterest;
  rumorK: number;
  fanout: number;
}

/** Per written key: informed sites, necessary and total contacts, from the sends alone. */
export function rumorTraces(v: HistoryView): RumorTrace[] {
  const firstHeard = new Map<string, Map<string, number>>();
  const heard = (key: string) => {
    let m = firstHeard.get(key);
    if (!m) {
      m = new Map();
      firstHeard.set(key, m);
    }
    return m;
  };
  // A writer knows its own write from the round of the update (no contact can be necessary to it).
  for (const u of v.updates) {
    const m = heard(u.key);
    m.set(u.node, Math.min(m.get(u.node) ?? Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY));
  }
  for (const s of v.sends)
    for (const key of s.keys) {
      const m = heard(key);
      if (!m.has(s.to)) m.set(s.to, s.r);
    }
  const out: RumorTrace[] = [];
  for (const [key, first] of [...firstHeard].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    let necessary = 0;
    let total = 0;
    for (const s of v.sends) {
      if (!s.keys.includes(key)) continue;
      total++;
      if (s.r <= (first.get(s.to) ?? Number.POSITIVE_INFINITY)) necessary++;
    }
    out.push({ key, informed: first.size, necessary, total });
  }
  return out;
}

export const RESIDUE_BAND: CheckInfo = {
  id: 'sir/residue-band',
  requirement:
    'Push rumor mongering leaves residue s no larger than theory for the declared loss-of-interest rule and k (beyond sampling error at n sites), and sends no more rumor contacts than the rule allows.',
  level: 'MUST',
  source: `${PAPER}: Table 1 (feedback + counter), the SIR ODE (coin rules, blind counter) and s = e^-m for push; tolerance: the (1 - ${ALPHA}) quantile of the residue count at n sites, + 1 site (docs/bounds.md)`,
};

/** One rumor per run, at n sites, no faults: residue and traffic against theory. */
export function checkResidueBand(v: HistoryView): Verdict {
  const p = v.params;
  if (!p || v.variant !== 'rumor-push') return unsupported(RESIDUE_BAND, 'not a rumor-push run');
  if (v.init && !v.init.capabilities.lossOfInterest.includes(p.lossOfInterest))
    return unsupported(RESIDUE_BAND, `loss of interest ${p.lossOfInterest} not declared`);
  const theory = theoryPoint(p.lossOfInterest, p.rumorK);
  if (!theory) {
    // No value in theory (feedback-counter beyond Table 1): a measurement only, never a MUST.
    return verdictOf(
      { ...RESIDUE_BAND, level: 'INFO' },
      true,
      {
        expected: `no theory value for ${p.lossOfInterest} with k = ${p.rumorK}`,
        observed: 'not judged: Demers et al. 1987 give s and m for feedback + counter at k = 1..5 only',
        details: [],
      },
      0,
    );
  }
  const n = Math.max(1, v.live.length);
  const f = Math.max(1, p.fanout);
  const sb = residueBound(theory, n);
  let judged = 0;
  const live = new Set(v.live);
  const details: string[] = [];
  let ok = true;
  const traces = rumorTraces(v);
  const lacking = new Map<string, number>();
  for (const node of live) {
    const keys = new Set((v.lastRead.get(node)?.entries ?? []).map((e) => e[0]));
    for (const t of traces) if (!keys.has(t.key)) lacking.set(t.key, (lacking.get(t.key) ?? 0) + 1);
  }
  for (const t of traces) {
    const lack = lacking.get(t.key) ?? 0;
    const s = lack / n;
    const m = t.total / Math.max(1, v.n);
    const tb = trafficBound(p.lossOfInterest, p.rumorK, f, t);
    // A critical epidemic (blind rule, k = 1) has s* = 1: dying out early is what theory predicts, judged as such.
    const minor = sb.sMax < 1 && minorOutbreak(t.informed, n);
    const sOk = minor || lack <= sb.lackingMax;
    const mOk = t.total <= tb.max;
    ok &&= sOk && mOk;
    if (!minor) judged++;
    const sText = minor
      ? `s = ${s.toFixed(4)} not judged: a minor outbreak (${t.informed} < sqrt(${n}) sites informed)`
      : `s = ${s.toFixed(4)} (${lack} lacking) ${sOk ? '<=' : '>'} ${sb.sMax.toFixed(4)}`;
    details.push(
      `${t.key}: ${sText}; m = ${m.toFixed(3)} (${t.total} contacts ${mOk ? '<=' : '>'} ${tb.formula})`,
    );
  }
  return verdictOf(
    { ...RESIDUE_BAND, source: `${theory.source}; ${RESIDUE_BAND.source}` },
    ok,
    {
      expected: `${p.lossOfInterest}, k = ${p.rumorK}, fanout ${f}, n = ${n}: theory ${theory.formula}; ${sb.formula}; contacts within the rule`,
      observed: traces.length
        ? ok
          ? 'residue and traffic within the theory bounds'
          : 'residue above theory or traffic above the rule'
        : 'no rumor written',
      details,
    },
    judged,
  );
}

export const LOSS_OF_INTEREST_RULE: CheckInfo = {
  id: 'sir/loss-of-interest-rule',
  requirement:
    'A site stops pushing a rumor only when the declared rule lets it: feedback-counter after k unnecessary contacts in a row (a necessary one resets the count), blind-counter after k contacts, feedback-coin after an unnecessary contact, blind-coin after a contact; "unnecessary" read as leniently as any implementation may (the recipient held the rumor when the envelope arrived, or another envelope brought it in the same batch), feedback of a round taken in any order.',
  level: 'MUST',
  source:
    'the contract, proto/gossipcheck/v1/gossip.proto LossOfInterest (feedback counter: a necessary contact resets it), after Demers et al. 1987 §1.4',
};

interface Contacts {
  /** Per round: [contacts, unnecessary ones]. */
  rounds: Map<number, [number, number]>;
  informedAt: number;
}

/**
 * The longest run of unnecessary contacts a site can have reached in its last
 * sending round R: every earlier round ordered necessary-first (so its
 * trailing unnecessary contacts carry on), round R unnecessary-first.
 */
export function longestRunAtStop(rounds: Map<number, [number, number]>): number {
  const rs = [...rounds.keys()].sort((a, b) => a - b);
  let carry = 0;
  for (let i = 0; i < rs.length - 1; i++) {
    const [a, u] = rounds.get(rs[i])!;
    carry = u === a ? carry + u : u;
  }
  const last = rs.at(-1);
  return last === undefined ? 0 : carry + rounds.get(last)![1];
}

/** Every site that stopped pushing a written-once rumor before the run ended, against the rule. */
export function checkLossOfInterestRule(v: HistoryView): Verdict {
  const p = v.params;
  if (!p || v.variant !== 'rumor-push') return unsupported(LOSS_OF_INTEREST_RULE, 'not a rumor-push run');
  if (v.init && !v.init.capabilities.lossOfInterest.includes(p.lossOfInterest))
    return unsupported(LOSS_OF_INTEREST_RULE, `loss of interest ${p.lossOfInterest} not declared`);
  const k = p.rumorK;
  const rule = p.lossOfInterest;
  const writes = new Map<string, { node: string; r: number; count: number }>();
  for (const u of v.updates) {
    const w = writes.get(u.key);
    writes.set(u.key, { node: u.node, r: u.r, count: (w?.count ?? 0) + 1 });
  }
  const byId = new Map(v.sends.map((s) => [s.id, s]));
  const original = new Map<number, number>();
  for (const d of v.duplicates) original.set(d.id, d.of);
  const live = new Set(v.live);
  const bad: string[] = [];
  let judged = 0;
  for (const [key, w] of [...writes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (w.count !== 1) continue;
    // Deliveries of envelopes carrying the key, in history order, batched by (round, hop).
    const batchOf = new Map<number, string>();
    const firstBatch = new Map<string, string>();
    const perBatch = new Map<string, number>();
    const informedAt = new Map<string, number>([[w.node, w.r]]);
    for (const e of v.events) {
      if (e.t !== 'deliver') continue;
      const s = byId.get(original.get(e.id) ?? e.id);
      if (!s?.keys.includes(key)) continue;
      const batch = `${e.r}/${e.hop}`;
      batchOf.set(e.id, batch);
      if (!firstBatch.has(s.to)) firstBatch.set(s.to, batch);
      if (!informedAt.has(s.to)) informedAt.set(s.to, e.r);
      perBatch.set(`${s.to} ${batch}`, (perBatch.get(`${s.to} ${batch}`) ?? 0) + 1);
    }
    const sites = new Map<string, Contacts>();
    for (const [node, at] of informedAt) sites.set(node, { rounds: new Map(), informedAt: at });
    for (const s of v.sends) {
      if (!s.keys.includes(key)) continue;
      const batch = batchOf.get(s.id);
      const first = firstBatch.get(s.to);
      // Lenient: unnecessary unless it is surely the one envelope that first brought the key.
      const unnecessary =
        s.to === w.node ||
        batch === undefined ||
        batch !== first ||
        (perBatch.get(`${s.to} ${batch}`) ?? 0) > 1;
      const site = sites.get(s.from);
      if (!site) continue;
      const c = site.rounds.get(s.r) ?? [0, 0];
      site.rounds.set(s.r, [c[0] + 1, c[1] + (unnecessary ? 1 : 0)]);
    }
    for (const [node, site] of sites) {
      if (!live.has(node)) continue;
      const lastSend = Math.max(site.informedAt, ...site.rounds.keys());
      // Still pushing (or informed) in the last round: it has not stopped, nothing to judge.
      if (lastSend >= v.lastRound) continue;
      judged++;
      let total = 0;
      let unnecessary = 0;
      for (const [a, u] of site.rounds.values()) {
        total += a;
        unnecessary += u;
      }
      let why: string | undefined;
      if (rule === 'feedback-counter') {
        const run = longestRunAtStop(site.rounds);
        if (run < k) why = `at most ${run} unnecessary contacts in a row before it stopped (k = ${k})`;
      } else if (rule === 'blind-counter') {
        if (total < k) why = `${total} contacts before it stopped (k = ${k})`;
      } else if (rule === 'feedback-coin') {
        if (unnecessary === 0) why = `stopped without an unnecessary contact (${total} contacts)`;
      } else if (total === 0) why = 'stopped without a contact';
      if (why) bad.push(`${node} ${key}: last push in round ${lastSend}, ${why}`);
    }
  }
  return verdictOf(
    LOSS_OF_INTEREST_RULE,
    bad.length === 0,
    {
      expected: `${rule}, k = ${k}: a site stops only as the rule allows (lenient reading of "unnecessary")`,
      observed:
        bad.length === 0
          ? `${judged} site(s) stopped, each as the rule allows`
          : `${bad.length} of ${judged} site(s) stopped before the rule allows`,
      details: bad,
    },
    judged,
  );
}
