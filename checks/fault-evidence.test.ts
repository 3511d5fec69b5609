// The fault-evidence rule (checks/fault-evidence.ts): a property judged
// under faults is not judged on a run whose faults of its kinds all touched
// nothing, in lockstep (checkHistory) and realtime (checkRealtimeHistory)
// alike; one effective fault suffices; a failure stands.
import { describe, expect, test } from 'vitest';
import type { LinkFault } from '../engine/faults/schedule.js';
import type { HistoryEvent } from '../engine/history/events.js';
import { minimalParameters } from '../proto/contract.js';
import { ALL_FAULTS, requireFaultEffect } from './fault-evidence.js';
import { checkHistory } from './index.js';
import { checkRealtimeHistory } from './realtime.js';
import { ALL_CAPABILITIES, entry, HistoryBuilder } from './testing/builder.js';
import { verdictOf } from './verdict.js';

const nodes = ['n0', 'n1', 'n2'];
const cut: LinkFault = { kind: 'partition', shape: 'one-way', groups: [['n0'], ['n1']] };
const loss: LinkFault = { kind: 'loss', probability: 0.5, edges: { from: ['n0'], to: ['n1'] } };
/** n0 writes k, both sides converge by round 3; `body` runs in round 2 with the fault in force. */
function converged(
  fault: LinkFault,
  edges: [string, string][],
  body: (b: HistoryBuilder) => void,
): HistoryEvent[] {
  const two = ['n0', 'n1'];
  const b = new HistoryBuilder({ nodes: two, rounds: 3 })
    .round(1)
    .update('n0', 'k', 'v', { counter: 1, origin: 'n0' });
  b.read('n0', [entry('k', 'v', 1, 'n0')]);
  b.round(2).fault('start', fault, edges);
  body(b);
  b.round(3).fault('stop', fault, edges);
  b.send('n0', 'n1', 'push', ['k']);
  b.readAll(two, [entry('k', 'v', 1, 'n0')]);
  return b.finish();
}

describe('the rule: a property judged under faults needs one that did something', () => {
  const oneWay: LinkFault = { kind: 'partition', shape: 'one-way', groups: [['n0'], ['n1']] };
  const verdictIn = (events: HistoryEvent[], id: string) => checkHistory(events).find((v) => v.id === id)!;

  test('an inert cut leaves convergence not judged, naming the fault; an effective one lets it pass', () => {
    const inert = converged(oneWay, [['n0', 'n1']], (b) => b.send('n1', 'n0', 'push'));
    const effective = converged(oneWay, [['n0', 'n1']], (b) => {
      const id = b.send('n0', 'n1', 'push', ['k'], { deliver: false });
      b.events.push({ t: 'drop', r: 2, id, reason: 'partition' });
    });
    for (const id of ['convergence/identical-state', 'convergence/no-lost-update']) {
      const v = verdictIn(inert, id);
      expect(v.verdict, id).toBe('INCONCLUSIVE');
      expect(v.judged).toBe(0);
      expect(v.evidence.details[0]).toBe(
        'not judged: every fault was inert, faults: partition one-way inert',
      );
      const w = verdictIn(effective, id);
      expect(w.verdict, id).toBe('PASS');
      expect(w.evidence.details.at(-1)).toBe('faults: partition one-way 1 dropped');
    }
    // Monotonic versions is a safety property of any run, faults or not: judged either way.
    expect(verdictIn(inert, 'convergence/monotonic-versions').verdict).toBe('PASS');
  });

  test('one effective fault suffices; the inert ones are named beside it', () => {
    const v = requireFaultEffect(pass, faultyRun(true), ALL_FAULTS);
    expect(v.verdict).toBe('PASS');
    expect(v.evidence.details.at(-1)).toBe('faults: partition one-way inert; loss p=0.5 1 dropped');
  });

  test('a failure stands whatever the faults did; a run without faults is judged as it is', () => {
    const failed = verdictOf(INFO, false, { expected: 'x', observed: 'y', details: [] }, 1);
    expect(requireFaultEffect(failed, faultyRun(false), ALL_FAULTS).verdict).toBe('FAIL');
    const quiet = new HistoryBuilder({ nodes }).round(1).finish();
    expect(requireFaultEffect(pass, quiet, ALL_FAULTS)).toBe(pass);
    // Faults of kinds the property is not about do not count, either way.
    expect(requireFaultEffect(pass, faultyRun(true), ['crash'])).toBe(pass);
    expect(requireFaultEffect(pass, faultyRun(false), ALL_FAULTS).verdict).toBe('INCONCLUSIVE');
  });
});

