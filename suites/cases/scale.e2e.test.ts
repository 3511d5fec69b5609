// scale/convergence/n10000: one input drawn by the case's own generator,
// judged by checkCase as `gossipcheck run --suite scale --impl ...` judges it,
// passes against `gossipcheck serve-reference` over gRPC with faults that
// dropped envelopes; a hand-made input fails against the restores-half
// fixture (in-process: the same history as over gRPC, docs/performance.md),
// whose restart loses the write that only its disk held.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SpawnedEndpoint, spawnEndpoint } from '../../engine/backends/process.js';
import { CLI, tempDirs } from '../../engine/testing/cli.js';
import type { GossipEndpoint } from '../../proto/contract.js';
import { makeBrokenHost } from '../../reference/broken/index.js';
import type { CaseContext, ScenarioInput } from '../model.js';
import { checkCase } from '../property.js';
import { findCase, selected } from '../registry.js';
import { SCALE_N } from './scale.js';

const ID = 'scale/convergence/n10000';
const VARIANT = 'anti-entropy-push-pull';

async function context(endpoint: GossipEndpoint): Promise<CaseContext> {
  const { capabilities } = await endpoint.init(
    [],
    {
      variant: VARIANT,
      fanout: 1,
      periodMs: 0,
      lossOfInterest: 'feedback-counter',
      rumorK: 1,
      antiEntropyEvery: 1,
      maxPayloadBytes: 0,
    },
    'lockstep',
  );
  return { endpoint, capabilities, callTimeoutMs: 60_000, minRounds: 0 };
}

const dirs = tempDirs();
let iut: SpawnedEndpoint;
beforeAll(async () => {
  iut = await spawnEndpoint(`"${process.execPath}" "${CLI}" serve-reference --listen {listen}`, {
    startupTimeoutMs: 15_000,
    callTimeoutMs: 60_000,
  });
});
afterAll(async () => {
  await iut?.close();
  dirs.cleanup();
});

describe(ID, () => {
  test('opt-in: left out of the default selection, run by --suite scale or its prefix', () => {
    expect(selected(ID, [], [])).toBe(false);
    expect(selected(ID, ['scale'], [])).toBe(true);
    expect(selected(ID, [], ['scale'])).toBe(true);
    expect(selected(ID, [], ['convergence'])).toBe(false);
  });

  test('passes against serve-reference over gRPC at n = 10,000, the faults having dropped envelopes', async () => {
    const def = findCase(ID)!;
    const r = await checkCase(def, VARIANT, await context(iut.endpoint), {
      seed: 1,
      runs: 1,
      minNodes: 3,
      maxNodes: 10,
      minRounds: 0,
      outDir: dirs.make(),
      impl: null,
    });
    expect(r.verdict).toBe('PASS');
    expect(r.judged).toBe(1);
    expect(r.evidence.observed).toMatch(new RegExp(`\\b${SCALE_N} live nodes hold identical entries`));
    const faults = r.evidence.details.find((d) => d.startsWith('faults: '));
    expect(faults).toMatch(/partition isolate [1-9]\d* dropped/);
    expect(faults).toMatch(/loss p=[\d.]+ [1-9]\d* dropped/);
    expect(faults).toMatch(/crash n\d+ [1-9]\d* entries at stake/);
  }, 120_000);

  test('fails against restores-half: the write only the isolated node held is lost on its restart', async () => {
    // n4321 writes while cut off, crashes, and restarts with half its disk (its one key) gone.
    const input: ScenarioInput = {
      n: SCALE_N,
      topology: { kind: 'star', param: 1 },
      fanout: 1,
      rumorK: 1,
      lossOfInterest: 'feedback-counter',
      antiEntropyEvery: 1,
      seed: 5,
      writes: [
        { round: 2, node: 4321, key: 'cut', value: 'while-isolated' },
        { round: 3, node: 17, key: 'k', value: 'elsewhere' },
      ],
      faults: [
        { type: 'isolate', node: 4321, from: 2, until: 6 },
        { type: 'crash', node: 4321, at: 3, restartAt: 5, durable: true },
        { type: 'link', fault: { kind: 'loss', probability: 0.2 }, from: 1, until: 4 },
      ],
      values: [1],
    };
    const def = findCase(ID)!;
    expect(def.validate(input)).toBeNull();
    const out = await def.check(input, VARIANT, await context(makeBrokenHost('restores-half')));
    expect(out.verdict).toBe('FAIL');
    const lost = out.checks.find((c) => c.id === 'convergence/no-lost-update')!;
    expect(lost.verdict).toBe('FAIL');
    expect(lost.evidence.details[0]).toMatch(/^cut v1@n4321 \(acked by n4321 in round 2\) missing at n0, /);
  }, 120_000);
});
