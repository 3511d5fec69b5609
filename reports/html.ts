// A plain, self-contained index.html: header, totals, one row per case.
// Every string that may come from an IUT is escaped; the page carries a
// strict Content-Security-Policy and fetches nothing.
import { countVerdicts, type RunReport, VERDICT_ORDER } from './model.js';

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const CSS = `body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
.PASS{background:#d9f2d9}.FAIL{background:#f8d0d0}.NON-STRICT{background:#fbe8c0}.INFO{background:#dde8f8}.UNSUPPORTED{background:#eee}
code{font-size:12px}ul{margin:0;padding-left:1.2em}`;

export function renderHtml(report: RunReport): string {
  const totals = countVerdicts(report.results);
  const rows = [...report.results]
    .sort((a, b) => VERDICT_ORDER.indexOf(a.verdict) - VERDICT_ORDER.indexOf(b.verdict))
    .map((r) => {
      const details = r.evidence.details.map((d) => `<li>${escapeHtml(d)}</li>`).join('');
      return `<tr class="${r.verdict}"><td>${escapeHtml(r.verdict)}</td><td><code>${escapeHtml(r.id)}</code></td>
<td>${escapeHtml(r.variant)}</td><td>${escapeHtml(r.scenario ?? '')}</td><td>${escapeHtml(r.level)}</td>
<td>${escapeHtml(r.requirement)}<br><small>source: ${escapeHtml(r.source)}</small></td>
<td>expected ${escapeHtml(r.evidence.expected)}<br>observed ${escapeHtml(r.evidence.observed)}<ul>${details}</ul></td></tr>`;
    })
    .join('\n');
  const impl = report.implementation;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>gossipcheck report: ${escapeHtml(impl.name)}</title><style>${CSS}</style></head>
<body><h1>gossipcheck conformance report</h1>
<p>Implementation <b>${escapeHtml(impl.name)}</b> ${escapeHtml(impl.version)} &middot; kit ${escapeHtml(report.kit.version)}
&middot; seed ${report.seed} &middot; ${escapeHtml(report.startedAt)}</p>
<p>Re-run: <code>${escapeHtml(report.command)}</code></p>
<p>${VERDICT_ORDER.map((v) => `<span class="${v}">${v}: ${totals[v]}</span>`).join(' &middot; ')}</p>
<table><thead><tr><th>verdict</th><th>case</th><th>variant</th><th>scenario</th><th>level</th><th>requirement</th><th>evidence</th></tr></thead>
<tbody>
${rows}
</tbody></table></body></html>
`;
}
