import { describe, expect, it } from 'vitest';
import { composeYaml } from '../backends/docker/compose.js';
import { startOf } from '../faults/schedule.js';
import { realtimeSchedule } from './schedule.js';

const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];

describe('realtime fault schedule', () => {
  it('always holds a partition, a pause and a crash + restart, all within the duration', () => {
    for (const transport of ['harness', 'direct'] as const) {
      for (let seed = 0; seed < 50; seed++) {
        const s = realtimeSchedule({ seed, nodes, durationMs: 8000, transport });
        expect(s.some((e) => e.type === 'link' && e.fault.kind === 'partition')).toBe(true);
        expect(s.some((e) => e.type === 'pause')).toBe(true);
        expect(s.some((e) => e.type === 'crash')).toBe(true);
        expect(s.some((e) => e.type === 'restart')).toBe(true);
        for (const e of s) {
          expect(startOf(e)).toBeGreaterThanOrEqual(0);
          if (e.type === 'link' || e.type === 'pause') expect(e.until).toBeLessThanOrEqual(8000);
          if (transport === 'direct' && e.type === 'link') expect(e.fault.kind).toBe('partition');
        }
        const paused = s.filter((e) => e.type === 'pause').map((e) => e.node);
        const killed = s.filter((e) => e.type === 'crash').map((e) => e.node);
        expect(paused.filter((n) => killed.includes(n))).toEqual([]);
      }
    }
  });

  it('is a function of the seed', () => {
    const a = realtimeSchedule({ seed: 7, nodes, durationMs: 20_000, transport: 'harness' });
    const b = realtimeSchedule({ seed: 7, nodes, durationMs: 20_000, transport: 'harness' });
    expect(a).toEqual(b);
  });
});

describe('compose file', () => {
  it('has one labelled service per node on one labelled network', () => {
    const y = composeYaml({
      runId: 'abc',
      image: 'img:1',
      nodes: ['n1', 'n2'],
      port: 7000,
      transport: 'direct',
      env: { X: 'y' },
    });
    expect(y).toContain('version: "3.8"');
    expect(y.match(/gossipcheck\.run: "abc"/g)).toHaveLength(3);
    expect(y).toContain('  n2:\n    image: "img:1"');
    expect(y).toContain('GOSSIPCHECK_TRANSPORT: "direct"');
    expect(y).toContain('X: "y"');
  });
});
