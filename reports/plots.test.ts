import { describe, expect, it } from 'vitest';
import { parseHistory } from '../engine/history/recorder.js';
import { faultWindows, informedSeries, messageSeries, selectRun } from './plots/series.js';
import { meanFieldCurve, sirPushCurve, step } from './plots/theory.js';
import { downsample } from './svg/chart.js';
import { pageRanges, spaceTimePages } from './svg/spacetime.js';
import { faultRows } from './svg/timeline.js';
import { buildHistory, historyText } from './testing/fixtures.js';

const nodes = ['n0', 'n1', 'n2', 'n3'];

describe('plot series from a history', () => {
  it('picks the run block whose scenario matches, else the first', () => {
    const text =
      historyText({ nodes, rounds: 4, scenario: 'a' }) +
      historyText({ nodes: ['x', 'y'], rounds: 3, scenario: 'b' });
    const events = parseHistory(text);
    expect(selectRun(events, 'b')?.run.nodes).toEqual(['x', 'y']);
    expect(selectRun(events, 'zzz')?.run.nodes).toEqual(nodes);
    expect(selectRun(events)?.run.nodes).toEqual(nodes);
  });

  it('measures the informed fraction of live nodes from the first write on', () => {
    const block = selectRun(buildHistory({ nodes, rounds: 6 }))!;
    const inf = informedSeries(block)!;
    expect(inf.start).toBe(2);
    expect(inf.subject).toBe('k');
    // ring push: the writer at round 2 informs its successor in the same round, then one more per round
    expect(inf.points).toEqual([
      { x: 2, y: 0.5 },
      { x: 3, y: 0.75 },
      { x: 4, y: 1 },
      { x: 5, y: 1 },
      { x: 6, y: 1 },
    ]);
  });

  it('counts a crashed node out of the live set', () => {
    const block = selectRun(buildHistory({ nodes, rounds: 6, crash: { node: 'n3', at: 1, restart: 5 } }))!;
    const pts = informedSeries(block)!.points;
    expect(pts.find((p) => p.x === 2)?.y).toBeCloseTo(2 / 3); // n0, n1 of 3 live
    expect(pts.find((p) => p.x === 3)?.y).toBeCloseTo(1); // n0, n1, n2 of 3 live
  });

  it('finds fault windows with the directed edges cut, and messages per round', () => {
    const block = selectRun(buildHistory({ nodes, rounds: 8, partition: { from: 3, until: 6 } }))!;
    const w = faultWindows(block);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatchObject({ kind: 'link', label: 'partition halves', from: 3, until: 6 });
    expect(w[0].edges).toHaveLength(8);
    expect(faultRows(w).map((r) => r.label)).toContain('n0 → n2');
    const m = messageSeries(block).messages;
    expect(m).toHaveLength(8);
    expect(m.every((p) => p.y === 4)).toBe(true);
  });
});

describe('theory', () => {
  it('has the mean-field maps of push, pull and push-pull', () => {
    expect(step('push', 0.5, 1)).toBeCloseTo(0.5 + 0.5 * (1 - Math.exp(-0.5)));
    expect(step('pull', 0.5, 1)).toBeCloseTo(0.75);
    expect(step('push-pull', 0.5, 1)).toBeCloseTo(1 - 0.25 * Math.exp(-0.5));
    for (const model of ['push', 'pull', 'push-pull'] as const) {
      const c = meanFieldCurve(model, 1000, 1, 1, 40);
      for (let i = 1; i < c.length; i++) expect(c[i].y).toBeGreaterThanOrEqual(c[i - 1].y);
      expect(c[c.length - 1].y).toBeGreaterThan(0.999);
    }
    // push-pull is fastest: about log3 n rounds (Karp et al. 2000)
    const reach = (m: 'push' | 'pull' | 'push-pull') =>
      meanFieldCurve(m, 1e6, 1, 1, 100).findIndex((p) => p.y > 0.999);
    expect(reach('push-pull')).toBeLessThan(reach('push'));
  });
});

describe('drawing limits', () => {
  it('downsamples long series to at most the cap', () => {
    const pts = Array.from({ length: 1000 }, (_, i) => ({ x: i, y: i % 2 }));
    const d = downsample(pts, 100);
    expect(d.points.length).toBeLessThanOrEqual(100);
    expect(d.bucket).toBe(10);
    expect(d.points[0]).toEqual({ x: 4.5, y: 0.5 });
  });

  it('pages the space-time diagram so every round is on exactly one page', () => {
    const sent = new Map(Array.from({ length: 30 }, (_, i) => [i + 1, 50] as [number, number]));
    const pages = pageRanges(sent, 30);
    expect(pages[0][0]).toBe(1);
    expect(pages[pages.length - 1][1]).toBe(30);
    for (let i = 1; i < pages.length; i++) expect(pages[i][0]).toBe(pages[i - 1][1] + 1);
    const block = selectRun(buildHistory({ nodes, rounds: 20, partition: { from: 3, until: 6 } }))!;
    const svgs = spaceTimePages({ nodes, hopLimit: 2, lastRound: 20, envelopes: [], writes: [] });
    expect(svgs.length).toBeGreaterThan(1);
    expect(block.run.nodes).toEqual(nodes);
  });
});

describe('SIR mean field for push rumor mongering', () => {
  it('levels off at Demers residue s = e^-(k+1)(1-s) for feedback + coin', () => {
    for (const k of [1, 2, 3]) {
      const curve = sirPushCurve(100_000, 1, k, false, 1, 200);
      const informed = curve[curve.length - 1].y;
      const s = 1 - informed;
      // The fixed point of Demers et al. 1987 §1.4, within the discretisation error.
      expect(Math.abs(s - Math.exp(-(k + 1) * (1 - s)))).toBeLessThan(0.02);
      expect(informed).toBeLessThan(1);
      expect(curve.every((p, j) => j === 0 || p.y >= curve[j - 1].y)).toBe(true);
    }
  });
  it('blind loss of interest leaves more residue than feedback', () => {
    const last = (blind: boolean) => sirPushCurve(10_000, 1, 2, blind, 1, 100).at(-1)!.y;
    expect(last(true)).toBeLessThan(last(false));
  });
});

describe('the informed figure shows what the verdict is about', () => {
  it('plots the key a check named, not the first written, and draws the bound it was judged against', async () => {
    const { analyse, informedFigure } = await import('./html/plots.js');
    const text = historyText({ nodes, rounds: 6 });
    const loaded = { ok: true as const, events: parseHistory(text) };
    const plain = analyse('h.jsonl', loaded);
    expect(plain.ok && informedFigure(plain.analysis)).not.toContain('s-bound');
    const focused = analyse('h.jsonl', loaded, undefined, { key: 'no-such-key', deadline: 4 });
    expect(focused.ok).toBe(true);
    if (!focused.ok) return;
    expect(focused.analysis.informed?.focused).toBe(false); // an unknown key falls back to the first written
    const html = informedFigure(focused.analysis);
    expect(html).toContain('class="s-bound"');
    expect(html).toContain('identical state by round 4');
    const named = analyse('h.jsonl', loaded, undefined, { key: 'k' });
    expect(named.ok && named.analysis.informed?.focused).toBe(true);
  });
});
