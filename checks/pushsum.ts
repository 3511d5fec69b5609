// Push-sum (Kempe, Dobra, Gehrke 2003): mass conservation, the estimate's
// accuracy, and the rounds it takes to get there.
import type { NodeId } from '../proto/contract.js';
import { count } from '../shared/plural.js';
import { pushSumBound } from './bounds.js';
import { type CheckInfo, notJudged, type Verdict, verdictOf } from './verdict.js';
import type { HistoryView } from './view.js';

/**
 * Accuracy target. Tolerance is eps·max(1, |avg|): absolute near zero (a
 * relative error is meaningless for an average of 0), relative for large
 * averages (doubles carry ~16 significant digits, so an absolute 1e-6 at
 * avg = 1e12 would ask for more than the representation holds).
 */
export const PUSHSUM_EPSILON = 1e-6;

export const MASS_CONSERVATION: CheckInfo = {
  id: 'pushsum/mass-conservation',
  requirement:
    'Without loss or crashes, the sum of all weights MUST stay n and the sum of all sums MUST stay the sum of the initial values.',
  level: 'MUST',
  source:
    'Kempe, Dobra, Gehrke 2003 §2 (mass conservation: Σ w = n and Σ s = Σ x_i at all times); tolerance 1e-9·n and 1e-9·max(1, Σ|x_i|)',
};

export const ESTIMATE_WITHIN_EPSILON: CheckInfo = {
  id: 'pushsum/estimate-within-epsilon',
  requirement: `Every live node's final estimate MUST be within eps = ${PUSHSUM_EPSILON}·max(1, |avg|) of the true average.`,
  level: 'MUST',
  source: 'Kempe, Dobra, Gehrke 2003, Thm 3.1 (estimates converge to the true average)',
};

export const ROUNDS_TO_EPSILON: CheckInfo = {
  id: 'pushsum/rounds-to-epsilon',
  requirement:
    'All estimates MUST be within eps of the average within C·(log2 n + log2(1/eps)) + D rounds and stay there.',
  level: 'MUST',
  source: 'see bound',
};

function truth(v: HistoryView) {
  const values = v.run?.values ?? [];
  const total = values.reduce((a, x) => a + x, 0);
  const avg = values.length ? total / values.length : 0;
  const tol = PUSHSUM_EPSILON * Math.max(1, Math.abs(avg));
  const maxDev = values.reduce((m, x) => Math.max(m, Math.abs(x - avg)), 0);
  return { values, total, avg, tol, maxDev };
}

/** Why mass is not conserved by the network itself, if it is not. */
function massFaults(v: HistoryView): string[] {
  const why: string[] = [];
  if (v.drops.length) why.push(`${count(v.drops.length, 'envelope')} dropped`);
  if (v.crashes.length) why.push(count(v.crashes.length, 'crash', 'crashes'));
  if (v.duplicates.length) why.push(`${count(v.duplicates.length, 'envelope')} duplicated`);
  if (v.inFlight.length) why.push(`${count(v.inFlight.length, 'envelope')} still in flight at the end`);
  return why;
}

/** Undefined when the history has a drop or a crash (mass is legitimately lost). */
export function checkMassConservation(v: HistoryView): Verdict | undefined {
  if (v.drops.length || v.crashes.length) return undefined;
  const { total, values } = truth(v);
  const reads = v.nodes.map((n) => v.lastRead.get(n));
  const weight = reads.reduce((a, r) => a + (r?.weight ?? 0), 0);
  const sum = reads.reduce((a, r) => a + (r?.sum ?? 0), 0);
  const wTol = 1e-9 * v.n;
  const sTol =
    1e-9 *
    Math.max(
      1,
      values.reduce((a, x) => a + Math.abs(x), 0),
    );
  const wOk = Math.abs(weight - v.n) <= wTol;
  const sOk = Math.abs(sum - total) <= sTol;
  const details: string[] = [];
  if (!wOk) details.push(`Σ weight = ${weight}, expected ${v.n} (off by ${weight - v.n})`);
  if (!sOk) details.push(`Σ sum = ${sum}, expected ${total} (off by ${sum - total})`);
  const missing = v.nodes.filter((n) => !v.lastRead.has(n));
  if (missing.length) details.push(`no read for: ${missing.join(', ')}`);
  const evidence = {
    expected: `Σ weight = ${v.n} ± ${wTol}; Σ sum = ${total} ± ${sTol}`,
    observed: `Σ weight = ${weight}, Σ sum = ${sum}`,
    details,
  };
  const excuse = massFaults(v);
  if (!(wOk && sOk) && excuse.length) {
    return notJudged(MASS_CONSERVATION, {
      ...evidence,
      details: [`not judged: ${excuse.join('; ')}`, ...details],
    });
  }
  return verdictOf(MASS_CONSERVATION, wOk && sOk, evidence, v.lastRead.size);
}

