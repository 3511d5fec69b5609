// The view matrix as small multiples: one inline SVG per chosen round, rows
// the holders, columns the members, a cell's colour the status held and its
// text the incarnation. Colours are SVG presentation attributes (fill=…),
// which the page's CSP does not treat as inline styles, so the hashed
// stylesheet stays untouched; the classes (vm-alive, …) are for tests and
// future CSS.
import { escapeHtml } from '../escape.js';
import type { Cell, ViewGrid } from '../plots/membership.js';
import { fmt } from './chart.js';

const CELL = 22;
const LEFT = 30;
const TOP = 44;

/** Fill per cell kind: the page's verdict palette, stronger where it matters (suspect, dead). */
export const CELL_FILL: Record<string, string> = {
  alive: '#cdebd0',
  suspect: '#f5c26b',
  dead: '#e57373',
  left: '#9fbfe6',
  unknown: '#ffffff',
  down: '#e3e6ea',
};

const LEGEND: [string, string][] = [
  ['alive', 'alive'],
  ['suspect', 'suspect'],
  ['dead', 'dead'],
  ['left', 'left'],
  ['unknown', 'not in the view'],
  ['down', 'holder down'],
];

function cellKey(c: Cell): string {
  return c.kind === 'held' ? c.status : c.kind;
}

function cellTitle(holder: string, member: string, c: Cell): string {
  if (c.kind === 'down') return `${holder} is down`;
  if (c.kind === 'unknown') return `${holder} does not list ${member}`;
  return `${holder} holds ${member}: ${c.status}, incarnation ${c.incarnation}`;
}

/** One grid: `unit` is 'round' or 'ms'. */
export function viewGridSvg(members: readonly string[], grid: ViewGrid, unit: string): string {
  const n = members.length;
  const label = grid.label.length > 48 ? `${grid.label.slice(0, 47)}…` : grid.label;
  const w = Math.max(LEFT + n * CELL + 6, 8 + label.length * 5.4);
  const h = TOP + n * CELL + 6;
  const parts: string[] = [
    `<title>${escapeHtml(`views at ${unit} ${grid.round}: ${grid.label}`)}</title>`,
    `<text class="al" x="2" y="11">${escapeHtml(`${unit} ${grid.round}`)}</text>`,
  ];
  members.forEach((m, j) => {
    parts.push(
      `<text class="tl" x="${LEFT + j * CELL + CELL / 2}" y="${TOP - 5}" text-anchor="middle">${escapeHtml(m)}</text>`,
    );
  });
  grid.rows.forEach((row, i) => {
    const y = TOP + i * CELL;
    parts.push(
      `<text class="tl" x="${LEFT - 4}" y="${y + CELL / 2}" text-anchor="end" dominant-baseline="middle">${escapeHtml(members[i])}</text>`,
    );
    row.forEach((c, j) => {
      const x = LEFT + j * CELL;
      const key = cellKey(c);
      const text = c.kind === 'held' ? escapeHtml(String(c.incarnation)) : c.kind === 'unknown' ? '·' : '';
      parts.push(
        `<g class="vm-cell vm-${key}"><rect x="${x}" y="${y}" width="${CELL}" height="${CELL}" fill="${CELL_FILL[key]}" stroke="#ffffff"/>${text ? `<text x="${x + CELL / 2}" y="${y + CELL / 2}" text-anchor="middle" dominant-baseline="middle">${text}</text>` : ''}<title>${escapeHtml(cellTitle(members[i], members[j], c))}</title></g>`,
      );
    });
  });
  parts.push(
    `<rect x="${LEFT}" y="${TOP}" width="${n * CELL}" height="${n * CELL}" fill="none" stroke="#9aa3ad"/>`,
  );
  // Why this round was chosen, under the round (the full text is in the <title>).
  parts.push(`<text class="lg" x="2" y="25">${escapeHtml(label)}</text>`);
  return `<svg class="viewgrid" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${fmt(w)} ${h}" width="${fmt(w)}" height="${h}" role="img" data-round="${escapeHtml(String(grid.round))}">${parts.join('')}</svg>`;
}

/** The legend: one swatch per cell kind. */
export function viewLegendSvg(): string {
  const parts: string[] = ['<title>view matrix legend</title>'];
  let x = 4;
  for (const [key, label] of LEGEND) {
    parts.push(
      `<rect x="${x}" y="5" width="12" height="12" fill="${CELL_FILL[key]}" stroke="#9aa3ad"/>`,
      `<text class="lg" x="${x + 16}" y="14">${escapeHtml(label)}</text>`,
    );
    x += 24 + label.length * 5.6;
  }
  parts.push(`<text class="lg" x="${x + 6}" y="14">number: incarnation</text>`);
  const w = x + 130;
  return `<svg class="viewlegend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} 22" width="${w}" height="22" role="img">${parts.join('')}</svg>`;
}
