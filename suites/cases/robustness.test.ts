// The robustness cases' definitions, run in-process against the reference
// (every case passes) and against the broken fixture they are meant to catch.
import * as fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { GossipEndpoint, Variant } from '../../proto/contract.js';
import { makeBrokenHost } from '../../reference/broken/index.js';
import { ReferenceHost } from '../../reference/host.js';
import type { CaseDef, Outcome } from '../model.js';
import { IDEMPOTENCE_CASES, REJECTION_CASES } from './robustness.js';

const GEN = { minNodes: 3, maxNodes: 5 };

async function run<I>(
  c: CaseDef<I>,
  variant: Variant,
  endpoint: GossipEndpoint,
  seed: number,
): Promise<Outcome[]> {
  const init = await endpoint.init([], { ...PARAMS, variant }, 'lockstep').catch(() => null);
  const capabilities =
    init?.capabilities ??
    (await new ReferenceHost().init([], { ...PARAMS, variant }, 'lockstep')).capabilities;
  const inputs = fc.sample(c.arbitrary(variant, { ...GEN, capabilities }), { seed, numRuns: 3 });
  const out: Outcome[] = [];
  for (const input of inputs) {
    expect(c.validate(JSON.parse(JSON.stringify(input)))).toBeNull();
    out.push(await c.check(input, variant, { endpoint, capabilities, callTimeoutMs: 10_000, minRounds: 0 }));
  }
  return out;
}

const PARAMS = {
  fanout: 1,
  periodMs: 0,
  lossOfInterest: 'feedback-counter',
  rumorK: 2,
  antiEntropyEvery: 1,
  maxPayloadBytes: 1 << 20,
} as const;

describe('robustness cases against the reference', () => {
  for (const c of [...REJECTION_CASES, ...IDEMPOTENCE_CASES]) {
    test(`${c.id} passes`, async () => {
      // membership-swim needs Parameters.membership, which the probes' small clusters do not carry.
      for (const variant of c.variants.filter((v) => v !== 'membership-swim')) {
        for (const o of await run(c, variant, new ReferenceHost(), 7)) {
          expect(
            o.verdict,
            `${variant}: ${JSON.stringify(o.checks.map((x) => [x.id, x.verdict, x.evidence.observed]))}`,
          ).toBe('PASS');
        }
      }
    });
  }
});

describe('idempotence cases go through the runner: a history, judged by checkers', () => {
  test('every outcome carries its lockstep history, with the router duplicating or reordering', async () => {
    const [dup, reorder] = IDEMPOTENCE_CASES;
    const [d] = await run(dup, 'anti-entropy-push-pull', new ReferenceHost(), 3);
    expect(d.events[0]).toMatchObject({ t: 'run', mode: 'lockstep' });
    expect(d.events.some((e) => e.t === 'duplicate')).toBe(true);
    const [r] = await run(reorder, 'anti-entropy-push-pull', new ReferenceHost(), 3);
    expect(r.events.some((e) => e.t === 'fault' && e.fault.kind === 'reorder')).toBe(true);
  });

  test('the same input gives the same history bytes (replay)', async () => {
    const [dup] = IDEMPOTENCE_CASES;
    const a = await run(dup, 'anti-entropy-push', new ReferenceHost(), 5);
    const b = await run(dup, 'anti-entropy-push', new ReferenceHost(), 5);
    expect(JSON.stringify(a.map((o) => o.events))).toBe(JSON.stringify(b.map((o) => o.events)));
  });

  test('applies-twice (a re-arriving entry applied as a fresh write) fails robustness/duplicate-idempotent', async () => {
    const [dup] = IDEMPOTENCE_CASES;
    const outcomes = await run(dup, 'anti-entropy-push-pull', makeBrokenHost('applies-twice'), 11);
    expect(outcomes.some((o) => o.verdict === 'FAIL')).toBe(true);
  });
});
