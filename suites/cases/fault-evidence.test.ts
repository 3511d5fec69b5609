// Faults proven to fire, through the real case machinery: convergence/under-loss
// run by checkCase (fast-check, the tally, the evidence rule) on one
// hand-made input against the in-process reference. A loss of every envelope
// on an edge the peer graph never uses touched nothing: the case is
// INCONCLUSIVE, naming the inert fault, not PASS. The same loss on an edge
// the nodes do use drops envelopes, and the case passes with the count.
import * as fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { tempDirs } from '../../engine/testing/cli.js';
import { ReferenceHost } from '../../reference/host.js';
import type { CaseDef, ScenarioInput } from '../model.js';
import { checkCase } from '../property.js';
import { findCase } from '../registry.js';

const VARIANT = 'anti-entropy-push-pull';

/** A ring of 4 (n0's peers: n1 and n3, never n2); n0 writes; every envelope n0 sends `to` is lost in rounds 1-6. */
function input(to: string): ScenarioInput {
  return {
    n: 4,
    topology: { kind: 'ring', param: 1 },
    fanout: 1,
    rumorK: 2,
    lossOfInterest: 'feedback-counter',
    antiEntropyEvery: 1,
    seed: 7,
    writes: [{ round: 1, node: 0, key: 'k', value: 'v' }],
    faults: [
      {
        type: 'link',
        fault: { kind: 'loss', probability: 1, edges: { from: ['n0'], to: [to] } },
        from: 1,
        until: 6,
      },
    ],
    values: [1],
  };
}

async function run(x: ScenarioInput) {
  const def = findCase('convergence/under-loss')!;
  const host = new ReferenceHost();
  const { capabilities } = await host.init(
    [],
    {
      variant: VARIANT,
      fanout: 1,
      periodMs: 0,
      lossOfInterest: 'feedback-counter',
      rumorK: 2,
      antiEntropyEvery: 1,
      maxPayloadBytes: 1 << 20,
    },
    'lockstep',
  );
  const one: CaseDef<unknown> = { ...def, arbitrary: () => fc.constant(x) };
  return checkCase(
    one,
    VARIANT,
    { endpoint: host, capabilities, callTimeoutMs: 10_000, minRounds: 0 },
    {
      seed: 1,
      runs: 1,
      minNodes: 3,
      maxNodes: 5,
      minRounds: 0,
      outDir: dirs.make(),
      impl: null,
    },
  );
}

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('convergence/under-loss with a loss that touched nothing', () => {
  test('a loss on an edge the ring never uses: INCONCLUSIVE, the inert fault named', async () => {
    const r = await run(input('n2'));
    expect(r.verdict).toBe('INCONCLUSIVE');
    const tally = Object.fromEntries((r.checks ?? []).map((c) => [c.id, c.runs]));
    expect(tally).toMatchObject({
      'convergence/identical-state': 0,
      'convergence/no-lost-update': 0,
      'convergence/within-bound': 0,
      // A safety property of any run: judged, inert faults or not.
      'convergence/monotonic-versions': 1,
    });
    expect(r.evidence.details).toContain(
      'convergence/identical-state: not judged: every fault was inert, faults: loss p=1 inert',
    );
  });

  test('the same loss on an edge the ring uses: PASS, with what it dropped', async () => {
    const r = await run(input('n1'));
    expect(r.verdict).toBe('PASS');
    expect(r.evidence.details.some((d) => /^faults: loss p=1 \d+ dropped$/.test(d))).toBe(true);
  });
});
