import { describe, expect, it } from 'vitest';
import { linkFaultProblem } from './schedule.js';

describe('link faults read from a file', () => {
  it('accepts every kind but a partition with its fields', () => {
    for (const f of [
      { kind: 'loss', probability: 0.3 },
      { kind: 'duplicate', probability: 1, edges: { from: ['n0'] } },
      { kind: 'delay', latency: 2, jitter: 0 },
      { kind: 'reorder' },
      { kind: 'tamper', how: { what: 'garbage', bytes: [255, 0] }, probability: 0.1 },
      { kind: 'tamper', how: { what: 'unknown-node', ghost: 'zz' }, probability: 0.1 },
      { kind: 'tamper', how: { what: 'oversize', size: 9 }, probability: 0.1 },
    ])
      expect(linkFaultProblem(f, 'f')).toBeNull();
  });

  it('names the field that is wrong', () => {
    expect(linkFaultProblem({ kind: 'loss', probability: 30 }, 'f')).toBe(
      'f.probability must be a number in [0, 1]',
    );
    expect(linkFaultProblem({ kind: 'delay', latency: -1, jitter: 0 }, 'f')).toBe(
      'f.latency must be a whole number >= 0',
    );
    expect(linkFaultProblem({ kind: 'tamper', how: { what: 'x' }, probability: 0 }, 'f')).toBe(
      'f.how.what must be one of garbage, unknown-node, oversize',
    );
    expect(linkFaultProblem({ kind: 'reorder', edges: { to: [1] } }, 'f')).toBe(
      'f.edges.from and .to must be lists of node ids',
    );
    expect(linkFaultProblem({ kind: 'partition', shape: 'halves', groups: [] }, 'f')).toBe(
      'f.kind must be one of loss, delay, duplicate, reorder, tamper',
    );
    expect(linkFaultProblem(null, 'f')).toBe('f must be an object');
  });
});
