// The report's "explored" fragment: per case, how the generated inputs were
// distributed (feature -> value bucket -> count), as one small table per
// feature with a bar per bucket. Pure: a string of HTML, every text escaped.
import { escapeHtml } from '../escape.js';

/** Numeric buckets ("5-8", "9-16", "3") in numeric order, other values by name. */
function order(a: string, b: string): number {
  const na = Number.parseFloat(a);
  const nb = Number.parseFloat(b);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function renderExplored(explored: Record<string, Record<string, number>> | undefined): string {
  if (!explored || Object.keys(explored).length === 0) return '';
  const tables = Object.entries(explored).map(([feature, counts]) => {
    const entries = Object.entries(counts).sort(([a], [b]) => order(a, b));
    const total = entries.reduce((s, [, c]) => s + c, 0);
    const rows = entries
      .map(([value, count]) => {
        const pct = total ? Math.round((100 * count) / total) : 0;
        // A <meter>, not a styled span: the page's CSP allows no style attributes.
        return `<tr><td>${escapeHtml(value)}</td><td class="num">${count}</td><td><meter min="0" max="100" value="${pct}">${pct}%</meter></td></tr>`;
      })
      .join('');
    return `<table class="explored-feature"><caption>${escapeHtml(feature)}</caption><thead><tr><th>value</th><th>inputs</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
  });
  return `<details class="explored"><summary>Explored inputs</summary><div class="explored-tables">${tables.join('')}</div></details>`;
}
