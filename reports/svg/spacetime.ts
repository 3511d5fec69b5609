// A space-time (Lamport) diagram of a small lockstep run: one horizontal line
// per node, time left to right, each round divided into its hops; every
// envelope an arrow from its send (round, hop) at the sender to its delivery
// at the receiver, a dropped one a red stub ending in a cross. Paged by
// rounds (several SVGs, shown one at a time by the page script) so nothing is
// cut off and each page stays readable.
import { escapeHtml } from '../escape.js';
import type { EnvelopeTrace } from '../plots/series.js';
import { fmt } from './chart.js';

/** Nodes above which no diagram is drawn. */
export const MAX_NODES = 16;
/** Envelopes above which no diagram is drawn (keeps the page light). */
export const MAX_ENVELOPES = 6000;
/** A page holds at most this many rounds, and about this many envelopes. */
export const PAGE_ROUNDS = 6;
export const PAGE_ENVELOPES = 220;

export interface SpaceTimeInput {
  nodes: string[];
  hopLimit: number;
  lastRound: number;
  envelopes: EnvelopeTrace[];
  /** Client writes: (round, node, key). */
  writes: { r: number; node: string; key: string }[];
}

/** Consecutive round ranges [from, to] for the pages. */
export function pageRanges(sentPerRound: Map<number, number>, lastRound: number): [number, number][] {
  const pages: [number, number][] = [];
  let from = 1;
  let count = 0;
  for (let r = 1; r <= lastRound; r++) {
    const c = sentPerRound.get(r) ?? 0;
    if (r > from && (r - from >= PAGE_ROUNDS || count + c > PAGE_ENVELOPES)) {
      pages.push([from, r - 1]);
      from = r;
      count = 0;
    }
    count += c;
  }
  if (lastRound >= from) pages.push([from, lastRound]);
  return pages;
}

/** The pages as SVG strings (empty when nothing to draw). */
export function spaceTimePages(input: SpaceTimeInput): string[] {
  const slots = Math.max(1, input.hopLimit + 1);
  const slotW = 20;
  const roundW = slots * slotW + 12;
  const labelW = 16 + Math.min(14, Math.max(2, ...input.nodes.map((n) => n.length))) * 7;
  const rowH = 28;
  const top = 26;
  const row = new Map(input.nodes.map((n, i) => [n, i]));
  const sent = new Map<number, number>();
  for (const e of input.envelopes) sent.set(e.sent.r, (sent.get(e.sent.r) ?? 0) + 1);
  const pages = pageRanges(sent, input.lastRound);
  return pages.map(([from, to], pageIndex) => {
    const rounds = to - from + 1;
    const w = labelW + rounds * roundW + 20;
    const h = top + input.nodes.length * rowH + 10;
    const xOf = (r: number, hop: number) => labelW + (r - from) * roundW + 6 + hop * slotW;
    const yOf = (node: string) => top + (row.get(node) ?? 0) * rowH + rowH / 2;
    const right = labelW + rounds * roundW + 8;
    const parts: string[] = [
      `<title>space-time diagram, rounds ${from} to ${to} (page ${pageIndex + 1} of ${pages.length})</title>`,
    ];
    for (let r = from; r <= to; r++) {
      const x = labelW + (r - from) * roundW;
      if ((r - from) % 2 === 0)
        parts.push(`<rect class="band" x="${x}" y="${top - 6}" width="${roundW}" height="${h - top}"/>`);
      parts.push(`<text class="tl" x="${x + roundW / 2}" y="${top - 10}" text-anchor="middle">r${r}</text>`);
    }
    input.nodes.forEach((n) => {
      const y = yOf(n);
      parts.push(
        `<text class="tl" x="${labelW - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${escapeHtml(n)}</text>`,
        `<path class="lifeline" d="M${labelW} ${y}H${right}"/>`,
      );
    });
    let ok = '';
    let late = '';
    let drop = '';
    let count = 0;
    const head = (x: number, y: number, x0: number, y0: number) => {
      const a = Math.atan2(y - y0, x - x0);
      const l = 5;
      return `M${fmt(x - l * Math.cos(a - 0.45))} ${fmt(y - l * Math.sin(a - 0.45))}L${fmt(x)} ${fmt(y)}L${fmt(x - l * Math.cos(a + 0.45))} ${fmt(y - l * Math.sin(a + 0.45))}`;
    };
    for (const e of input.envelopes) {
      const sentHere = e.sent.r >= from && e.sent.r <= to;
      const deliveredHere = e.delivered && e.delivered.r >= from && e.delivered.r <= to;
      if (!sentHere && !deliveredHere) continue;
      const y0 = yOf(e.from);
      const y1 = yOf(e.to);
      if (sentHere) count++;
      const x0 = sentHere ? xOf(e.sent.r, e.sent.hop) : labelW;
      if (e.delivered) {
        if (deliveredHere) {
          const x1 = xOf(e.delivered.r, e.delivered.hop);
          const seg = `M${fmt(x0)} ${fmt(y0)}L${fmt(x1)} ${fmt(y1)}${head(x1, y1, x0, y0)}`;
          if (e.delivered.r === e.sent.r) ok += seg;
          else late += seg;
        } else {
          // delivered on a later page: an arrow to the right edge
          const x1 = right;
          const t = (x1 - x0) / Math.max(1, xOf(e.delivered.r, e.delivered.hop) - x0);
          const y = y0 + (y1 - y0) * Math.min(1, t);
          late += `M${fmt(x0)} ${fmt(y0)}L${fmt(x1)} ${fmt(y)}`;
        }
      } else if (e.dropped && sentHere) {
        const xm = x0 + slotW * 0.7;
        const ym = y0 + (y1 - y0) * 0.35;
        drop += `M${fmt(x0)} ${fmt(y0)}L${fmt(xm)} ${fmt(ym)}M${fmt(xm - 3)} ${fmt(ym - 3)}l6 6m0 -6l-6 6`;
      } else if (sentHere) {
        // in flight at the end of the run
        late += `M${fmt(x0)} ${fmt(y0)}L${fmt(x0 + slotW / 2)} ${fmt(y0 + (y1 - y0) * 0.25)}`;
      }
    }
    if (ok)
      parts.push(`<path class="env-ok" d="${ok}"><title>delivered in the round it was sent</title></path>`);
    if (late)
      parts.push(
        `<path class="env-late" d="${late}"><title>delivered in a later round (delay, pause, hop limit)</title></path>`,
      );
    if (drop)
      parts.push(
        `<path class="env-drop" d="${drop}"><title>dropped (partition, loss, crash...)</title></path>`,
      );
    for (const wr of input.writes) {
      if (wr.r < from || wr.r > to || !row.has(wr.node)) continue;
      const x = xOf(wr.r, 0);
      const y = yOf(wr.node);
      parts.push(
        `<rect class="write" x="${fmt(x - 4)}" y="${fmt(y - 4)}" width="8" height="8"><title>write ${escapeHtml(wr.key)} at ${escapeHtml(wr.node)}, round ${wr.r}</title></rect>`,
      );
    }
    return `<svg class="spacetime" data-envelopes="${count}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${fmt(w)} ${h}" width="${fmt(w)}" height="${h}" role="img">${parts.join('')}</svg>`;
  });
}
