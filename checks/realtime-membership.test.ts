// The realtime form of membership/partition-heal on hand-built histories:
// each verdict (PASS, late FAIL, never FAIL, too short to judge) is reachable.
import { describe, expect, test } from 'vitest';
import type { HistoryEvent, ReadMember } from '../engine/history/events.js';
import type { Parameters } from '../proto/contract.js';
import { healBound } from './membership/bounds.js';
import { checkViewsHealRealtime } from './realtime-membership.js';

const membership = {
  probePeriod: 2,
  indirectProbes: 1,
  suspicionPeriods: 1,
  retransmitMult: 1,
  pushPullPeriods: 1,
};
const params: Parameters = {
  variant: 'membership-swim',
  fanout: 1,
  periodMs: 10,
  lossOfInterest: 'feedback-counter',
  rumorK: 1,
  antiEntropyEvery: 1,
  maxPayloadBytes: 0,
  membership,
};
const nodes = ['n1', 'n2', 'n3'];
const LIMIT = healBound(3, membership) * 10; // grace 0 below
const alive: ReadMember[] = nodes.map((m) => [m, 'alive', 0]);
const n3Dead: ReadMember[] = [alive[0], alive[1], ['n3', 'dead', 0]];

function history(reads: [r: number, node: string, view: ReadMember[]][], end: number): HistoryEvent[] {
  return [
    { t: 'run', seed: 1, mode: 'realtime', nodes, params, rounds: end, hopLimit: 0, values: [] },
    {
      t: 'fault',
      r: 100,
      action: 'stop',
      fault: { kind: 'partition', shape: 'halves', groups: [['n1'], ['n2', 'n3']] },
      edges: [],
    },
    ...reads.map(
      ([r, node, members]): HistoryEvent => ({
        t: 'read',
        r,
        node,
        entries: [],
        estimate: 0,
        sum: 0,
        weight: 0,
        final: false,
        members,
      }),
    ),
    { t: 'end', r: end, reason: 'completed' },
  ];
}
const all = (r: number, view: ReadMember[]) => nodes.map((n): [number, string, ReadMember[]] => [r, n, view]);

describe('membership/partition-heal, realtime form', () => {
  test('one all-alive view soon after the heal passes', () => {
    const v = checkViewsHealRealtime(history([...all(50, n3Dead), ...all(120, alive)], 100 + LIMIT + 50), 0);
    expect(v.verdict, v.evidence.observed).toBe('PASS');
    expect(v.judged).toBe(3);
  });

  test('one view, but reached after the bound, fails', () => {
    const late = 100 + LIMIT + 10;
    const v = checkViewsHealRealtime(history([...all(50, n3Dead), ...all(late, alive)], late + 50), 0);
    expect(v.verdict).toBe('FAIL');
  });

  test('a view that holds a live member dead to the end fails once the bound has passed', () => {
    const v = checkViewsHealRealtime(history(all(120, n3Dead), 100 + LIMIT + 50), 0);
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.observed).toBe('never one all-alive view');
  });

  test('a run that ends before the bound without one view judges nothing', () => {
    const v = checkViewsHealRealtime(history(all(120, n3Dead), 150), 0);
    expect(v.verdict).toBe('INCONCLUSIVE');
  });
});
