import { describe, expect, it } from 'vitest';
import { Rng } from '../shared/prng.js';
import { ReferenceHost } from './host.js';
import { fullMesh, nodeIds, params, runRound } from './testing/drive.js';

describe('push-sum', () => {
  for (const n of [3, 8, 64]) {
    for (const fanout of [1, 2]) {
      it(`n=${n} fanout=${fanout}: mass is conserved and every estimate reaches the average`, async () => {
        const host = new ReferenceHost();
        const ids = nodeIds(n);
        const rng = new Rng(n * 31 + fanout);
        const values = ids.map(() => rng.int(1000) - 300);
        const avg = values.reduce((a, b) => a + b, 0) / n;
        await host.init(fullMesh(ids, 77 + n, values), params({ variant: 'push-sum', fanout }), 'lockstep');
        const start = await host.read(ids);
        expect(start.map((s) => s.estimate)).toEqual(values);
        let rounds = 0;
        for (; rounds < 300; rounds++) {
          const r = await runRound(host, ids);
          expect(r.sent.every((e) => e.kind === 'pushsum' && e.keys.length === 0)).toBe(true);
          const snaps = await host.read(ids);
          const weight = snaps.reduce((a, s) => a + s.weight, 0);
          expect(Math.abs(weight - n)).toBeLessThan(1e-9);
          if (snaps.every((s) => Math.abs(s.estimate - avg) < 1e-6)) break;
        }
        expect(rounds).toBeLessThan(300);
        const snaps = await host.read(ids);
        const sum = snaps.reduce((a, s) => a + s.sum, 0);
        expect(Math.abs(sum - avg * n)).toBeLessThan(1e-6);
        for (const s of snaps) expect(s.entries).toEqual([]);
      });
    }
  }

  it('keeps client writes locally without gossiping them', async () => {
    const host = new ReferenceHost();
    const ids = nodeIds(2);
    await host.init(fullMesh(ids, 1), params({ variant: 'push-sum' }), 'lockstep');
    const w = await host.update([{ node: 'n0', key: 'k', value: 'v' }]);
    expect(w.acks[0].version).toEqual({ counter: 1, origin: 'n0' });
    expect(w.envelopes).toEqual([]);
    const r = await runRound(host, ids);
    expect(r.sent.every((e) => e.kind === 'pushsum')).toBe(true);
    expect((await host.read(['n1']))[0].entries).toEqual([]);
  });
});