/** The push-sum bound for this run, from n and the error to remove. */
function bound(v: HistoryView) {
  const { tol, maxDev } = truth(v);
  return pushSumBound(v.n, Math.log2(Math.max(1, maxDev) / tol));
}

export function checkEstimate(v: HistoryView): Verdict {
  const { avg, tol } = truth(v);
  const off: string[] = [];
  let worst = 0;
  for (const node of v.live) {
    const est = v.lastRead.get(node)?.estimate ?? Number.NaN;
    const err = Math.abs(est - avg);
    if (!(err <= tol)) off.push(`${node}: estimate ${est}, error ${err}`);
    if (Number.isFinite(err)) worst = Math.max(worst, err);
  }
  const ok = off.length === 0;
  const evidence = {
    expected: `|estimate - ${avg}| <= ${tol} at all ${v.live.length} live nodes`,
    observed: ok ? `max error ${worst}` : `${count(off.length, 'node')} off; max error ${worst}`,
    details: off,
  };
  const b = bound(v);
  const used = v.lastRound - v.firstRound + 1;
  const excuse = massFaults(v);
  if (used < b.rounds) excuse.push(`run too short: ${used} rounds < bound ${b.rounds}`);
  if (!ok && excuse.length) {
    return notJudged(ESTIMATE_WITHIN_EPSILON, {
      ...evidence,
      details: [`not judged: ${excuse.join('; ')}`, ...off],
    });
  }
  return verdictOf(ESTIMATE_WITHIN_EPSILON, ok, evidence, v.live.length);
}

export function checkRoundsToEpsilon(v: HistoryView): Verdict {
  const { avg, tol, values } = truth(v);
  const b = bound(v);
  const info = { ...ROUNDS_TO_EPSILON, source: `${b.source}; bound = ${b.formula}` };
  // Replay estimates round by round; before its first read a node's estimate is its initial value.
  const est = new Map<NodeId, number>(v.nodes.map((n, i) => [n, values[i] ?? Number.NaN]));
  const within: { r: number; ok: boolean }[] = [];
  let cur: number | undefined;
  const close = () => {
    if (cur !== undefined)
      within.push({ r: cur, ok: v.live.every((n) => Math.abs(est.get(n)! - avg) <= tol) });
  };
  for (const e of v.events) {
    if (!('r' in e)) continue;
    if (cur !== undefined && e.r !== cur) close();
    cur = e.r;
    if (e.t === 'read') est.set(e.node, e.estimate);
  }
  close();
  let since: number | undefined;
  for (let i = within.length - 1; i >= 0 && within[i].ok; i--) since = within[i].r;
  const expected = `within ${tol} of ${avg} after <= ${b.rounds} rounds; bound = ${b.formula}`;
  const faults = massFaults(v);
  const details = faults.length ? [`faults: ${faults.join('; ')}`] : [];
  if (since === undefined) {
    const used = v.lastRound - v.firstRound + 1;
    const evidence = { expected, observed: `not within eps at the end (${used} rounds run)`, details };
    if (faults.length || used < b.rounds) {
      return notJudged(info, {
        ...evidence,
        details: [
          `not judged: ${faults.length ? 'faults' : `run too short (${used} < ${b.rounds})`}`,
          ...details,
        ],
      });
    }
    return verdictOf(info, false, evidence, 1);
  }
  const took = since - v.firstRound + 1;
  const evidence = { expected, observed: `within eps from round ${since} on: ${took} rounds`, details };
  // With loss, crashes or duplicates Thm 3.1 does not apply: measure only.
  if (faults.length) return notJudged(info, evidence);
  return verdictOf(info, took <= b.rounds, evidence, 1);
}
