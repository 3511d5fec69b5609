// End to end: the lockstep runner driving the in-process reference node.
import { describe, expect, it } from 'vitest';
import type { NodeId, Parameters } from '../../proto/contract.js';
import { ReferenceHost } from '../../reference/host.js';
import { Rng } from '../../shared/prng.js';
import { makePartition } from '../faults/shapes.js';
import type { EventOf } from '../history/events.js';
import { HistoryRecorder } from '../history/recorder.js';
import { type LockstepSpec, runLockstep } from './lockstep.js';

const nodes: NodeId[] = Array.from({ length: 8 }, (_, i) => `n${i + 1}`);
const params: Parameters = {
  variant: 'anti-entropy-push-pull',
  fanout: 1,
  periodMs: 100,
  lossOfInterest: 'feedback-counter',
  rumorK: 2,
  antiEntropyEvery: 1,
  maxPayloadBytes: 0,
};

function spec(seed: number): LockstepSpec {
  return {
    seed,
    nodes,
    peers: Object.fromEntries(nodes.map((n) => [n, nodes.filter((m) => m !== n)])),
    params,
    rounds: 30,
    hopLimit: 4,
    workload: [
      { round: 1, node: 'n1', key: 'a', value: '1' },
      { round: 3, node: 'n5', key: 'b', value: '2' },
      { round: 4, node: 'n2', key: 'a', value: '3' },
    ],
    schedule: [
      { type: 'link', from: 2, until: 8, fault: makePartition('halves', nodes, new Rng(seed)) },
      { type: 'link', from: 1, until: 10, fault: { kind: 'loss', probability: 0.1 } },
      { type: 'crash', at: 5, node: 'n7' },
      { type: 'restart', at: 9, node: 'n7', durable: false },
    ],
    initialValues: {},
    callTimeoutMs: 5000,
  };
}

async function run(seed: number) {
  const rec = new HistoryRecorder();
  const host = new ReferenceHost();
  const outcome = await runLockstep(spec(seed), [{ endpoint: host, nodes }], rec.record);
  await host.close();
  return { outcome, rec };
}

describe('runLockstep with the reference node', () => {
  it('completes, replays byte for byte, and converges after the faults heal', async () => {
    const one = await run(5);
    const two = await run(5);
    expect(one.outcome).toEqual({ completed: true, rounds: 30 });
    expect(one.rec.toJsonl()).toBe(two.rec.toJsonl());
    expect((await run(6)).rec.toJsonl()).not.toBe(one.rec.toJsonl());
    const events = one.rec.events;
    expect(events.filter((e) => e.t === 'error')).toEqual([]);
    const finals = events.filter((e): e is EventOf<'read'> => e.t === 'read' && e.final);
    expect(finals.map((e) => e.node)).toEqual(nodes);
    const states = new Set(finals.map((e) => JSON.stringify(e.entries.map((x) => x.slice(0, 4)))));
    expect(states.size).toBe(1);
    expect(finals[0].entries.map((x) => [x[0], x[1]])).toEqual([
      ['a', '3'],
      ['b', '2'],
    ]);
  });
});
