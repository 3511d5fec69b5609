// The fault schedule of one run as a timeline: one row per directed edge a
// partition cut (bars over the rounds it was cut), one row per other link
// fault, crash or pause. Rounds are [from, until): a bar covers the rounds the
// fault was in force.
import { escapeHtml } from '../escape.js';
import type { FaultWindow } from '../plots/series.js';
import { fmt, ticks } from './chart.js';

/** Most rows drawn; the rest are counted in a note. */
export const MAX_ROWS = 160;

interface Row {
  label: string;
  cls: string;
  bars: { from: number; until: number; title: string }[];
}

export function faultRows(windows: readonly FaultWindow[]): Row[] {
  const edgeRows = new Map<string, Row>();
  const other: Row[] = [];
  const nodeRows = new Map<string, Row>();
  for (const w of windows) {
    if (w.kind === 'link' && w.edges.length > 0) {
      for (const [a, b] of w.edges) {
        const key = `${a}\u0000${b}`;
        let row = edgeRows.get(key);
        if (!row) {
          row = { label: `${a} → ${b}`, cls: 'bar-cut', bars: [] };
          edgeRows.set(key, row);
        }
        row.bars.push({ from: w.from, until: w.until, title: `${w.label}: ${a} → ${b} cut` });
      }
    } else if (w.kind === 'link') {
      other.push({
        label: `${w.label} (${w.scope ?? 'all edges'})`,
        cls: 'bar-link',
        bars: [{ from: w.from, until: w.until, title: w.label }],
      });
    } else {
      const key = `${w.kind}\u0000${w.node}`;
      let row = nodeRows.get(key);
      if (!row) {
        row = {
          label: `${w.node} ${w.kind === 'crash' ? 'down' : 'paused'}`,
          cls: `bar-${w.kind}`,
          bars: [],
        };
        nodeRows.set(key, row);
      }
      row.bars.push({ from: w.from, until: w.until, title: w.label });
    }
  }
  const edges = [...edgeRows.values()].sort((x, y) =>
    x.label.localeCompare(y.label, 'en', { numeric: true }),
  );
  return [...edges, ...other, ...nodeRows.values()];
}

/** The timeline SVG, or undefined when the run had no faults. */
export function faultTimeline(windows: readonly FaultWindow[], lastRound: number): string | undefined {
  const rows = faultRows(windows);
  if (rows.length === 0) return undefined;
  const shown = rows.slice(0, MAX_ROWS);
  const labelW = Math.min(260, 12 + Math.max(...shown.map((r) => r.label.length)) * 6.5);
  const plotW = 520;
  const rowH = 13;
  const top = 18;
  const h = top + shown.length * rowH + 26;
  const w = labelW + plotW + 12;
  const xMin = 1;
  const xMax = Math.max(lastRound + 1, xMin + 1);
  const sx = (r: number) => labelW + ((r - xMin) / (xMax - xMin)) * plotW;
  const parts: string[] = [`<title>fault schedule: which directed edges were cut, when</title>`];
  shown.forEach((row, i) => {
    const y = top + i * rowH;
    if (i % 2 === 0) parts.push(`<rect class="band" x="0" y="${y}" width="${w}" height="${rowH}"/>`);
    parts.push(
      `<text class="tl" x="${labelW - 6}" y="${y + rowH - 3}" text-anchor="end">${escapeHtml(row.label)}</text>`,
    );
    for (const b of row.bars) {
      const x0 = sx(Math.max(xMin, b.from));
      const x1 = sx(Math.min(xMax, b.until));
      parts.push(
        `<rect class="${row.cls}" x="${fmt(x0)}" y="${y + 2}" width="${fmt(Math.max(1.5, x1 - x0))}" height="${rowH - 4}"><title>${escapeHtml(b.title)}, rounds ${b.from} to ${b.until - 1}</title></rect>`,
      );
    }
  });
  const axisY = top + shown.length * rowH;
  parts.push(`<path class="axis" d="M${labelW} ${axisY}H${labelW + plotW}"/>`);
  for (const t of ticks(xMin, xMax, 8)) {
    const x = fmt(sx(t));
    parts.push(
      `<path class="grid" d="M${x} ${top}V${axisY}"/><text class="tl" x="${x}" y="${axisY + 13}" text-anchor="middle">${fmt(t)}</text>`,
    );
  }
  parts.push(`<text class="al" x="${labelW + plotW / 2}" y="${h - 2}" text-anchor="middle">round</text>`);
  const svg = `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${fmt(w)} ${h}" width="${fmt(w)}" height="${h}" role="img">${parts.join('')}</svg>`;
  const more =
    rows.length > shown.length
      ? `<p class="note">${rows.length - shown.length} more rows not drawn.</p>`
      : '';
  return svg + more;
}
