import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../proto/contract.js';
import { Rng } from '../../shared/prng.js';
import type { LinkFault } from '../faults/schedule.js';
import { destinationOf, Router } from './router.js';

const nodes = ['a', 'b', 'c', 'd'];
const env = (from: string, to: string, tag = ''): Envelope => ({
  from,
  to,
  payload: new TextEncoder().encode(tag),
  kind: 'push',
  keys: [],
});

function router(faults: LinkFault[] = [], seed = 1): Router {
  const r = new Router(nodes, new Rng(seed));
  r.beginRound(1, faults);
  return r;
}

describe('Router', () => {
  it('numbers sends and delivers now without faults, drawing nothing', () => {
    const r = router();
    expect(r.send(env('a', 'b'), 0)).toEqual([
      { t: 'send', r: 1, hop: 0, id: 1, from: 'a', to: 'b', kind: 'push', keys: [], bytes: 0 },
    ]);
    r.send(env('b', 'a', 'xyz'), 0);
    const due = r.takeDue();
    expect(due.events).toEqual([]);
    expect(due.batch.map((x) => x.id)).toEqual([1, 2]);
    expect(r.takeDue().batch).toEqual([]);
  });

  it('sends a damaged copy beside the original, to the original destination endpoint', () => {
    const r = router([
      {
        kind: 'tamper',
        how: { what: 'unknown-node', ghost: 'ghost-x' },
        probability: 1,
        edges: { to: ['b'] },
      },
      { kind: 'tamper', how: { what: 'garbage', bytes: [7] }, probability: 1, edges: { to: ['c'] } },
    ]);
    expect(r.send(env('a', 'b'), 0).slice(1)).toEqual([
      { t: 'tamper', r: 1, id: 2, of: 1, what: 'unknown-node' },
    ]);
    expect(r.send(env('a', 'c'), 0).slice(1)).toEqual([{ t: 'tamper', r: 1, id: 4, of: 3, what: 'garbage' }]);
    const { batch } = r.takeDue();
    expect(batch.map((x) => [x.id, x.env.to, destinationOf(x)])).toEqual([
      [1, 'b', 'b'],
      [2, 'ghost-x', 'b'],
      [3, 'c', 'c'],
      [4, 'c', 'c'],
    ]);
    expect([...batch[3].env.payload]).toEqual([0xff, 0xff, 0xff, 0xff, 7]);
  });

  it('drops unknown destinations', () => {
    const r = router();
    expect(r.send(env('a', 'zz'), 0)[1]).toEqual({ t: 'drop', r: 1, id: 1, reason: 'unknown-node' });
  });

  it('drops on a partition, only across the cut', () => {
    const r = router([{ kind: 'partition', shape: 'one-way', groups: [['a'], ['b']] }]);
    expect(r.send(env('a', 'b'), 0)[1]).toEqual({ t: 'drop', r: 1, id: 1, reason: 'partition' });
    expect(r.send(env('b', 'a'), 0)).toHaveLength(1);
    expect(r.send(env('a', 'c'), 0)).toHaveLength(1);
    expect(r.takeDue().batch.map((x) => x.id)).toEqual([2, 3]);
  });

  it('never delivers to a crashed node, even when it crashed in flight', () => {
    const r = router([{ kind: 'delay', latency: 2, jitter: 0 }]);
    r.send(env('a', 'b'), 0);
    r.crash('b');
    expect(r.send(env('c', 'b'), 0)[1]).toEqual({ t: 'drop', r: 1, id: 2, reason: 'crashed' });
    r.beginRound(2, []);
    r.beginRound(3, []);
    expect(r.takeDue()).toEqual({ events: [{ t: 'drop', r: 3, id: 1, reason: 'crashed' }], batch: [] });
    r.restart('b');
    r.send(env('a', 'b'), 0);
    expect(r.takeDue().batch).toHaveLength(1);
  });

  it('loses envelopes with probability near p', () => {
    const p = 0.3;
    const r = router([{ kind: 'loss', probability: p }], 42);
    const total = 20_000;
    let lost = 0;
    for (let i = 0; i < total; i++) {
      if (r.send(env('a', 'b'), 0).some((e) => e.t === 'drop' && e.reason === 'loss')) lost++;
    }
    // 4 standard deviations of a binomial(20000, 0.3) is about 0.013.
    expect(Math.abs(lost / total - p)).toBeLessThan(0.013);
    expect(r.takeDue().batch).toHaveLength(total - lost);
  });

  it('loss applies only to the selected edges', () => {
    const r = router([{ kind: 'loss', probability: 1, edges: { from: ['a'] } }]);
    expect(r.send(env('a', 'b'), 0)[1]).toMatchObject({ t: 'drop', reason: 'loss' });
    expect(r.send(env('b', 'a'), 0)).toHaveLength(1);
  });

  it('delays deliver exactly at r + latency', () => {
    const r = router([{ kind: 'delay', latency: 3, jitter: 0 }]);
    expect(r.send(env('a', 'b'), 0)[1]).toEqual({ t: 'delay', r: 1, id: 1, until: 4 });
    for (let round = 1; round <= 4; round++) {
      r.beginRound(round, []);
      expect(r.takeDue().batch.map((x) => x.id)).toEqual(round === 4 ? [1] : []);
    }
  });

  it('jitter stays in [latency, latency + jitter]', () => {
    const r = router([{ kind: 'delay', latency: 1, jitter: 2 }], 3);
    const untils = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const d = r.send(env('a', 'b'), 0)[1];
      if (d.t === 'delay') untils.add(d.until);
    }
    expect([...untils].sort()).toEqual([2, 3, 4]);
  });

  it('duplicate yields two deliveries with distinct ids', () => {
    const r = router([{ kind: 'duplicate', probability: 1 }]);
    const events = r.send(env('a', 'b'), 0);
    expect(events[1]).toEqual({ t: 'duplicate', r: 1, id: 2, of: 1 });
    const batch = r.takeDue().batch;
    expect(batch.map((x) => x.id)).toEqual([1, 2]);
    expect(batch[0].env).toBe(batch[1].env);
    expect(r.send(env('a', 'b'), 0)[0]).toMatchObject({ t: 'send', id: 3 });
  });

  it('reorder permutes the covered envelopes only, seeded', () => {
    const order = (seed: number) => {
      const r = router([{ kind: 'reorder', edges: { from: ['a'] } }], seed);
      for (let i = 0; i < 10; i++) r.send(env('a', 'b'), 0);
      r.send(env('c', 'd'), 0); // id 11, not covered: stays last
      return r.takeDue().batch.map((x) => x.id);
    };
    const a = order(5);
    expect(a).toEqual(order(5));
    expect(a[10]).toBe(11);
    expect([...a].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(a).not.toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(order(6)).not.toEqual(a);
  });

  it('holds envelopes to a paused node until the pause ends', () => {
    const r = router();
    r.pause('b', 3);
    r.send(env('a', 'b'), 0);
    r.send(env('a', 'c'), 0);
    const due = r.takeDue();
    expect(due.events).toEqual([{ t: 'delay', r: 1, id: 1, until: 3 }]);
    expect(due.batch.map((x) => x.id)).toEqual([2]);
    r.beginRound(2, []);
    expect(r.takeDue().batch).toEqual([]);
    r.resume('b');
    r.beginRound(3, []);
    r.send(env('c', 'b'), 0);
    // Held envelopes come first, then the fresh ones.
    expect(r.takeDue().batch.map((x) => x.id)).toEqual([1, 3]);
  });

  it('carryOver moves what is due to the next round', () => {
    const r = router();
    r.send(env('a', 'b'), 3);
    expect(r.carryOver()).toEqual([{ t: 'delay', r: 1, id: 1, until: 2 }]);
    expect(r.inFlight()).toBe(1);
    r.beginRound(2, []);
    expect(r.takeDue().batch.map((x) => x.id)).toEqual([1]);
  });

  it('nextDue says when takeDue next has something: now, the earliest hold, or never', () => {
    const r = router([{ kind: 'delay', latency: 5, jitter: 0 }]);
    expect(r.nextDue()).toBeUndefined();
    r.send(env('a', 'b'), 0); // until 6
    r.beginRound(2, [{ kind: 'delay', latency: 2, jitter: 0 }]);
    r.send(env('a', 'c'), 0); // until 4
    expect(r.nextDue()).toBe(4);
    r.beginRound(4, []);
    expect(r.nextDue()).toBe(4);
    expect(r.takeDue().batch.map((x) => x.id)).toEqual([2]);
    expect(r.nextDue()).toBe(6);
    r.beginRound(6.5, []);
    expect(r.takeDue().batch.map((x) => x.id)).toEqual([1]);
    expect(r.nextDue()).toBeUndefined();
  });

  it('re-checks partitions when a held envelope becomes due', () => {
    const r = router([{ kind: 'delay', latency: 1, jitter: 0 }]);
    r.send(env('a', 'b'), 0);
    r.beginRound(2, [{ kind: 'partition', shape: 'halves', groups: [['a'], ['b']] }]);
    expect(r.takeDue().events).toEqual([{ t: 'drop', r: 2, id: 1, reason: 'partition' }]);
  });
});
