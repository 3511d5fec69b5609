// The figures of a SWIM membership case: empirical CDFs of first-detection
// and complete-dissemination times against the theory the checkers cite
// (reports/plots/membership.ts), and the view matrix as small multiples.
import { escapeHtml } from '../escape.js';
import {
  type CrashTiming,
  crashTimings,
  ecdf,
  FIRST_FORMULA,
  isMembershipRun,
  MATRIX_MAX_NODES,
  periodLength,
  theoryCdf,
  type ViewMatrix,
  viewMatrix,
} from '../plots/membership.js';
import type { Point, RunBlock } from '../plots/series.js';
import { lineChart, type Series } from '../svg/chart.js';
import { viewGridSvg, viewLegendSvg } from '../svg/viewmatrix.js';

export interface MembershipAnalysis {
  /** Every crash of every membership run of the history file. */
  crashes: CrashTiming[];
  /** Membership runs in the history file. */
  runs: number;
  /** The drawn run's view matrix (small runs only). */
  matrix?: ViewMatrix;
  nodes: number;
  unit: 'round' | 'ms';
  /** T in the drawn run's unit (undefined: realtime without period_ms). */
  period?: number;
}

/** `{ membership }` for a SWIM run (spread into the Analysis), else nothing. */
export function membershipAnalysis(
  block: RunBlock,
  blocks: readonly RunBlock[],
): { membership?: MembershipAnalysis } {
  if (!isMembershipRun(block)) return {};
  const runs = blocks.filter(isMembershipRun);
  return {
    membership: {
      crashes: crashTimings(runs),
      runs: runs.length,
      matrix: viewMatrix(block),
      nodes: block.run.nodes.length,
      unit: block.run.mode === 'realtime' ? 'ms' : 'round',
      period: periodLength(block),
    },
  };
}

const e = escapeHtml;

function figure(svg: string, caption: string, cls: string): string {
  return `<figure class="${cls}">${svg}<figcaption>${caption}</figcaption></figure>`;
}

/** "5" or "4–5": the values' range, at `digits` decimals. */
function range(values: readonly number[], digits = 0): string {
  const lo = Math.min(...values).toFixed(digits);
  const hi = Math.max(...values).toFixed(digits);
  return lo === hi ? lo : `${lo}–${hi}`;
}

function vertical(label: string, x: number): Series {
  return {
    label,
    cls: 's-bound',
    points: [
      { x, y: 0 },
      { x, y: 1 },
    ],
    dots: false,
  };
}

function cdfChart(title: string, series: Series[], xMax: number): string {
  return lineChart({
    title,
    xLabel: 'probe periods since the crash',
    yLabel: 'fraction of crashes',
    series,
    xMin: 0,
    xMax,
    yMin: 0,
    yMax: 1,
  });
}

function measured(points: Point[]): Series {
  return { label: 'measured (ECDF)', cls: 's-measured', points, dots: false };
}

/** How many crashes, over how many runs and group sizes: the same opening for both captions. */
function pool(m: MembershipAnalysis, what: string): string {
  const cs = m.crashes;
  const unit = m.unit === 'ms' ? 'ms' : 'ticks';
  return `${what}, in probe periods (T = ${range(cs.map((c) => c.period))} ${unit}), over ${cs.length} crash${cs.length === 1 ? '' : 'es'} in the ${m.runs} run${m.runs === 1 ? '' : 's'} this history keeps; n = ${range(cs.map((c) => c.n))}, q_f = ${range(
    cs.map((c) => c.qf),
    2,
  )} (fraction of members alive after the crash).`;
}

function missing(count: number, what: string): string {
  return count
    ? ` ${count} crash${count === 1 ? ' was' : 'es were'} never ${what} before the node came back or the run ended: the curve stays below 1.`
    : '';
}

