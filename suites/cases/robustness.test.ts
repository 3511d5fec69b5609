// The robustness cases' definitions, run in-process against the reference
// (every case passes) and against the broken fixture they are meant to catch.
import * as fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ContractError, type Envelope, type GossipEndpoint, type Variant } from '../../proto/contract.js';
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

/** Accepts what it should refuse: drops bad envelopes silently and delivers the rest. */
class SwallowsBadInput extends ReferenceHost {
  override deliver(envelopes: Envelope[]): Promise<Envelope[]> {
    const ok = envelopes.filter(
      (e) => /^n\d+$/.test(e.to) && e.payload.length <= 4096 && e.payload[0] !== 0xff,
    );
    return super.deliver(ok);
  }
}

/** Applies the valid part of a batch, then refuses it: a refused batch that changed state. */
class AppliesThenRefuses extends ReferenceHost {
  override async deliver(envelopes: Envelope[]): Promise<Envelope[]> {
    const ok = envelopes.filter(
      (e) => /^n\d+$/.test(e.to) && e.payload.length <= 4096 && e.payload[0] !== 0xff,
    );
    if (ok.length === envelopes.length) return super.deliver(envelopes);
    await super.deliver(ok);
    throw new ContractError('invalid-argument', 'bad envelope');
  }
}

describe('rejection cases go through the runner: a tamper fault, a history, a checker', () => {
  test('the history shows each damaged copy refused and its original delivered', async () => {
    for (const c of REJECTION_CASES) {
      const [o] = await run(c, 'anti-entropy-push-pull', new ReferenceHost(), 3);
      const tampers = o.events.filter((e) => e.t === 'tamper');
      expect(tampers.length).toBeGreaterThan(0);
      for (const t of tampers) {
        expect(o.events).toContainEqual({ t: 'drop', r: t.r, id: t.id, reason: 'rejected' });
        expect(o.events.some((e) => e.t === 'deliver' && e.id === t.of)).toBe(true);
      }
    }
  });

  test('an endpoint that swallows bad input fails every rejection case', async () => {
    for (const c of REJECTION_CASES) {
      const outcomes = await run(c, 'anti-entropy-push-pull', new SwallowsBadInput(), 3);
      expect(
        outcomes.every((o) => o.verdict === 'FAIL'),
        c.id,
      ).toBe(true);
    }
  });

  test('an endpoint whose refused batch changed state fails', async () => {
    const outcomes = await run(REJECTION_CASES[0], 'direct-mail', new AppliesThenRefuses(), 3);
    expect(
      outcomes.some((o) => o.checks.some((x) => x.evidence.details.some((d) => d.includes('changed')))),
      JSON.stringify(outcomes.map((o) => o.checks)),
    ).toBe(true);
  });
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
