// What a case and a run leave behind: a case's verdict over all its runs
// (graded by checks/grade.ts), the checks it tallied, its counterexample; a
// run's report of them. Built here, by every command (caseResult,
// runReport), rendered by reports/.
import { countVerdicts } from '../checks/gate.js';
import type { CheckTally } from '../checks/grade.js';
import type { Verdict, VerdictKind } from '../checks/verdict.js';
import type { Capabilities, NodeId, TransportStats, Variant } from '../proto/contract.js';
import { KIT_VERSION } from '../shared/kit.js';
import type { InputShape } from './input-stats.js';

/** A failing property run, shrunk by fast-check, replayable by `gossipcheck replay FILE`. */
export interface Counterexample {
  /** fast-check's seed and path: `fc.assert(prop, { seed, path })` re-runs it. */
  seed: number;
  path: string;
  /** Report-dir relative path of the saved counterexample JSON. */
  file: string;
  /** The exact command that re-runs this case with this input. */
  replay: string;
  /** Report-dir relative path of the shrunk run's history (JSONL). */
  history: string;
  /** How big the shrunk input is (suites/input-stats.ts inputShape), to find the smallest one. */
  shape?: InputShape;
}

export type { CheckTally };

/** A run's call paths (docs/implementers-guide.md, "Session"): which path, and how much of it. */
export interface RunTransport extends TransportStats {
  /** `unary`, `Session` or `Session + Round` (proto/contract.ts transportPath). */
  path: string;
}

/** The report line of a run's transport, e.g. "Session + Round: 97 % of 410 rounds played by the endpoint; ...". */
export function transportLine(t: RunTransport): string {
  const rounds = t.roundsPlayed + t.roundsByCall;
  const share = rounds
    ? ` ${Math.round((100 * t.roundsPlayed) / rounds)} % of ${rounds} rounds played by the endpoint;`
    : '';
  const calls = t.unaryCalls + t.sessionCalls + t.roundCalls;
  return `${t.path}:${share} ${calls} calls (${t.unaryCalls} unary, ${t.sessionCalls} on the Session, ${t.roundCalls} Round) over ${t.streams} Session stream(s)${t.fallbacks ? `; ${t.fallbacks} fell back to unary` : ''}`;
}

/** One host of a multi-host (swarm) run: the nodes it ran and what its fault agent did to them. */
export interface HostPlacement {
  host: string;
  address: string;
  nodes: NodeId[];
  /** node -> fault agent op (pause, unpause, kill) -> times carried out. */
  ops: Record<string, Record<string, number>>;
}

/** The report line of a host, e.g. "gcl-a-1 (192.168.240.11): n2, n5; agent: kill n2 ×1, pause n5 ×1". */
export function placementLine(p: HostPlacement): string {
  const ops = Object.entries(p.ops)
    .flatMap(([node, c]) =>
      Object.entries(c)
        .filter(([, k]) => k > 0)
        .map(([op, k]) => `${op} ${node} ×${k}`),
    )
    .sort();
  return `${p.host} (${p.address}): ${p.nodes.join(', ')}; agent: ${ops.join(', ') || 'no fault'}`;
}

export interface CaseResult extends Verdict {
  /** The suite: the first segment of `id` ("convergence", "bounds", ...). */
  suite: string;
  variant: Variant;
  /** The fixed scenario an example-based check ran in, if any. */
  scenario?: string;
  /** Property runs made (1 for example-based cases). */
  runs: number;
  /** For a case, `judged` counts its runs in which at least one check judged something. */
  judged: number;
  /** Per check: its worst verdict and how much it judged. */
  checks?: CheckTally[];
  /** What the generated inputs covered: feature -> value bucket -> inputs (suites/input-stats.ts). */
  explored?: Record<string, Record<string, number>>;
  /** The seed the case's property ran with. */
  seed: number;
  /** Wall-clock time the case took (generation, runs, shrinking). */
  durationMs?: number;
  /** Report-dir relative path of a representative history (the first run, or the counterexample). */
  history?: string;
  counterexample?: Counterexample;
  /** A FAIL: the check whose failure decided it (the case's own check, or another riding along). */
  brokenCheck?: string;
  /** Listed in --expect-fail: shown as a known failure; does not fail the gate. */
  expectedFailure?: boolean;
}

/**
 * completed: every selected case ran. aborted: Ctrl-C / SIGTERM stopped it.
 * deadline: --deadline passed. harness-error: the kit itself broke (exit 2).
 */
export type RunStatus = 'completed' | 'aborted' | 'deadline' | 'harness-error';

export interface RunReport {
  kit: { name: 'gossipcheck'; version: string };
  implementation: { name: string; version: string; capabilities: Capabilities | null };
  seed: number;
  /** The exact command line that re-runs the whole thing. */
  command: string;
  /** When the run started and ended (ISO 8601). */
  startedAt: string;
  finishedAt?: string;
  /** Absent = completed (reports written before statuses existed). */
  status?: RunStatus;
  /** What broke, for status harness-error / aborted / deadline. */
  statusReason?: string;
  /** Things the user should know that are not verdicts (e.g. --expect-fail entries that match nothing). */
  warnings?: string[];
  /** What the harness's calls went over (`run` against an endpoint; absent in-process). */
  transport?: RunTransport;
  /** Report-dir relative paths of the IUT processes' stdout + stderr. */
  nodeLogs?: string[];
  /** A multi-host run (chaos --backend swarm): which host ran which node. */
  placement?: HostPlacement[];
  results: CaseResult[];
  totals: Record<VerdictKind, number>;
  /**
   * The gate options the run used (checks/gate.ts): --strict (a NON-STRICT or
   * a stale --expect-fail entry fails it) and --allow-inconclusive (an
   * INCONCLUSIVE MUST does not). junit.xml and the summaries gate alike.
   * Absent = false.
   */
  strict?: boolean;
  allowInconclusive?: boolean;
}

/** Where a verdict was reached: what every CaseResult says beyond the verdict itself. */
export interface CaseRun {
  variant: Variant;
  seed: number;
  /** Runs made (0 for a case that never ran: UNSUPPORTED, NOT-RUN). */
  runs: number;
  scenario?: string;
  /** Report-dir relative path of the history the verdict was reached on. */
  history?: string;
}

/** A verdict as a case result; its suite is the first segment of its id. */
export function caseResult(v: Verdict, run: CaseRun): CaseResult {
  const { scenario, history, ...rest } = run;
  return {
    ...v,
    suite: v.id.split('/')[0],
    ...rest,
    ...(scenario !== undefined ? { scenario } : {}),
    ...(history !== undefined ? { history } : {}),
  };
}

/** What a command knows of its run; runReport adds the kit and the totals. */
export type RunFacts = Omit<RunReport, 'kit' | 'totals'>;

/** The one RunReport of every command: the kit, the run's facts, its results and their totals. */
export function runReport(facts: RunFacts): RunReport {
  return {
    kit: { name: 'gossipcheck', version: KIT_VERSION },
    ...facts,
    totals: countVerdicts(facts.results),
  };
}
