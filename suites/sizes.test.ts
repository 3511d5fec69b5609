// Sizes and time in generated inputs: values up to the payload limit (never
// beyond what one envelope holds), digests that split without counting as
// several exchanges, and activity that may start late.
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkExchanges } from '../checks/exchanges.js';
import { ALL_CAPABILITIES, HistoryBuilder } from '../checks/testing/builder.js';
import { buildView } from '../checks/view.js';
import { maxWriteBytes, VARIANTS } from '../proto/contract.js';
import { ReferenceHost } from '../reference/host.js';
import { fullMesh, nodeIds, params } from '../reference/testing/drive.js';
import { BOUNDS_CASES } from './cases/bounds.js';
import { CONVERGENCE_CASES } from './cases/convergence.js';
import { fitWrites, startingAt } from './cases/scenario-case.js';
import type { CaseContext, ScenarioInput } from './model.js';
import { lastActivity } from './scenario.js';

const GEN = { capabilities: ALL_CAPABILITIES, minNodes: 3, maxNodes: 10 };

describe('generated sizes', () => {
  const noFaults = CONVERGENCE_CASES.find((c) => c.id === 'convergence/no-faults')!;
  const inputs = fc.sample(noFaults.arbitrary('anti-entropy-push-pull', GEN), { numRuns: 300, seed: 3 });

  it('values from empty to thousands of bytes, dozens of keys, long keys; key + value always fit one envelope', () => {
    const sizes = inputs.flatMap((i) => i.writes.map((w) => w.value.length));
    expect(Math.min(...sizes)).toBe(0);
    expect(Math.max(...sizes)).toBeGreaterThan(1000);
    expect(Math.max(...inputs.map((i) => new Set(i.writes.map((w) => w.key)).size))).toBeGreaterThanOrEqual(
      24,
    );
    expect(Math.max(...inputs.flatMap((i) => i.writes.map((w) => w.key.length)))).toBeGreaterThanOrEqual(100);
    for (const i of inputs) {
      expect(i.maxPayloadBytes).toBeGreaterThanOrEqual(512);
      expect(i.maxPayloadBytes).toBeLessThanOrEqual(4096);
      for (const w of i.writes)
        expect(w.key.length + w.value.length).toBeLessThanOrEqual(maxWriteBytes(i.maxPayloadBytes!));
    }
  });

  it('activity starts anywhere in the first ~60 rounds', () => {
    const starts = inputs.map((i) => Math.min(...i.writes.map((w) => w.round)));
    expect(Math.min(...starts)).toBe(1);
    expect(Math.max(...starts)).toBeGreaterThan(40);
    const i = inputs[0];
    expect(lastActivity(startingAt(i, 30))).toBe(lastActivity(i) + 30);
  });

  it('fitWrites cuts a value to the limit and keeps the rest', () => {
    const i = {
      n: 3,
      maxPayloadBytes: 512,
      writes: [{ round: 1, node: 0, key: 'k', value: 'x'.repeat(900) }],
    };
    expect(fitWrites(i as ScenarioInput).writes[0].value).toHaveLength(512 - 256 - 1);
  });
});

describe('splitting', () => {
  it('a digest split into several envelopes to one peer is one exchange', () => {
    const h = new HistoryBuilder({ nodes: ['a', 'b', 'c'], params: { fanout: 1 } });
    h.round(1).tick();
    h.send('a', 'b', 'digest', [], { deliver: false });
    h.send('a', 'b', 'digest', [], { deliver: false });
    h.send('a', 'b', 'digest', [], { deliver: false });
    expect(checkExchanges(buildView(h.events)).verdict).toBe('PASS');
    h.send('a', 'c', 'digest', [], { deliver: false });
    expect(checkExchanges(buildView(h.events)).verdict).toBe('FAIL');
  });

  it('the reference refuses a write that cannot fit one envelope, and applies nothing of the batch', async () => {
    const host = new ReferenceHost();
    const ids = nodeIds(2);
    await host.init(
      fullMesh(ids, 1),
      params({ variant: 'anti-entropy-push', maxPayloadBytes: 512 }),
      'lockstep',
    );
    await expect(
      host.update([
        { node: ids[0], key: 'a', value: 'ok' },
        { node: ids[0], key: 'b', value: 'x'.repeat(500) },
      ]),
    ).rejects.toThrow(/max_payload_bytes/);
    expect((await host.read([ids[0]]))[0].entries).toEqual([]);
    await host.update([{ node: ids[0], key: 'b', value: 'x'.repeat(255) }]);
  });

  it('the reference passes exchanges and convergence with dozens of keys and large values at 512 bytes', async () => {
    const exchanges = BOUNDS_CASES.find((c) => c.id === 'bounds/anti-entropy-exchanges')!;
    const noFaults = CONVERGENCE_CASES.find((c) => c.id === 'convergence/no-faults')!;
    const input: ScenarioInput = fitWrites({
      n: 6,
      fanout: 2,
      rumorK: 2,
      lossOfInterest: 'feedback-counter',
      antiEntropyEvery: 1,
      seed: 9,
      maxPayloadBytes: 512,
      writes: Array.from({ length: 30 }, (_, i) => ({
        round: 1 + (i % 3),
        node: i,
        key: `key-${i}-${'y'.repeat(i * 3)}`,
        value: 'v'.repeat((i * 37) % 200),
      })),
      faults: [],
      values: [0],
    });
    for (const variant of VARIANTS.filter((v) => v.startsWith('anti-entropy'))) {
      const host = new ReferenceHost();
      const init = await host.init([], params({ variant }), 'lockstep');
      const ctx: CaseContext = {
        endpoint: host,
        capabilities: init.capabilities,
        callTimeoutMs: 5000,
        minRounds: 0,
      };
      const out = await exchanges.check(input, variant, ctx);
      expect(
        out.verdict,
        `${variant}: ${JSON.stringify(out.checks.map((c) => [c.id, c.verdict, c.evidence.observed, c.evidence.details.slice(0, 3)]))}`,
      ).toBe('PASS');
      const split = out.events.filter((e) => e.t === 'send' && e.kind === 'digest' && e.hop === 0);
      const perPeer = new Set(split.map((e) => (e.t === 'send' ? `${e.r} ${e.from} ${e.to}` : '')));
      expect(split.length, 'digests split').toBeGreaterThan(perPeer.size);
      expect((await noFaults.check(input, variant, ctx)).verdict, variant).toBe('PASS');
    }
  });
});
