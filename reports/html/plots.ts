// The figures of one case: informed fraction against theory, messages per
// round with fault windows shaded, the space-time diagram (small runs), and
// the fault schedule timeline (counterexamples).

import type { Focus } from '../../checks/verdict.js';
import { escapeHtml } from '../escape.js';
import type { LoadedHistory } from '../histories.js';
import {
  type EnvelopeTrace,
  envelopes,
  type FaultWindow,
  faultWindows,
  type InformedSeries,
  informedSeries,
  lastRound,
  messageSeries,
  type Point,
  type RunBlock,
  selectRun,
  splitRuns,
} from '../plots/series.js';
import { FORMULAS, meanFieldCurve, SIR_FORMULA, sirPushCurve, spreadModel } from '../plots/theory.js';
import { downsample, lineChart, type Shade } from '../svg/chart.js';
import { MAX_ENVELOPES, MAX_NODES, spaceTimePages } from '../svg/spacetime.js';
import { faultTimeline } from '../svg/timeline.js';
import { type MembershipAnalysis, membershipAnalysis } from './membership.js';

export interface Analysis {
  block: RunBlock;
  realtime: boolean;
  last: number;
  /** The round the case's bound falls on, drawn on the informed figure. */
  deadline?: number;
  informed?: InformedSeries;
  messages: Point[];
  windows: FaultWindow[];
  envelopes: EnvelopeTrace[];
  /** SWIM runs: crash timings over every run of the history, and the view matrix. */
  membership?: MembershipAnalysis;
}

export type AnalysisResult = { ok: true; analysis: Analysis } | { ok: false; note: string };

/** The run of `loaded` for `scenario` (or its first run), analysed; or why not. */
export function analyse(
  path: string,
  loaded: LoadedHistory | undefined,
  scenario?: string,
  focus?: Focus,
): AnalysisResult {
  if (!loaded) return { ok: false, note: `history ${path} was not loaded` };
  if (!loaded.ok) return { ok: false, note: `history ${path} could not be read: ${loaded.error}` };
  let block: RunBlock | undefined;
  try {
    block = selectRun(loaded.events, scenario);
    if (!block) return { ok: false, note: `history ${path} holds no run` };
    const realtime = block.run.mode === 'realtime';
    return {
      ok: true,
      analysis: {
        block,
        realtime,
        last: lastRound(block),
        ...(focus?.deadline !== undefined && !realtime ? { deadline: focus.deadline } : {}),
        informed: informedSeries(block, focus?.key),
        messages: messageSeries(block).messages,
        windows: faultWindows(block),
        envelopes: realtime ? [] : envelopes(block),
        ...membershipAnalysis(block, splitRuns(loaded.events)),
      },
    };
  } catch (err) {
    return {
      ok: false,
      note: `history ${path} has events the report cannot draw: ${(err as Error).message}`,
    };
  }
}

function shades(windows: readonly FaultWindow[]): Shade[] {
  return windows.map((w) => ({
    from: w.from,
    until: w.until,
    label: w.label,
    cls: w.kind === 'link' ? 'shade-link' : w.kind === 'crash' ? 'shade-crash' : 'shade-pause',
  }));
}

function figure(svg: string, caption: string, cls = ''): string {
  return `<figure${cls ? ` class="${cls}"` : ''}>${svg}<figcaption>${caption}</figcaption></figure>`;
}