const INFO = { id: 'x/y', requirement: 'r', level: 'MUST' as const, source: 's' };
const pass = verdictOf(INFO, true, { expected: 'x', observed: 'y', details: [] }, 1);

/** An inert partition and a loss that dropped one envelope (or, `lost` false, none). */
function faultyRun(lost: boolean): HistoryEvent[] {
  const b = new HistoryBuilder({ nodes })
    .round(1)
    .fault('start', cut, [['n2', 'n1']])
    .fault('start', loss);
  const id = b.send('n0', 'n1', 'push', [], { deliver: !lost });
  if (lost) b.events.push({ t: 'drop', r: 1, id, reason: 'loss' });
  return b
    .round(2)
    .fault('stop', cut, [['n2', 'n1']])
    .fault('stop', loss)
    .finish();
}

/**
 * A realtime run (r in ms, harness transport): n0 writes k at 100 ms, a
 * one-way cut n0 -> n1 from 200 to 400 ms, during which `during` happens;
 * then n0 pushes k to n1 and both read it.
 */
function realtime(during: HistoryEvent[]): HistoryEvent[] {
  const read = (node: string): HistoryEvent => ({
    t: 'read',
    r: 900,
    node,
    entries: [entry('k', 'v', 1, 'n0')],
    estimate: 0,
    sum: 0,
    weight: 0,
    final: true,
  });
  const edges: [string, string][] = [['n0', 'n1']];
  return [
    {
      t: 'run',
      seed: 1,
      mode: 'realtime',
      nodes: ['n0', 'n1'],
      params: minimalParameters('anti-entropy-push-pull', { periodMs: 100 }),
      rounds: 1000,
      hopLimit: 0,
      values: [],
    },
    {
      t: 'init',
      implementation: 'test',
      version: '0',
      capabilities: { ...ALL_CAPABILITIES, realtime: true },
    },
    { t: 'update', r: 100, node: 'n0', key: 'k', value: 'v' },
    { t: 'ack', r: 110, node: 'n0', key: 'k', version: { counter: 1, origin: 'n0' } },
    { t: 'fault', r: 200, action: 'start', fault: cut, edges },
    ...during,
    { t: 'fault', r: 400, action: 'stop', fault: cut, edges },
    { t: 'send', r: 500, hop: 0, id: 9, from: 'n0', to: 'n1', kind: 'push', keys: ['k'], bytes: 10 },
    { t: 'deliver', r: 505, hop: 0, id: 9 },
    read('n0'),
    read('n1'),
    { t: 'end', r: 1000, reason: 'completed' },
  ];
}

describe('the rule in realtime (checkRealtimeHistory)', () => {
  const sendAt = (r: number, id: number, from: string, to: string): HistoryEvent => ({
    t: 'send',
    r,
    hop: 0,
    id,
    from,
    to,
    kind: 'push',
    keys: ['k'],
    bytes: 10,
  });
  const judged = ['convergence/identical-state', 'convergence/no-lost-update', 'convergence/within-bound'];

  test('a cut before any traffic crossed it: every convergence case INCONCLUSIVE, not PASS', () => {
    // Only the reverse edge, which the one-way cut leaves open, carried anything.
    const out = checkRealtimeHistory(
      realtime([sendAt(250, 1, 'n1', 'n0'), { t: 'deliver', r: 255, hop: 0, id: 1 }]),
    );
    for (const id of judged) {
      const v = out.find((x) => x.id === id)!;
      expect(v.verdict, id).toBe('INCONCLUSIVE');
      expect(v.evidence.observed).toContain('every fault was inert (partition one-way)');
    }
  });

  test('the same run with a send the cut dropped: PASS, with the count in the evidence', () => {
    const out = checkRealtimeHistory(
      realtime([sendAt(250, 1, 'n0', 'n1'), { t: 'drop', r: 250, id: 1, reason: 'partition' }]),
    );
    for (const id of judged) {
      const v = out.find((x) => x.id === id)!;
      expect(v.verdict, id).toBe('PASS');
      expect(v.evidence.details).toContain('faults: partition one-way 1 dropped');
    }
  });
});
