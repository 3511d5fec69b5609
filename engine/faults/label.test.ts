import { describe, expect, it } from 'vitest';
import { describeEvent, eventLabel, faultLabel } from './label.js';
import type { LinkFault } from './schedule.js';

describe('fault labels', () => {
  it('names each link fault kind', () => {
    const cases: [LinkFault, string][] = [
      [{ kind: 'partition', shape: 'one-way', groups: [['n0'], ['n1']] }, 'partition one-way'],
      [{ kind: 'loss', probability: 0.25 }, 'loss p=0.25'],
      [{ kind: 'delay', latency: 2, jitter: 1 }, 'delay 2+1'],
      [{ kind: 'duplicate', probability: 0.5 }, 'duplicate p=0.5'],
      [{ kind: 'reorder' }, 'reorder'],
      [{ kind: 'tamper', how: { what: 'garbage', bytes: [1] }, probability: 0.1 }, 'tamper garbage p=0.1'],
      [
        { kind: 'tamper', how: { what: 'unknown-node', ghost: 'zz' }, probability: 1 },
        'tamper unknown-node p=1',
      ],
      [{ kind: 'tamper', how: { what: 'oversize', size: 9 }, probability: 0.2 }, 'tamper oversize p=0.2'],
    ];
    for (const [f, label] of cases) expect(faultLabel(f)).toBe(label);
  });

  it('names each schedule event, a window by its start or its stop', () => {
    const reorder = { type: 'link', from: 1, until: 3, fault: { kind: 'reorder' } } as const;
    expect(eventLabel(reorder)).toBe('reorder');
    expect(eventLabel(reorder, 'stop')).toBe('stop reorder');
    const pause = { type: 'pause', from: 1, until: 3, node: 'n1' } as const;
    expect(eventLabel(pause)).toBe('pause n1');
    expect(eventLabel(pause, 'stop')).toBe('resume n1');
    expect(eventLabel({ type: 'crash', at: 2, node: 'n2' })).toBe('crash n2');
    expect(eventLabel({ type: 'restart', at: 2, node: 'n2', durable: false })).toBe('restart n2');
    expect(eventLabel({ type: 'restart', at: 2, node: 'n2', durable: true })).toBe('restart n2 (durable)');
    expect(eventLabel({ type: 'join', at: 2, node: 'n3' })).toBe('join n3');
    expect(eventLabel({ type: 'leave', at: 2, node: 'n3' })).toBe('leave n3');
  });

  it('describes an event with its times and a partition its groups; a tamper is never "reorder"', () => {
    const halves = { kind: 'partition', shape: 'halves', groups: [['n0', 'n1'], ['n2']] } as const;
    expect(describeEvent({ type: 'link', from: 100, until: 900, fault: halves }, 'ms')).toBe(
      '100-900 ms: partition halves [n0 n1] [n2]',
    );
    const tamper = { kind: 'tamper', how: { what: 'garbage', bytes: [] }, probability: 0.3 } as const;
    expect(describeEvent({ type: 'link', from: 1, until: 2, fault: tamper }, 'rounds')).toBe(
      '1-2 rounds: tamper garbage p=0.3',
    );
    expect(describeEvent({ type: 'crash', at: 40, node: 'n1' }, 'ms')).toBe('40 ms: crash n1');
  });
});
