// convergence/long-run in process: the reference passes a long run with late
// writes and late faults; stops-gossiping fails it, and the per-write check
// says which writes never arrived.
import { describe, expect, it } from 'vitest';
import { EACH_WRITE_WITHIN_BOUND } from '../../checks/long-run.js';
import type { GossipEndpoint } from '../../proto/contract.js';
import { CONVERGENCE_CASES } from '../../suites/cases/convergence.js';
import type { CaseContext, ScenarioInput } from '../../suites/model.js';
import { ReferenceHost } from '../host.js';
import { fullMesh, nodeIds, params } from '../testing/drive.js';
import { makeBrokenHost } from './index.js';

const LONG_RUN = CONVERGENCE_CASES.find((c) => c.id === 'convergence/long-run')!;

/** 300 rounds, 8 nodes: writes early, mid and late; a partition at 100-120, loss at 180-200, a crash at 250-260. */
const INPUT: ScenarioInput = {
  n: 8,
  fanout: 1,
  rumorK: 2,
  lossOfInterest: 'feedback-counter',
  antiEntropyEvery: 2,
  seed: 42,
  writes: [10, 45, 80, 130, 170, 230, 270, 300].map((round, i) => ({
    round,
    node: i,
    key: 'abcd'[i % 4],
    value: `v${i}`,
  })),
  faults: [
    { type: 'partition', shape: 'halves', from: 100, until: 120, pick: 3 },
    { type: 'link', fault: { kind: 'loss', probability: 0.3 }, from: 180, until: 200 },
    { type: 'crash', node: 5, at: 250, restartAt: 260, durable: false },
  ],
  values: [0],
};

async function run(host: GossipEndpoint, variant: 'anti-entropy-push-pull' | 'hybrid') {
  const init = await host.init(fullMesh(nodeIds(2), 1), params({ variant }), 'lockstep');
  const ctx: CaseContext = {
    endpoint: host,
    capabilities: init.capabilities,
    callTimeoutMs: 5000,
    minRounds: 0,
  };
  return LONG_RUN.check(INPUT, variant, ctx);
}

describe('convergence/long-run', () => {
  it('the reference passes, every write judged in its own window', async () => {
    for (const variant of ['anti-entropy-push-pull', 'hybrid'] as const) {
      const out = await run(new ReferenceHost(), variant);
      const each = out.checks.find((c) => c.id === EACH_WRITE_WITHIN_BOUND.id)!;
      expect(out.verdict, JSON.stringify(out.checks.map((c) => c.evidence))).toBe('PASS');
      expect(each.judged).toBe(8);
    }
  });

  it('stops-gossiping (quiet after period 50) fails: every write after round 50 stays at its writer', async () => {
    const out = await run(makeBrokenHost('stops-gossiping'), 'anti-entropy-push-pull');
    expect(out.verdict).toBe('FAIL');
    const each = out.checks.find((c) => c.id === EACH_WRITE_WITHIN_BOUND.id)!;
    expect(each.verdict).toBe('FAIL');
    expect(each.evidence.observed).toBe('6 of 8 write(s) not everywhere within their window');
    expect(each.evidence.details[0]).toMatch(/^c v1@n2 written at n2 in round 80: 7 node\(s\) lack it/);
  });
});
