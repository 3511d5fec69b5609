// A small line chart as inline SVG: axes with ticks, several series, shaded
// windows. Styled by the page's classes only (no style attributes: the page's
// CSP allows no inline styles beyond its one hashed <style> element).
import { escapeHtml } from '../escape.js';
import type { Point } from '../plots/series.js';

/** Most points a series keeps; longer series are bucketed (mean per bucket). */
export const MAX_POINTS = 300;

export function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/**
 * At most `max` points: consecutive points grouped into equal buckets, each
 * replaced by its mean x and mean y. Returns the bucket size (1 = unchanged).
 */
export function downsample(points: readonly Point[], max = MAX_POINTS): { points: Point[]; bucket: number } {
  if (points.length <= max) return { points: points.slice(), bucket: 1 };
  const bucket = Math.ceil(points.length / max);
  const out: Point[] = [];
  for (let i = 0; i < points.length; i += bucket) {
    const group = points.slice(i, i + bucket);
    const x = group.reduce((a, p) => a + p.x, 0) / group.length;
    const y = group.reduce((a, p) => a + p.y, 0) / group.length;
    out.push({ x, y });
  }
  return { points: out, bucket };
}

/** About `count` round tick values covering [min, max]. */
export function ticks(min: number, max: number, count = 6): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

export interface Series {
  label: string;
  /** A class from the page CSS: 's-measured', 's-theory', 's-bytes'. */
  cls: string;
  points: Point[];
  /** Draw a dot at every point too (small series). */
  dots?: boolean;
}

export interface Shade {
  from: number;
  until: number;
  label: string;
  /** 'shade-link', 'shade-crash' or 'shade-pause'. */
  cls: string;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  shades?: Shade[];
  xMin?: number;
  xMax?: number;
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
}

const PAD = { left: 48, right: 12, top: 38, bottom: 34 };

export function lineChart(spec: ChartSpec): string {
  const w = spec.width ?? 560;
  const h = spec.height ?? 226;
  const all = spec.series.flatMap((s) => s.points);
  const xs = all.map((p) => p.x);
  const ys = all.map((p) => p.y);
  const xMin = spec.xMin ?? (xs.length ? Math.min(...xs) : 0);
  let xMax = spec.xMax ?? (xs.length ? Math.max(...xs) : 1);
  if (xMax <= xMin) xMax = xMin + 1;
  const yMin = spec.yMin ?? 0;
  let yMax = spec.yMax ?? (ys.length ? Math.max(...ys) : 1);
  if (yMax <= yMin) yMax = yMin + 1;
  const pw = w - PAD.left - PAD.right;
  const ph = h - PAD.top - PAD.bottom;
  const sx = (x: number) => PAD.left + ((x - xMin) / (xMax - xMin)) * pw;
  const sy = (y: number) => PAD.top + ph - ((y - yMin) / (yMax - yMin)) * ph;
  const parts: string[] = [];
  parts.push(`<title>${escapeHtml(spec.title)}</title>`);
  for (const s of spec.shades ?? []) {
    const x0 = sx(Math.max(xMin, s.from));
    const x1 = sx(Math.min(xMax, s.until));
    if (x1 <= x0) continue;
    parts.push(
      `<rect class="${s.cls}" x="${fmt(x0)}" y="${PAD.top}" width="${fmt(x1 - x0)}" height="${ph}"><title>${escapeHtml(s.label)}: rounds ${s.from}..${s.until}</title></rect>`,
    );
  }
  // axes and ticks
  parts.push(`<path class="axis" d="M${PAD.left} ${PAD.top}V${PAD.top + ph}H${PAD.left + pw}"/>`);
  for (const t of ticks(xMin, xMax)) {
    const x = fmt(sx(t));
    parts.push(
      `<path class="tick" d="M${x} ${PAD.top + ph}v4"/><text class="tl" x="${x}" y="${PAD.top + ph + 15}" text-anchor="middle">${fmt(t)}</text>`,
    );
  }
  for (const t of ticks(yMin, yMax, 4)) {
    const y = fmt(sy(t));
    parts.push(
      `<path class="grid" d="M${PAD.left} ${y}H${PAD.left + pw}"/><text class="tl" x="${PAD.left - 5}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmt(t)}</text>`,
    );
  }
  parts.push(
    `<text class="al" x="${PAD.left + pw / 2}" y="${h - 4}" text-anchor="middle">${escapeHtml(spec.xLabel)}</text>`,
    `<text class="al" x="4" y="${PAD.top - 12}">${escapeHtml(spec.yLabel)}</text>`,
  );
  for (const s of spec.series) {
    if (!s.points.length) continue;
    const pts = s.points.map((p) => `${fmt(sx(p.x))},${fmt(sy(p.y))}`).join(' ');
    parts.push(`<polyline class="${s.cls}" points="${pts}"><title>${escapeHtml(s.label)}</title></polyline>`);
    if (s.dots && s.points.length <= 80) {
      for (const p of s.points)
        parts.push(`<circle class="${s.cls} dot" cx="${fmt(sx(p.x))}" cy="${fmt(sy(p.y))}" r="2"/>`);
    }
  }
  // legend
  let lx = PAD.left + 4;
  for (const s of [...spec.series, ...uniqueShades(spec.shades ?? [])]) {
    const cls = 'cls' in s ? s.cls : '';
    const isShade = cls.startsWith('shade');
    const label = isShade ? (s as Shade).label : (s as Series).label;
    parts.push(
      isShade
        ? `<rect class="${cls}" x="${lx}" y="4" width="12" height="9"/>`
        : `<path class="${cls}" d="M${lx} 9h12"/>`,
      `<text class="lg" x="${lx + 15}" y="12">${escapeHtml(label)}</text>`,
    );
    lx += 22 + label.length * 5.6;
  }
  return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img">${parts.join('')}</svg>`;
}

/** One legend entry per shade class ("link fault", "crash", "pause"). */
function uniqueShades(shades: readonly Shade[]): Shade[] {
  const names: Record<string, string> = {
    'shade-link': 'link fault',
    'shade-crash': 'node down',
    'shade-pause': 'paused',
  };
  const seen = new Set<string>();
  const out: Shade[] = [];
  for (const s of shades) {
    if (seen.has(s.cls)) continue;
    seen.add(s.cls);
    out.push({ ...s, label: names[s.cls] ?? s.cls });
  }
  return out;
}
