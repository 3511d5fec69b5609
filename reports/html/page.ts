// index.html: one self-contained page for one run or several merged runs.
// Header (per run: IUT, capabilities, seed, kit, date, totals, re-run
// command), the case × implementation matrix with verdict and suite filters,
// then one section per result with its evidence and figures.
import { countVerdicts, gateText } from '../../checks/gate.js';
import { VERDICT_ORDER, type VerdictKind } from '../../checks/verdict.js';
import { placementLine, type RunReport, transportLine } from '../../suites/result.js';
import { escapeHtml } from '../escape.js';
import { failureGroups, groupLine } from '../failure-groups.js';
import { type LoadedHistory, safeRelativePath } from '../histories.js';
import { columnLabel, type MatrixRow, matrixRows } from '../matrix.js';
import { CSP, CSS, SCRIPT } from './assets.js';
import { renderExplored } from './explored.js';
import { detectionFigures, viewMatrixFigure } from './membership.js';
import {
  type AnalysisResult,
  analyse,
  informedFigure,
  messagesFigure,
  spaceTimeFigure,
  timelineFigure,
} from './plots.js';

/** One column of the matrix: a run's report and the histories it references (by path). */
export interface RenderRun {
  report: RunReport;
  histories?: Map<string, LoadedHistory>;
}

/** Envelopes drawn in space-time diagrams on one page, failing cases first. */
export const PAGE_ENVELOPE_BUDGET = 60_000;

const e = escapeHtml;

function columnLabels(runs: readonly RenderRun[]): string[] {
  const base = runs.map((r) => columnLabel(r.report));
  // Runs of one implementation are told apart by seed, then start time, then position.
  const tell = (labels: string[], extra: (i: number) => string) =>
    labels.map((l, i) => (labels.filter((x) => x === l).length > 1 ? `${l} (${extra(i)})` : l));
  let labels = tell(base, (i) => `seed ${runs[i].report.seed}`);
  labels = tell(labels, (i) => runs[i].report.startedAt ?? '');
  return tell(labels, (i) => `#${i + 1}`);
}

function totalsHtml(totals: Record<VerdictKind, number>): string {
  return `<span class="totals">${VERDICT_ORDER.map((v) => `<span class="${v}">${v} ${totals[v] ?? 0}</span>`).join('')}</span>`;
}

function capabilitiesHtml(c: RunReport['implementation']['capabilities']): string {
  if (!c) return '<span class="note">none declared (Init failed)</span>';
  const flags = (['lockstep', 'realtime', 'rumorStatus', 'pushSum', 'membership', 'durableRestart'] as const)
    .filter((k) => c[k])
    .join(', ');
  return `variants: ${e((c.variants ?? []).join(', ') || 'none')}<br>loss of interest: ${e((c.lossOfInterest ?? []).join(', ') || 'none')}<br>${e(flags || 'no flags')}`;
}

/** A run that did not complete, or that left warnings, says so above everything else. */
function bannersHtml(runs: readonly RenderRun[], labels: string[]): string {
  return runs
    .flatMap(({ report: r }, i) => {
      const who = runs.length > 1 ? `${labels[i]}: ` : '';
      const out: string[] = [];
      if (r.status && r.status !== 'completed')
        out.push(`<p class="status-banner">${e(who)}run ${e(r.status)}: ${e(r.statusReason ?? '')}</p>`);
      for (const w of r.warnings ?? []) out.push(`<p class="note">${e(who)}warning: ${e(w)}</p>`);
      return out;
    })
    .join('\n');
}

