// The gate (docs/verdicts.md): which results fail a run, its exit code and
// the lines that say why. The one copy for every judging command (run,
// run --maelstrom, chaos, chaos --maelstrom, replay) and every report that
// shows the gate. It reads a minimal result shape, so nothing here needs
// suites/ or reports/.
import { capLine, type Level, VERDICT_ORDER, type VerdictKind } from './verdict.js';

/** What the gate reads of a case result. */
export interface GatedResult {
  id: string;
  variant: string;
  level: Level;
  verdict: VerdictKind;
  /** Runs (or things) judged: a PASS over nothing is no evidence. */
  judged: number;
  /** Listed in --expect-fail: shown, never gating. */
  expectedFailure?: boolean;
  /** A FAIL: the check that broke (suites/result.ts CaseResult.brokenCheck). */
  brokenCheck?: string;
  evidence: { observed: string; details: readonly string[] };
}

export interface GateOptions {
  /** --strict: a NON-STRICT (missed SHOULD) fails the gate, and so does a stale --expect-fail entry. */
  strict?: boolean;
  /** --allow-inconclusive: a MUST case that judged nothing does not fail the gate. */
  allowInconclusive?: boolean;
}

/** The gate options a report recorded (absent = false). */
export const gateOptionsOf = (r: GateOptions): GateOptions => ({
  strict: r.strict === true,
  allowInconclusive: r.allowInconclusive === true,
});

export function countVerdicts(results: readonly { verdict: VerdictKind }[]): Record<VerdictKind, number> {
  const totals = Object.fromEntries(VERDICT_ORDER.map((k) => [k, 0])) as Record<VerdictKind, number>;
  for (const r of results) totals[r.verdict]++;
  return totals;
}

/**
 * Whether a result fails the gate (before --expect-fail is applied): FAIL
 * always; an INCONCLUSIVE MUST unless --allow-inconclusive ("could not
 * judge" is not "holds"); NON-STRICT only with --strict.
 */
export function gating(r: Pick<GatedResult, 'verdict' | 'level'>, opts: GateOptions = {}): boolean {
  switch (r.verdict) {
    case 'FAIL':
      return true;
    case 'INCONCLUSIVE':
      return r.level === 'MUST' && opts.allowInconclusive !== true;
    case 'NON-STRICT':
      return opts.strict === true;
    default:
      return false;
  }
}

/** A MUST case that was judged and held: the evidence a green gate needs. */
export const judgedMust = (r: GatedResult): boolean =>
  r.level === 'MUST' && r.verdict === 'PASS' && r.judged > 0;

export interface Gate {
  code: 0 | 1;
  /** Results that fail the gate and are not expected failures, in report order. */
  failing: GatedResult[];
  /** No MUST case was judged and held: never green. */
  nothingJudged: boolean;
  /** --strict and a stale --expect-fail entry. */
  staleGates: boolean;
}

/**
 * The gate: 1 when a result fails it and is not a listed expected failure,
 * when no MUST case was judged and held, or (--strict) when an --expect-fail
 * entry is stale; else 0. Harness errors (2) and aborts are the caller's.
 */
export function gate(
  results: readonly GatedResult[],
  opts: GateOptions & { staleExpectFail?: boolean } = {},
): Gate {
  const failing = results.filter((r) => gating(r, opts) && !r.expectedFailure);
  const nothingJudged = !results.some(judgedMust);
  const staleGates = opts.strict === true && opts.staleExpectFail === true;
  const code = failing.length > 0 || nothingJudged || staleGates ? 1 : 0;
  return { code, failing, nothingJudged, staleGates };
}

export const gateExitCode = (results: readonly GatedResult[], opts: GateOptions = {}): 0 | 1 =>
  gate(results, opts).code;

/** Why a result judged what it did, in one line: its evidence, and the first unjudged check's reason. */
export function reasonOf(r: GatedResult): string {
  const first = r.verdict === 'INCONCLUSIVE' ? r.evidence.details[0] : undefined;
  return capLine(first ? `${r.evidence.observed} (${first})` : r.evidence.observed);
}

const label = (r: GatedResult) => `${r.id} [${r.variant}]`;

/**
 * The lines a failed gate prints on stderr (without the "gossipcheck: "
 * prefix): one for the failures, one hint for the MUST cases that could not
 * be judged, or `otherwise` (the nothing-judged or stale-entry warning).
 */
export function gateLines(g: Gate, otherwise = 'gate failed'): string[] {
  if (g.code === 0) return [];
  const unjudged = g.failing.filter((r) => r.verdict === 'INCONCLUSIVE');
  const failed = g.failing.filter((r) => r.verdict !== 'INCONCLUSIVE');
  const lines: string[] = [];
  if (failed.length > 0) {
    // Several checks broke: say which broke most often (the summary lists them all).
    const byCheck = new Map<string, number>();
    for (const r of failed) byCheck.set(r.brokenCheck ?? r.id, (byCheck.get(r.brokenCheck ?? r.id) ?? 0) + 1);
    const [top, n] = [...byCheck].reduce((a, b) => (b[1] > a[1] ? b : a));
    const checks = byCheck.size > 1 ? `, ${byCheck.size} checks broke (most often ${top}, in ${n})` : '';
    lines.push(
      `${failed.length} case(s) failed${checks}; first: ${label(failed[0])}: ${failed[0].evidence.observed}`,
    );
  }
  if (unjudged.length > 0)
    lines.push(
      `${unjudged.length} MUST case(s) could not be judged (INCONCLUSIVE); first: ${label(unjudged[0])}: ${reasonOf(unjudged[0])}. Not a pass: fix what the reasons say, or accept with --allow-inconclusive`,
    );
  return lines.length > 0 ? lines : [otherwise];
}

/** The warning for a run in which no MUST case was judged and held. */
export function nothingJudgedReason(
  results: readonly GatedResult[],
  declared: { variants: readonly string[]; lockstep: boolean },
): string {
  const runnable = results.filter((r) => r.verdict !== 'UNSUPPORTED');
  if (runnable.length === 0)
    return `nothing was judged: the IUT declares nothing this selection can check (variants: ${declared.variants.join(', ') || 'none'}; lockstep: ${declared.lockstep})`;
  const expected = results.filter((r) => r.expectedFailure).length;
  return `nothing was judged: no MUST case had a judged run that held${expected ? ` (${expected} expected failure(s) from --expect-fail do not count)` : ''}`;
}

/** A recorded run's gate in words, for the reports: the outcome, what failed it, the options. */
export function gateText(run: GateOptions & { results: readonly GatedResult[] }): string {
  const opts = gateOptionsOf(run);
  const g = gate(run.results, opts);
  const unjudged = g.failing.filter((r) => r.verdict === 'INCONCLUSIVE').length;
  const failed = g.failing.length - unjudged;
  const why = [
    failed > 0 ? `${failed} case(s) failed` : '',
    unjudged > 0 ? `${unjudged} MUST case(s) INCONCLUSIVE` : '',
    g.failing.length === 0 && g.nothingJudged ? 'no MUST case judged and held' : '',
  ].filter(Boolean);
  const flags = [opts.strict ? '--strict' : '', opts.allowInconclusive ? '--allow-inconclusive' : ''].filter(
    Boolean,
  );
  return `${g.code === 0 ? 'passed' : `failed: ${why.join(', ')}`} (${flags.join(' ') || 'default gate'})`;
}