export function informedFigure(a: Analysis): string {
  const inf = a.informed;
  if (!inf) return '<p class="note">Informed fraction: the run wrote nothing.</p>';
  const unit = a.realtime ? 'ms' : 'round';
  const measured = downsample(inf.points);
  const series = [
    { label: 'measured', cls: 's-measured', points: measured.points, dots: measured.bucket === 1 },
  ];
  const model =
    a.realtime || inf.measure === 'push-sum' ? undefined : spreadModel(a.block.run.params.variant);
  let theory = '';
  const params = a.block.run.params;
  if (model && inf.points.length && params.variant === 'rumor-push') {
    const end = inf.points[inf.points.length - 1].x;
    const blind = params.lossOfInterest.startsWith('blind');
    const curve = sirPushCurve(inf.nodes, params.fanout, params.rumorK, blind, inf.start, end);
    series.push({
      label: 'mean field (SIR push)',
      cls: 's-theory',
      points: downsample(curve).points,
      dots: false,
    });
    theory = ` Dashed: the SIR mean field ${escapeHtml(SIR_FORMULA)}, f = ${params.fanout}, k = ${params.rumorK}${blind ? ' (blind: every contact counts)' : ''}; it levels off at the residue.`;
  } else if (model && inf.points.length) {
    const end = inf.points[inf.points.length - 1].x;
    const curve = meanFieldCurve(model, inf.nodes, params.fanout, inf.start, end);
    series.push({
      label: `mean field (${model})`,
      cls: 's-theory',
      points: downsample(curve).points,
      dots: false,
    });
    theory = ` Dashed: the mean-field curve ${escapeHtml(FORMULAS[model])}, f = ${params.fanout}, i₀ = 1/${inf.nodes}${params.variant === 'rumor-pull' ? '; an upper bound for rumor mongering, which loses interest before everyone knows' : ''}.`;
  } else if (inf.measure === 'push-sum') {
    theory =
      ' Push-sum has no susceptible/informed curve; its error bound is in the case source (Kempe et al. 2003).';
  }
  let bound = '';
  if (a.deadline !== undefined) {
    const x = a.deadline;
    series.push({
      label: 'bound',
      cls: 's-bound',
      points: [
        { x, y: 0 },
        { x, y: 1 },
      ],
      dots: false,
    });
    bound = ` Red dotted line: the bound the case judges against (identical state by ${unit} ${x}).`;
  }
  const what =
    inf.measure === 'key'
      ? `live nodes holding the newest acknowledged version of key “${escapeHtml(inf.subject)}” (${inf.focused ? 'the key the check names' : 'the first written'})`
      : `live nodes whose estimate is within 1e-6 of the ${escapeHtml(inf.subject)}`;
  const sampled = measured.bucket > 1 ? ` Each point is the mean of ${measured.bucket} ${unit}s.` : '';
  return figure(
    lineChart({
      title: 'informed fraction per round',
      xLabel: unit,
      yLabel: 'informed fraction',
      series,
      yMin: 0,
      yMax: 1,
      xMin: a.realtime ? 0 : 1,
      xMax: Math.max(a.last, 2),
      shades: shades(a.windows),
    }),
    `Fraction of ${what}, per ${unit}.${theory}${bound}${sampled}`,
    'informed',
  );
}

export function messagesFigure(a: Analysis): string {
  const unit = a.realtime ? 'ms' : 'round';
  const m = downsample(a.messages);
  const total = a.messages.reduce((s, p) => s + p.y, 0);
  const sampled = m.bucket > 1 ? ` Each point is the mean of ${m.bucket} ${unit}s.` : '';
  const faults = a.windows.length
    ? ' Shaded: fault windows (link faults red, crashed nodes grey, pauses amber).'
    : '';
  return figure(
    lineChart({
      title: 'messages per round',
      xLabel: unit,
      yLabel: 'envelopes sent',
      series: [{ label: 'envelopes sent', cls: 's-measured', points: m.points, dots: m.bucket === 1 }],
      yMin: 0,
      xMin: a.realtime ? 0 : 1,
      xMax: Math.max(a.last, 2),
      shades: shades(a.windows),
    }),
    `Envelopes sent per ${unit} (${total} in all).${faults}${sampled}`,
    'messages',
  );
}

/** The paged space-time diagram, or a note saying why there is none. */
export function spaceTimeFigure(a: Analysis, allowed: boolean): string {
  const nodes = a.block.run.nodes;
  if (a.realtime) return '<p class="note">Space-time diagram: lockstep runs only.</p>';
  if (nodes.length > MAX_NODES)
    return `<p class="note">Space-time diagram: drawn for runs of at most ${MAX_NODES} nodes (this one has ${nodes.length}).</p>`;
  if (a.envelopes.length > MAX_ENVELOPES)
    return `<p class="note">Space-time diagram: ${a.envelopes.length} envelopes, more than the ${MAX_ENVELOPES} drawn.</p>`;
  if (!allowed)
    return '<p class="note">Space-time diagram left out to keep the page light (the page’s envelope budget went to failing cases first); see the history file.</p>';
  const writes = a.block.events.flatMap((e) =>
    e.t === 'update' ? [{ r: e.r, node: e.node, key: e.key }] : [],
  );
  const pages = spaceTimePages({
    nodes,
    hopLimit: a.block.run.hopLimit,
    lastRound: a.last,
    envelopes: a.envelopes,
    writes,
  });
  if (pages.length === 0) return '<p class="note">Space-time diagram: no rounds.</p>';
  const body = pages.map((svg, i) => `<div class="page"${i > 0 ? ' data-later' : ''}>${svg}</div>`).join('');
  return `<figure class="spacetime-fig"><div class="pager"><div class="pager-controls" hidden><button type="button" class="prev">◀ prev</button><span class="pos"></span><button type="button" class="next">next ▶</button></div>${body}</div><figcaption>Space-time diagram: one line per node, each round split into its hops; blue arrows are envelopes delivered in the round they were sent, purple dashed ones later (delay, pause, hop limit), red stubs with a cross were dropped; green squares are client writes. ${pages.length} page(s).</figcaption></figure>`;
}

export function timelineFigure(a: Analysis): string {
  const svg = faultTimeline(a.windows, a.last);
  if (!svg) return '<p class="note">The shrunk run injected no faults.</p>';
  return figure(
    svg,
    'Shrunk fault schedule: one row per directed edge a partition cut (red), per other link fault (orange), per crashed (grey) or paused (amber) node; a bar spans the rounds the fault was in force.',
    'timeline-fig',
  );
}