function headerHtml(runs: readonly RenderRun[], labels: string[]): string {
  const rows: [string, (r: RunReport) => string][] = [
    ['implementation', (r) => `<b>${e(r.implementation?.name)}</b>`],
    ['version', (r) => e(r.implementation?.version)],
    ['capabilities', (r) => capabilitiesHtml(r.implementation?.capabilities ?? null)],
    ['seed', (r) => e(r.seed)],
    [
      'transport',
      (r) => (r.transport ? e(transportLine(r.transport)) : '<span class="note">in-process</span>'),
    ],
    [
      'placement',
      (r) =>
        (r.placement ?? []).map((p) => e(placementLine(p))).join('<br>') ||
        '<span class="note">one machine</span>',
    ],
    ['kit', (r) => `${e(r.kit?.name)} ${e(r.kit?.version)}`],
    ['started', (r) => e(r.startedAt)],
    ['finished', (r) => e(r.finishedAt ?? '')],
    ['status', (r) => e(r.status ?? 'completed') + (r.statusReason ? `: ${e(r.statusReason)}` : '')],
    ['verdicts', (r) => totalsHtml(countVerdicts(r.results))],
    ['gate', (r) => e(gateText(r))],
    ['re-run', (r) => `<pre class="cmd">${e(r.command)}</pre>`],
    [
      'node logs',
      (r) =>
        (r.nodeLogs ?? []).map((l) => link(l)).join('<br>') || '<span class="note">none (in-process)</span>',
    ],
  ];
  const head = runs.length > 1 ? `<tr><th></th>${labels.map((l) => `<th>${e(l)}</th>`).join('')}</tr>` : '';
  const body = rows
    .map(([name, f]) => `<tr><td>${name}</td>${runs.map((r) => `<td>${f(r.report)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<table class="meta">${head}${body}</table>`;
}

/** Per run with two failures or more: the checks that broke, biggest group first. */
function groupsHtml(runs: readonly RenderRun[], labels: string[]): string {
  const parts = runs.flatMap(({ report }, i) => {
    const groups = failureGroups(report.results);
    if (groups.reduce((k, g) => k + g.cases.length, 0) < 2) return [];
    const who = runs.length > 1 ? ` (${e(labels[i])})` : '';
    const items = groups.map((g) => `<li>${e(groupLine(g))}</li>`).join('');
    return [`<h2>Failures by check${who}</h2>\n<ul class="groups">${items}</ul>`];
  });
  return parts.join('\n');
}

function sectionId(col: number, index: number): string {
  return `case-${col}-${index}`;
}

function filtersHtml(suites: string[]): string {
  const boxes = VERDICT_ORDER.map(
    (v) =>
      `<label><input type="checkbox" name="verdict" value="${v}" checked> <span class="badge ${v}">${v}</span></label>`,
  ).join('');
  const options = suites.map((s) => `<option value="${e(s)}">${e(s)}</option>`).join('');
  return `<form class="filters" id="filters"><span>Show verdicts:</span>${boxes}<label>suite <select name="suite"><option value="">all suites</option>${options}</select></label><span class="note" id="shown"></span></form>`;
}

function matrixHtml(runs: readonly RenderRun[], labels: string[], rows: MatrixRow[]): string {
  const short = (l: string) => (l.length > 48 ? `${l.slice(0, 47)}…` : l);
  const head = `<tr><th>case</th><th>variant</th>${labels
    .map((l) => `<th class="impl"${l.length > 48 ? ` title="${e(l)}"` : ''}>${e(short(l))}</th>`)
    .join('')}</tr>`;
  const body = rows
    .map((row) => {
      const verdicts = new Set<string>();
      const cells = row.cells
        .map((idx, col) => {
          if (idx < 0) return '<td class="cell MISSING" title="not run">—</td>';
          const r = runs[col].report.results[idx];
          verdicts.add(r.verdict);
          const known = r.expectedFailure ? '*' : '';
          // The reason is in the cell: a reader should not need a click to know why.
          const why = r.verdict === 'PASS' ? '' : (r.evidence?.observed ?? '');
          const title = ` title="${e(`${r.expectedFailure ? 'expected failure (--expect-fail): ' : ''}${why}`.slice(0, 300))}"`;
          return `<td class="cell ${e(r.verdict)}" data-verdict="${e(r.verdict)}"${title}><a href="#${sectionId(col, idx)}">${e(r.verdict)}${known}</a></td>`;
        })
        .join('');
      return `<tr data-filter data-suite="${e(row.suite)}" data-verdicts="${e([...verdicts].join(' '))}"><td class="case">${e(row.id)}</td><td>${e(row.variant)}</td>${cells}</tr>`;
    })
    .join('\n');
  return `<table class="matrix" id="matrix"><thead>${head}</thead><tbody>\n${body}\n</tbody></table>`;
}

function link(path: string | undefined): string {
  if (!path) return '';
  const safe = safeRelativePath(path);
  return safe
    ? `<a href="${e(safe)}">${e(safe)}</a>`
    : `<code>${e(path)}</code> (not inside the report directory)`;
}

function caseHtml(
  run: RenderRun,
  label: string,
  col: number,
  index: number,
  analysis: AnalysisResult | undefined,
  cx: AnalysisResult | undefined,
  spaceTime: boolean,
): string {
  const r = run.report.results[index];
  const ev = r.evidence ?? { expected: '', observed: '', details: [] };
  const details = (ev.details ?? []).map((d) => `<li>${e(d)}</li>`).join('');
  const dl: string[] = [
    `<dt>requirement</dt><dd>${e(r.requirement)}</dd>`,
    `<dt>level</dt><dd>${e(r.level)}</dd>`,
    `<dt>source</dt><dd>${e(r.source)}</dd>`,
    `<dt>expected</dt><dd>${e(ev.expected)}</dd>`,
    `<dt>observed</dt><dd>${e(ev.observed)}</dd>`,
  ];
  if (details) dl.push(`<dt>details</dt><dd><ul>${details}</ul></dd>`);
  dl.push(
    `<dt>runs, seed</dt><dd>${e(r.runs)} run(s), ${e(r.judged ?? '?')} judged; seed ${e(r.seed)}${r.durationMs !== undefined ? `; ${e((r.durationMs / 1000).toFixed(2))} s` : ''}</dd>`,
  );
  if (r.checks?.length)
    dl.push(
      `<dt>checks</dt><dd><ul>${r.checks.map((c) => `<li><span class="badge ${e(c.verdict)}">${e(c.verdict)}</span> ${e(c.id)}: judged in ${e(c.runs)} run(s), ${e(c.judged)} item(s)</li>`).join('')}</ul></dd>`,
    );
  if (r.scenario) dl.push(`<dt>scenario</dt><dd>${e(r.scenario)}</dd>`);
  const explored = renderExplored(r.explored);
  if (explored) dl.push(`<dt>explored</dt><dd>${explored}</dd>`);
  if (r.history) dl.push(`<dt>history</dt><dd>${link(r.history)}</dd>`);
  if (r.expectedFailure) dl.push('<dt>known</dt><dd>listed in --expect-fail: shown, not gating</dd>');
  let cxHtml = '';
  if (r.counterexample) {
    const c = r.counterexample;
    const drawn = cx ? (cx.ok ? timelineFigure(cx.analysis) : `<p class="note">${e(cx.note)}</p>`) : '';
    cxHtml = `<div class="counterexample"><h4>Counterexample (shrunk)</h4><dl>
<dt>fast-check</dt><dd>seed ${e(c.seed)}, path “${e(c.path)}”</dd>
<dt>input</dt><dd>${link(c.file)}</dd><dt>history</dt><dd>${link(c.history)}</dd>
<dt>replay</dt><dd><pre class="cmd">${e(c.replay)}</pre></dd></dl>${drawn}</div>`;
  }
  let figures: string;
  if (!r.history) figures = '<p class="note">No history recorded for this case.</p>';
  else if (!analysis) figures = '<p class="note">No history loaded.</p>';
  else if (!analysis.ok) figures = `<p class="note">${e(analysis.note)}</p>`;
  else {
    const a = analysis.analysis;
    const open = r.verdict === 'FAIL' || r.verdict === 'NON-STRICT' ? ' open' : '';
    figures = `<details class="figures"${open}><summary>Plots: ${a.block.run.nodes.length} nodes, ${a.last} ${a.realtime ? 'ms' : 'rounds'}, ${a.envelopes.length || a.messages.reduce((s, p) => s + p.y, 0)} envelopes</summary><div class="plots">${a.membership ? detectionFigures(a.membership) : informedFigure(a)}${messagesFigure(a)}</div>${a.membership ? viewMatrixFigure(a.membership) : ''}${spaceTimeFigure(a, spaceTime)}</details>`;
  }
  const scenario = r.scenario ? ` <span class="note">(${e(r.scenario)})</span>` : '';
  return `<section class="case v-${e(r.verdict)}" id="${sectionId(col, index)}" data-filter data-suite="${e(r.suite ?? r.id.split('/')[0])}" data-verdicts="${e(r.verdict)}">
<h3><span class="badge ${e(r.verdict)}">${e(r.verdict)}${r.expectedFailure ? ' (expected)' : ''}</span> <code>${e(r.id)}</code> [${e(r.variant)}]${scenario} · ${e(label)}</h3>
<dl>${dl.join('\n')}</dl>${cxHtml}${figures}</section>`;
}

/** The page for one run, or several runs merged into one matrix (one column each). */
export function renderPage(input: RenderRun | readonly RenderRun[]): string {
  const runs: readonly RenderRun[] = Array.isArray(input) ? input : [input as RenderRun];
  const labels = columnLabels(runs);
  const rows = matrixRows(runs.map((r) => r.report));
  const suites = [...new Set(rows.map((r) => r.suite))];
  const all = runs.flatMap((r) => r.report.results);
  const totals = countVerdicts(all);

  // Analyse every history once, then hand out the space-time budget: failing
  // (then non-strict, unsupported, info) results first, passing ones last.
  const analyses = runs.map((run) =>
    run.report.results.map((r) =>
      r.history ? analyse(r.history, run.histories?.get(r.history), r.scenario, r.focus) : undefined,
    ),
  );
  const order = runs
    .flatMap((run, col) =>
      run.report.results.map((r, i) => ({ col, i, rank: VERDICT_ORDER.indexOf(r.verdict) })),
    )
    .sort((a, b) => a.rank - b.rank);
  const allowed = new Set<string>();
  let budget = PAGE_ENVELOPE_BUDGET;
  for (const { col, i } of order) {
    const a = analyses[col][i];
    if (!a?.ok) continue;
    const n = a.analysis.envelopes.length;
    if (n <= budget) {
      allowed.add(`${col}/${i}`);
      budget -= n;
    }
  }

  const sections = rows
    .flatMap((row) =>
      row.cells.map((idx, col) => {
        if (idx < 0) return '';
        const run = runs[col];
        const r = run.report.results[idx];
        const cx = r.counterexample
          ? analyse(
              r.counterexample.history,
              run.histories?.get(r.counterexample.history),
              r.scenario,
              r.focus,
            )
          : undefined;
        return caseHtml(run, labels[col], col, idx, analyses[col][idx], cx, allowed.has(`${col}/${idx}`));
      }),
    )
    .filter(Boolean)
    .join('\n');

  const title =
    runs.length === 1 ? `gossipcheck report: ${labels[0]}` : `gossipcheck report: ${runs.length} runs merged`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${e(title)}</title>
<style>${CSS}</style></head>
<body><header class="top"><h1>gossipcheck conformance report</h1>
${headerHtml(runs, labels)}
${runs.length > 1 ? `<p>All runs: ${totalsHtml(totals)}</p>` : ''}
${bannersHtml(runs, labels)}
</header>
<main>
${groupsHtml(runs, labels)}
<h2>Case × implementation matrix</h2>
<p class="note">A row is a case and protocol variant; a column an implementation. FAIL: a MUST broken; NOT-RUN: the run stopped before this case; NON-STRICT: a SHOULD missed; INCONCLUSIVE: judged nothing, so not a pass; UNSUPPORTED: capability not declared; INFO: measured, no requirement. * marks an expected failure. Hover a verdict for its reason; click it for its evidence.</p>
${filtersHtml(suites)}
${matrixHtml(runs, labels, rows)}
<h2>Cases</h2>
${sections}
</main>
<script>${SCRIPT}</script>
</body></html>
`;
}
