import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_CAPABILITIES } from '../../checks/testing/builder.js';
import { CONVERGENCE_CASES } from '../../suites/cases/convergence.js';
import { addExplored, bucket, describeInput } from '../../suites/input-stats.js';
import { renderExplored } from './explored.js';

describe('explored inputs', () => {
  it('buckets numbers exactly up to 4, then by powers of two', () => {
    expect([0, 4, 5, 8, 9, 16, 17, 4000].map(bucket)).toEqual([
      '0',
      '4',
      '5-8',
      '5-8',
      '9-16',
      '9-16',
      '17-32',
      '2049-4096',
    ]);
  });

  it('describes a generated scenario input and tallies it', () => {
    const c = CONVERGENCE_CASES.find((x) => x.id === 'convergence/under-loss')!;
    const gen = { capabilities: ALL_CAPABILITIES, minNodes: 3, maxNodes: 10 };
    const explored: Record<string, Record<string, number>> = {};
    for (const i of fc.sample(c.arbitrary('anti-entropy-push', gen), { numRuns: 50, seed: 2 })) {
      const d = describeInput(i);
      expect(d).toMatchObject({ nodes: i.n, fanout: i.fanout, faults: 'loss' });
      addExplored(explored, d);
    }
    expect(Object.values(explored.nodes).reduce((a, b) => a + b, 0)).toBe(50);
    expect(Object.keys(explored.topology).length).toBeGreaterThan(3);
    expect(describeInput(null)).toEqual({});
  });

  it('renders a table per feature, escaped, buckets in numeric order', () => {
    const html = renderExplored({ nodes: { '9-16': 2, '3': 5, '5-8': 1 }, topology: { '<ring 1>': 3 } });
    expect(html).toContain('<caption>nodes</caption>');
    expect(html.indexOf('>3<')).toBeLessThan(html.indexOf('>5-8<'));
    expect(html.indexOf('>5-8<')).toBeLessThan(html.indexOf('>9-16<'));
    expect(html).toContain('&lt;ring 1&gt;');
    expect(html).not.toContain('<ring 1>');
    expect(renderExplored(undefined)).toBe('');
    expect(renderExplored({})).toBe('');
  });
});
