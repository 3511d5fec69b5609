// Rounds an endpoint plays in one call (RoundRequest) must leave the very
// history the harness writes when it drives the same rounds call by call:
// checked over generated scenarios of every variant with every fault kind the
// suites draw, and against endpoints whose played rounds disagree with the
// network.
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_CAPABILITIES } from '../checks/testing/builder.js';
import type { HistoryEvent } from '../engine/history/events.js';
import { serializeEvent } from '../engine/history/recorder.js';
import { runLockstep } from '../engine/runner/lockstep.js';
import { type Capabilities, type GossipEndpoint, type RoundCall, VARIANTS } from '../proto/contract.js';
import { withRounds } from '../proto/round.js';
import { ReferenceHost } from '../reference/host.js';
import { clusterArb } from './generators/cluster.js';
import {
  crashArb,
  delayArb,
  duplicateArb,
  lossArb,
  partitionArb,
  pauseArb,
  reorderArb,
  scheduleArb,
} from './generators/faults.js';
import { writesArb } from './generators/workload.js';
import type { ScenarioInput } from './model.js';
import { toSpec } from './scenario.js';

const caps: Capabilities = { ...ALL_CAPABILITIES, membership: true };

const faultsArb = scheduleArb(
  [
    partitionArb('halves'),
    partitionArb('isolate'),
    lossArb(30),
    delayArb,
    duplicateArb,
    reorderArb,
    crashArb(true),
    crashArb(false),
    pauseArb,
  ],
  4,
).chain((faults) => fc.constantFrom(faults, [] as typeof faults));

const inputArb: fc.Arbitrary<ScenarioInput> = fc
  .record({
    cluster: clusterArb(caps, { minN: 3, maxN: 8, topologies: true }),
    writes: writesArb(8),
    faults: faultsArb,
    values: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 4 }),
  })
  .map(({ cluster, writes, faults, values }) => ({ ...cluster, writes, faults, values }));

/** `hopLimit` below the suites' 4 leaves envelopes due at the end of rounds, carried into the next. */
async function history(
  input: ScenarioInput,
  variant: (typeof VARIANTS)[number],
  endpoint: GossipEndpoint,
  hopLimit?: number,
) {
  const spec = { ...toSpec(input, variant, 5000, 'played-rounds'), ...(hopLimit ? { hopLimit } : {}) };
  const events: HistoryEvent[] = [];
  const outcome = await runLockstep(spec, [{ endpoint, nodes: spec.nodes }], (e) => events.push(e));
  return { outcome, text: events.map(serializeEvent).join('\n') };
}

/** The reference, with the rounds it plays counted. */
function playing(): { endpoint: GossipEndpoint; played: () => number } {
  const ep = withRounds(new ReferenceHost());
  let played = 0;
  return {
    endpoint: {
      ...ep,
      round: async (call: RoundCall) => {
        const res = await ep.round(call);
        played += res.length;
        return res;
      },
    },
    played: () => played,
  };
}

describe('rounds played in one call', () => {
  it('give the history of the same rounds driven call by call, byte for byte', async () => {
    let playedAtAll = 0;
    let completed = 0;
    await fc.assert(
      fc.asyncProperty(
        inputArb,
        fc.constantFrom(...VARIANTS),
        fc.constantFrom(1, 2, 4),
        async (input, variant, hops) => {
          const called = await history(input, variant, new ReferenceHost(), hops);
          const p = playing();
          const played = await history(input, variant, p.endpoint, hops);
          // Aborted runs count too (e.g. a write too large for max_payload_bytes is refused).
          if (called.outcome.completed) completed++;
          expect(played.outcome).toEqual(called.outcome);
          expect(played.text).toBe(called.text);
          playedAtAll += p.played();
        },
      ),
      { numRuns: 60, seed: 7 },
    );
    // The property judged something: runs completed, and rounds were played, not driven.
    expect(completed).toBeGreaterThan(30);
    expect(playedAtAll).toBeGreaterThan(1000);
  });

  const input: ScenarioInput = {
    n: 4,
    fanout: 1,
    rumorK: 2,
    lossOfInterest: 'feedback-counter',
    antiEntropyEvery: 1,
    seed: 3,
    writes: [{ round: 1, node: 0, key: 'a', value: 'v' }],
    faults: [],
    values: [0],
  };

  it('fail the run where the endpoint delivered other than the network routed', async () => {
    const ep = withRounds(new ReferenceHost());
    const lying: GossipEndpoint = {
      ...ep,
      round: async (call: RoundCall) => {
        const res = await ep.round(call);
        const hop = res[0]?.hops[0];
        if (hop) hop.delivered += 1;
        return res;
      },
    };
    const { outcome, text } = await history(input, 'anti-entropy-push-pull', lying);
    expect(outcome.completed).toBe(false);
    expect(text).toMatch(
      /the endpoint's Round delivered \d+ envelopes at hop 1, where the network routed \d+/,
    );
  });

  it('fail the run where the endpoint played rounds it was not asked for', async () => {
    const ep = withRounds(new ReferenceHost());
    const extra: GossipEndpoint = {
      ...ep,
      round: async (call: RoundCall) => {
        const res = await ep.round(call);
        return [...res, ...res];
      },
    };
    const { outcome, text } = await history(input, 'anti-entropy-push-pull', extra);
    expect(outcome.completed).toBe(false);
    expect(text).toMatch(/the endpoint's Round played \d+ of \d+ rounds/);
  });

  it('drive the rounds call by call when the endpoint declines to play them', async () => {
    const host = new ReferenceHost();
    let asked = 0;
    const declining: GossipEndpoint = {
      init: (...a) => host.init(...a),
      tick: (n) => host.tick(n),
      deliver: (e) => host.deliver(e),
      update: (w) => host.update(w),
      read: (n) => host.read(n),
      stop: (n, m) => host.stop(n, m),
      close: () => host.close(),
      round: async () => {
        asked++;
        return undefined;
      },
    };
    const declined = await history(input, 'anti-entropy-push-pull', declining);
    const called = await history(input, 'anti-entropy-push-pull', new ReferenceHost());
    expect(declined.text).toBe(called.text);
    // Asked once, then never again in the run.
    expect(asked).toBe(1);
  });
});