/** The two CDF figures (first detection, dissemination), or '' when the runs crashed nothing. */
export function detectionFigures(m: MembershipAnalysis): string {
  const cs = m.crashes;
  if (cs.length === 0) return '';
  const firsts = cs.flatMap((c) => (c.first === undefined ? [] : [c.first]));
  const whp = Math.max(...cs.map((c) => c.firstWhp));
  const xFirst = Math.ceil(Math.max(whp, ...firsts)) + 1;
  const first = figure(
    cdfChart(
      'first detection: periods from a crash to the first suspicion',
      [
        measured(ecdf(firsts, cs.length, xFirst)),
        { label: 'theory', cls: 's-theory', points: theoryCdf(cs, xFirst), dots: false },
        vertical('whp wait F', whp),
      ],
      xFirst,
    ),
    `First detection: ${pool(m, 'time from a crash to the first live member holding it suspect (or dead)')} Dashed: theory ${e(FIRST_FORMULA)}, the wait until some live member's probe of it fails, geometric with success 1 − e^(−q_f) per period, mean 1/(1 − e^(−q_f)) = ${range(
      cs.map((c) => c.expectedFirst),
      2,
    )} periods (Das, Gupta, Motivala 2002 §3.1)${cs.length > 1 ? '; the mean of the crashes’ curves' : ''}. Red dotted: F = min(⌈ln(10⁶)/q_f⌉, 2(n−1)) = ${whp} periods, the high-probability wait membership/detect-crash budgets (checks/membership/bounds.ts).${missing(cs.length - firsts.length, 'suspected')}`,
    'membership-cdf detection-cdf',
  );
  const completes = cs.flatMap((c) => (c.complete === undefined ? [] : [c.complete]));
  const bound = Math.max(...cs.map((c) => c.bound));
  const xAll = Math.ceil(Math.max(bound, ...completes)) + 1;
  const spreads = cs.flatMap((c) =>
    c.first !== undefined && c.complete !== undefined ? [c.complete - c.first] : [],
  );
  const sd = cs.map((c) => c.suspicion + c.spread);
  const dissemination = figure(
    cdfChart(
      'complete dissemination: periods from a crash to dead everywhere',
      [
        measured(ecdf(completes, cs.length, xAll)),
        {
          label: 'theory +S',
          cls: 's-theory',
          points: theoryCdf(cs, xAll, (c) => c.suspicion),
          dots: false,
        },
        {
          label: 'theory +S+D',
          cls: 's-theory',
          points: theoryCdf(cs, xAll, (c) => c.suspicion + c.spread),
          dots: false,
        },
        vertical('bound', bound),
      ],
      xAll,
    ),
    `Complete dissemination: ${pool(m, 'time from a crash to every live member holding it dead')} Dashed: the first-detection theory shifted by S = ${range(
      cs.map((c) => c.suspicion),
    )} suspicion periods (left: the earliest a suspicion times out) and by S + D(n), D(n) = ⌈λ·log2(n+1)⌉ = ${range(
      cs.map((c) => c.spread),
    )} periods of infection-style dissemination (right: the latest, whp); theory puts the measured curve between them. Red dotted: the bound membership/detect-crash judges, F + 2 + S + D = ${bound} periods. From first detection to dead everywhere: ${spreads.length ? `${range(spreads, 1)} periods` : 'not measured'} (S + D = ${range(sd)}).${missing(cs.length - completes.length, 'dead everywhere')}`,
    'membership-cdf dissemination-cdf',
  );
  return first + dissemination;
}

/** The view matrix as small multiples, a note when the run is too large, '' without views. */
export function viewMatrixFigure(m: MembershipAnalysis): string {
  const vm = m.matrix;
  if (!vm) {
    return m.nodes > MATRIX_MAX_NODES
      ? `<p class="note">View matrix: drawn for runs of at most ${MATRIX_MAX_NODES} members (this one has ${m.nodes}).</p>`
      : '';
  }
  const grids = vm.grids.map((g) => viewGridSvg(vm.members, g, m.unit)).join(' ');
  const rounds = vm.grids.map((g) => `${g.round} (${e(g.label)})`).join(', ');
  const omitted = vm.omitted ? ` ${vm.omitted} more candidate ${m.unit}s left out.` : '';
  return `<figure class="viewmatrix">${viewLegendSvg()}<div class="viewgrids">${grids}</div><figcaption>View matrix (who holds what of whom) of this run, n = ${vm.members.length}, at ${vm.grids.length} ${m.unit}s: ${rounds}. One grid per ${m.unit}, after that ${m.unit}’s reads: row = the holder, column = the member, colour = the status the holder lists, number = its incarnation; a grey row with no numbers is a holder that is down (crashed, left, not yet joined).${omitted}</figcaption></figure>`;
}
