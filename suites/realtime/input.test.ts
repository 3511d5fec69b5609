import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startOf } from '../../engine/faults/schedule.js';
import { families, focus, materialize, type RealtimeInput, realtimeInput, validateInput } from './input.js';
import { cutLengths, REALTIME_MEMBERSHIP } from './params.js';

const opts = { periodMs: 100, seed: 7, durable: true };

describe('materialize', () => {
  it('turns periods into ms of the declared period, the same way every time', () => {
    const input: RealtimeInput = {
      nodes: 5,
      writes: 3,
      faults: [
        { kind: 'partition', shape: 'halves', pick: 4, start: 2, length: 10 },
        { kind: 'crash', node: 1, durable: true, start: 1, length: 3 },
      ],
    };
    const a = materialize(input, opts);
    expect(a).toEqual(materialize(input, opts));
    expect(a.schedule).toContainEqual(expect.objectContaining({ type: 'link', from: 200, until: 1200 }));
    expect(a.schedule).toContainEqual({ type: 'crash', at: 100, node: 'n2' });
    expect(a.schedule).toContainEqual({ type: 'restart', at: 400, node: 'n2', durable: true });
    // The last fault ends at period 12; two more periods follow.
    expect(a.durationMs).toBe(1400);
    const slow = materialize(input, { ...opts, periodMs: 300 });
    expect(slow.durationMs).toBe(3 * a.durationMs);
    // A node that declares no durable restart is restarted empty.
    expect(materialize(input, { ...opts, durable: false }).schedule).toContainEqual({
      type: 'restart',
      at: 400,
      node: 'n2',
      durable: false,
    });
  });

  it('never puts two node faults on one node, and keeps two nodes up', () => {
    fc.assert(
      fc.property(
        realtimeInput({
          minNodes: 3,
          maxNodes: 6,
          shortCut: 0,
          longCut: 0,
          harnessTransport: true,
          writes: true,
        }),
        (input) => {
          const m = materialize(input, opts);
          const touched = m.schedule.flatMap((e) =>
            e.type === 'link' || e.type === 'restart' ? [] : [e.node],
          );
          expect(new Set(touched).size).toBe(touched.length);
          const gone = m.schedule.filter(
            (e) => e.type === 'crash' || e.type === 'leave' || e.type === 'join',
          );
          expect(gone.length).toBeLessThanOrEqual(m.nodes.length - 2);
          expect(m.schedule.map(startOf)).toEqual(m.schedule.map(startOf).sort((x, y) => x - y));
        },
      ),
    );
  });

  it('draws membership cuts both shorter and longer than the time to declare a member dead', () => {
    const cuts = cutLengths(REALTIME_MEMBERSHIP, 100, 5);
    const lengths = fc
      .sample(realtimeInput({ minNodes: 3, maxNodes: 5, ...cuts, harnessTransport: true, writes: false }), {
        seed: 1,
        numRuns: 300,
      })
      .flatMap((i) => i.faults.flatMap((f) => (f.kind === 'partition' ? [f.length] : [])));
    // T·S = 20 ticks: nobody can be declared dead sooner; T·(F + 2 + S + D) = 110 at n = 5, λ = 3.
    expect(cuts).toEqual({ shortCut: 19, longCut: 110 });
    expect(lengths.some((l) => l <= cuts.shortCut)).toBe(true);
    expect(lengths.some((l) => l >= cuts.longCut)).toBe(true);
    expect(lengths.every((l) => l <= cuts.shortCut || l >= cuts.longCut)).toBe(true);
  });

  it('leaves delay, duplication and reorder out where the transport cannot do them', () => {
    const kinds = fc
      .sample(
        realtimeInput({
          minNodes: 3,
          maxNodes: 5,
          shortCut: 0,
          longCut: 0,
          harnessTransport: false,
          writes: true,
        }),
        {
          seed: 2,
          numRuns: 300,
        },
      )
      .flatMap((i) => i.faults.map((f) => f.kind));
    expect(kinds).not.toContain('delay');
    expect(kinds).not.toContain('reorder');
    expect(kinds).toContain('partition');
  });
});

describe('validateInput', () => {
  it('accepts what the generator makes and names what is wrong otherwise', () => {
    for (const i of fc.sample(
      realtimeInput({
        minNodes: 3,
        maxNodes: 5,
        shortCut: 19,
        longCut: 110,
        harnessTransport: true,
        writes: true,
      }),
      50,
    ))
      expect(validateInput(i)).toBeNull();
    expect(validateInput({ nodes: 1, writes: 1, faults: [] })).toMatch(/nodes/);
    expect(validateInput({ nodes: 3, writes: 1, faults: [{ kind: 'flood', start: 0 }] })).toMatch(
      /unknown fault/,
    );
    expect(
      validateInput({
        nodes: 3,
        writes: 1,
        faults: [{ kind: 'partition', shape: 'square', start: 0, length: 2, pick: 0 }],
      }),
    ).toMatch(/shape/);
  });
});

describe('families', () => {
  it('ten runs take every family once: each alone, or mixed', () => {
    const t = { minNodes: 3, maxNodes: 5, shortCut: 19, longCut: 110, harnessTransport: true, writes: false };
    const fams = families(t);
    expect(fams.slice(0, 10)).toEqual(
      expect.arrayContaining([
        'partition-long',
        'crash-long',
        'mixed',
        'loss',
        'join',
        'leave',
        'partition-short',
        'pause',
      ]),
    );
    const [g] = fc.sample(realtimeInput(t), { seed: 3, numRuns: 1 });
    fams.forEach((f, i) => {
      const input = focus(g, i);
      if (f === 'mixed') expect(input.faults).toEqual(g.faults);
      else {
        expect(input.faults).toHaveLength(1);
        expect(f.startsWith(input.faults[0].kind)).toBe(true);
      }
    });
    const long = focus(g, fams.indexOf('partition-long')).faults[0];
    expect('length' in long && long.length >= 110).toBe(true);
    const short = focus(g, fams.indexOf('crash-short')).faults[0];
    expect('length' in short && short.length <= 19).toBe(true);
  });
});
