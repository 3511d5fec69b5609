import { describe, expect, it } from 'vitest';
import { Nemesis, type Step, timeline } from './nemesis.js';
import type { FaultSchedule } from './schedule.js';

const nodes = ['n0', 'n1', 'n2', 'n3'];
const halves = { kind: 'partition', shape: 'halves', groups: [['n0', 'n1'], ['n2']] } as const;

/** Every step of the run from t = earliest to `last`, as the lockstep driver applies them. */
function run(schedule: FaultSchedule, last: number, earliest = 1): { steps: Step[]; n: Nemesis } {
  const n = new Nemesis(nodes, schedule, earliest);
  const steps: Step[] = [];
  for (let t = earliest; t <= last; t++) {
    for (const tr of n.due(t)) {
      const s = n.apply(tr, t);
      if (s) steps.push(s);
    }
  }
  return { steps, n };
}

describe('nemesis', () => {
  it('turns each event into its history event and node action', () => {
    const { steps } = run(
      [
        { type: 'link', from: 2, until: 4, fault: halves },
        { type: 'pause', from: 2, until: 3, node: 'n0' },
        { type: 'crash', at: 2, node: 'n1' },
        { type: 'restart', at: 5, node: 'n1', durable: true },
        { type: 'leave', at: 6, node: 'n2' },
        { type: 'restart', at: 7, node: 'n2', durable: false },
        { type: 'join', at: 8, node: 'n3' },
      ],
      8,
    );
    expect(steps.map((s) => [s.event, s.node])).toEqual([
      [
        {
          t: 'fault',
          r: 2,
          action: 'start',
          fault: halves,
          edges: [
            ['n0', 'n2'],
            ['n1', 'n2'],
            ['n2', 'n0'],
            ['n2', 'n1'],
          ],
        },
        undefined,
      ],
      [
        { t: 'pause', r: 2, node: 'n0', action: 'start' },
        { do: 'pause', node: 'n0', until: 3 },
      ],
      [
        { t: 'crash', r: 2, node: 'n1' },
        { do: 'crash', node: 'n1' },
      ],
      [
        { t: 'pause', r: 3, node: 'n0', action: 'stop' },
        { do: 'resume', node: 'n0' },
      ],
      [
        {
          t: 'fault',
          r: 4,
          action: 'stop',
          fault: halves,
          edges: [
            ['n0', 'n2'],
            ['n1', 'n2'],
            ['n2', 'n0'],
            ['n2', 'n1'],
          ],
        },
        undefined,
      ],
      [
        { t: 'restart', r: 5, node: 'n1', durable: true },
        { do: 'restart', node: 'n1', durable: true, generation: 1 },
      ],
      [
        { t: 'leave', r: 6, node: 'n2' },
        { do: 'leave', node: 'n2' },
      ],
      [
        { t: 'restart', r: 7, node: 'n2', durable: false },
        { do: 'restart', node: 'n2', durable: false, generation: 1 },
      ],
      [
        { t: 'join', r: 8, node: 'n3' },
        { do: 'join', node: 'n3', generation: 0 },
      ],
    ]);
    expect(steps[0].link?.action).toBe('start');
    expect(steps[4].link?.action).toBe('stop');
  });

  it('orders stops before starts at the same time, each in schedule order, and clamps to the earliest time', () => {
    const loss = { kind: 'loss', probability: 0.5 } as const;
    const t = timeline(
      [
        { type: 'crash', at: 3, node: 'n2' },
        { type: 'link', from: -4, until: 3, fault: loss },
        { type: 'pause', from: 1, until: 3, node: 'n0' },
        { type: 'link', from: 5, until: 5, fault: loss }, // empty: nothing
      ],
      1,
    );
    expect(t.map((x) => [x.at, x.edge, x.index])).toEqual([
      [1, 'start', 1],
      [1, 'start', 2],
      [3, 'stop', 1],
      [3, 'stop', 2],
      [3, 'start', 0],
    ]);
  });

  it('keeps the link faults in force in schedule order, whatever their start order', () => {
    const a = { kind: 'loss', probability: 0.1 } as const;
    const b = { kind: 'reorder' } as const;
    const { n } = run(
      [
        { type: 'link', from: 3, until: 9, fault: a },
        { type: 'link', from: 2, until: 9, fault: b },
      ],
      4,
    );
    expect(n.linkFaults()).toEqual([a, b]);
  });

  it('a crash while paused: the node is down and stays paused until the pause ends', () => {
    const { steps, n } = run(
      [
        { type: 'pause', from: 1, until: 4, node: 'n0' },
        { type: 'crash', at: 2, node: 'n0' },
      ],
      3,
    );
    expect(steps.map((s) => s.event.t)).toEqual(['pause', 'crash']);
    expect(n.isDown('n0')).toBe(true);
    expect(n.isPaused('n0')).toBe(true);
    const resume = n.apply(n.due(4)[0], 4);
    expect(resume?.node).toEqual({ do: 'resume', node: 'n0' });
    expect(n.isPaused('n0')).toBe(false);
    expect(n.isDown('n0')).toBe(true);
  });

  it('ignores a restart of a node that is up, a second crash, a leave of a down node and a join of an up node', () => {
    const { steps } = run(
      [
        { type: 'restart', at: 1, node: 'n0', durable: false },
        { type: 'crash', at: 2, node: 'n1' },
        { type: 'crash', at: 3, node: 'n1' },
        { type: 'leave', at: 3, node: 'n1' },
        { type: 'join', at: 1, node: 'n3' },
        { type: 'join', at: 4, node: 'n3' },
      ],
      5,
    );
    expect(steps.map((s) => s.event)).toEqual([
      { t: 'join', r: 1, node: 'n3' },
      { t: 'crash', r: 2, node: 'n1' },
    ]);
  });

  it('counts generations: each restart is the next one; a join keeps the current one', () => {
    const { steps, n } = run(
      [
        { type: 'crash', at: 1, node: 'n0' },
        { type: 'restart', at: 2, node: 'n0', durable: false },
        { type: 'crash', at: 3, node: 'n0' },
        { type: 'restart', at: 4, node: 'n0', durable: false },
      ],
      4,
    );
    expect(steps.filter((s) => s.node?.do === 'restart').map((s) => s.node)).toEqual([
      { do: 'restart', node: 'n0', durable: false, generation: 1 },
      { do: 'restart', node: 'n0', durable: false, generation: 2 },
    ]);
    expect(n.generation('n0')).toBe(2);
    expect(n.generation('n1')).toBe(0);
  });

  it('a node with a join is down from the start; a stop ends only what its own start began', () => {
    const { n, steps } = run(
      [
        { type: 'join', at: 3, node: 'n2' },
        { type: 'pause', from: 1, until: 5, node: 'n0' },
        { type: 'pause', from: 2, until: 3, node: 'n0' }, // n0 is already paused: ignored, and so is its stop
      ],
      4,
    );
    expect(new Nemesis(nodes, [{ type: 'join', at: 3, node: 'n2' }], 1).down()).toEqual(['n2']);
    expect(steps.map((s) => [s.event.t, s.event.r])).toEqual([
      ['pause', 1],
      ['join', 3],
    ]);
    expect(n.isPaused('n0')).toBe(true);
  });

  it('heals what is in force: link faults stop, pauses resume, crashed nodes restart (not durable)', () => {
    const loss = { kind: 'loss', probability: 0.2 } as const;
    const { n } = run(
      [
        { type: 'link', from: 1, until: 99, fault: loss },
        { type: 'pause', from: 1, until: 99, node: 'n0' },
        { type: 'crash', at: 1, node: 'n1' },
        { type: 'leave', at: 1, node: 'n2' },
      ],
      2,
    );
    expect(n.heal(10).map((s) => s.event)).toEqual([
      { t: 'fault', r: 10, action: 'stop', fault: loss, edges: [] },
      { t: 'pause', r: 10, node: 'n0', action: 'stop' },
      { t: 'restart', r: 10, node: 'n1', durable: false },
    ]);
    expect(n.linkFaults()).toEqual([]);
    expect(n.down()).toEqual(['n2']);
  });
});
