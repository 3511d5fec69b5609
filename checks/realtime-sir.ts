// sir/… in their time form (rumor-push, rumor-pull, hybrid on their own
// timers; r in ms). The lockstep bound is in rounds, one gossip period each,
// so in time it is B·period_ms plus the harness grace (checks/realtime.ts
// GRACE_MS), from the last disturbance (the last write, unless a fault stop,
// crash, restart or pause came later):
// - sir/quiescence: the last envelope carrying a rumor is sent within
//   S + L periods (checks/bounds.ts quiescenceBound: spread time S, Pittel
//   1987 / Karp et al. 2000, plus the loss-of-interest time L of the declared
//   rule and rumorK, Demers et al. 1987 §1.4).
// - sir/terminal-status: no live node holds an infective entry at the end.
// Either is judged only when the run lasted the whole bound after the last
// disturbance: a realtime run cannot stop to look, so a shorter run says
// nothing about whether the traffic would have stopped (notJudged). A run
// meant to judge them keeps reading that long (sirObservationMs).
// - sir/residue: measured (INFO), next to e^-m and, for push, the theory band
//   of sir/residue-band (checks/residue-theory.ts), which assumes one rumor
//   at a time without faults, so it is shown, not held.
import type { Parameters } from '../proto/contract.js';
import { count } from '../shared/plural.js';
import { type Bound, quiescenceBound } from './bounds.js';
import { checkResidue, checkTerminalStatus, QUIESCENCE, rumorSends, sirBound } from './quiescence.js';
import { periodOf } from './realtime-window.js';
import { residueBound, theoryPoint } from './residue-theory.js';
import { rumorStats } from './rumor-stats.js';
import { type CheckInfo, notJudged, type Verdict, verdictOf } from './verdict.js';
import type { HistoryView } from './view.js';

/** The bound in ms: B periods of period_ms, plus the grace. */
function limitOf(b: Bound, periodMs: number, graceMs: number): { ms: number; text: string } {
  const ms = b.rounds * periodMs + graceMs;
  return {
    ms,
    text: `${b.rounds} periods of ${periodMs} ms + ${graceMs} ms grace = ${ms} ms (${b.formula})`,
  };
}

/**
 * How long after the last disturbance a realtime run of a SIR variant must
 * go on for sir/quiescence and sir/terminal-status to be judged (full mesh,
 * one write per key: the bound of one rumor).
 */
export function sirObservationMs(params: Parameters, n: number, graceMs: number): number {
  return quiescenceBound(params.variant, params, n).rounds * params.periodMs + graceMs;
}

const noPeriod = (info: CheckInfo) =>
  notJudged(info, {
    expected: 'a declared period_ms',
    observed: 'the run declares no gossip period',
    details: [],
  });

export function checkQuiescenceMs(v: HistoryView, graceMs: number): Verdict {
  const periodMs = periodOf(v);
  if (!periodMs) return noPeriod(QUIESCENCE);
  const { sends, mixed } = rumorSends(v);
  const b = sirBound(v, mixed);
  const limit = limitOf(b, periodMs, graceMs);
  const info = { ...QUIESCENCE, source: `${b.source}; bound = ${limit.text}` };
  const ref = v.lastDisturbance;
  const deadline = ref.round + limit.ms;
  const expected = `last rumor send <= ${deadline} ms: ${limit.ms} ms after ${ref.round} ms (${ref.what})`;
  if (v.updates.length === 0)
    return notJudged(info, { expected, observed: 'no write: no rumor to stop', details: [] });
  const late = sends.filter((s) => s.r > deadline);
  const last = sends.reduce((m, s) => Math.max(m, s.r), Number.NEGATIVE_INFINITY);
  const details = [
    ...late.slice(0, 5).map((s) => `${s.r} ms ${s.from} -> ${s.to} ${s.kind} [${s.keys.join(', ')}]`),
    `history ends at ${v.lastRound} ms`,
  ];
  const observed = Number.isFinite(last)
    ? `last rumor send at ${last} ms: ${last - ref.round} ms after ${ref.round} ms${late.length ? `; ${count(late.length, 'send')} after the bound` : ''}`
    : 'no envelope carried a rumor';
  if (late.length === 0 && v.lastRound < deadline)
    return notJudged(info, {
      expected,
      observed,
      details: [
        `not judged: the run ended ${v.lastRound - ref.round} ms after ${ref.round} ms, before the bound`,
        ...details,
      ],
    });
  return verdictOf(
    info,
    late.length === 0,
    { expected, observed, details },
    // No rumor sent at all judged nothing (INCONCLUSIVE), as in lockstep.
    sends.length,
  );
}

/** The lockstep check's verdict; a FAIL before the whole bound has passed is not judged (the node may still lose interest). */
export function checkTerminalStatusMs(v: HistoryView, graceMs: number): Verdict {
  const base = checkTerminalStatus(v);
  const periodMs = periodOf(v);
  if (!periodMs) return noPeriod(base);
  const limit = limitOf(sirBound(v, rumorSends(v).mixed), periodMs, graceMs);
  const since = v.lastRound - v.lastDisturbance.round;
  if (base.verdict !== 'FAIL' || since >= limit.ms) return base;
  return notJudged(base, {
    ...base.evidence,
    details: [
      `not judged: the run ended ${since} ms after the last disturbance, before the bound ${limit.text}`,
      ...base.evidence.details,
    ],
  });
}

/** sir/residue with, for push, the theory band of the declared rule shown beside each rumor. */
export function checkResidueMs(v: HistoryView): Verdict {
  const base = checkResidue(v);
  const rule = v.params!.lossOfInterest;
  const t = v.variant === 'rumor-push' ? theoryPoint(rule, v.params!.rumorK) : undefined;
  if (!t) return base;
  const n = v.live.length;
  const band = residueBound(t, n);
  const above = rumorStats(v).filter((x) => Math.round(x.s * n) > band.lackingMax);
  return {
    ...base,
    evidence: {
      ...base.evidence,
      details: [
        `theory (${rule}, k = ${v.params!.rumorK}): s* = ${t.s.toFixed(4)}, m* = ${t.m.toFixed(3)}; band at n = ${n}: ${band.formula}; shown, not held (one rumor at a time, no faults)`,
        `${count(above.length, 'rumor')} above the band${
          above.length
            ? `: ${above
                .slice(0, 5)
                .map((x) => x.key)
                .join(', ')}`
            : ''
        }`,
        ...base.evidence.details,
      ],
    },
  };
}
