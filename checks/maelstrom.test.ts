// The Maelstrom cases over hand-made histories (the kit's realtime events, as
// the realtime runner records a Maelstrom scenario): what counts as a client
// operation and a node-to-node message, presence from the delivery log, and
// the violation that ended a run.
import { describe, expect, test } from 'vitest';
import { MAELSTROM_PARAMS } from '../adapters/maelstrom/scenario.js';
import type { EventOf, HistoryEvent, ReadEntry } from '../engine/history/events.js';
import { checkBudgets, checkConvergence, checkProtocol, convergenceCase, measure } from './maelstrom.js';
import { PROFILES } from './maelstrom-profiles.js';
import { entry } from './testing/builder.js';

const K1: ReadEntry = entry('k1', 'v1', 1, 'n0');

/** n0 broadcasts k1 at 100 ms (acked at 130); a line carries it to n1 (sent 115, delivered at `deliveredAt`). */
function scenario(
  o: { deliveredAt?: number; n1Final?: ReadEntry[]; aborted?: string; harness?: EventOf<'harness'> } = {},
): HistoryEvent[] {
  const read = (node: string, r: number, entries: ReadEntry[], final: boolean): HistoryEvent => ({
    t: 'read',
    r,
    node,
    entries,
    estimate: 0,
    sum: 0,
    weight: 0,
    final,
  });
  return [
    {
      t: 'run',
      seed: 1,
      mode: 'realtime',
      nodes: ['n0', 'n1'],
      params: MAELSTROM_PARAMS,
      rounds: 1000,
      hopLimit: 0,
      values: [],
      scenario: 'no-faults',
      maelstrom: {
        command: 'node x',
        topologyName: 'total',
        topology: { n0: ['n1'], n1: ['n0'] },
        latencyMs: 10,
        durationMs: 1000,
        rate: 10,
        profile: null,
      },
    },
    { t: 'phase', r: 1, phase: 'workload' },
    { t: 'update', r: 100, node: 'n0', key: 'k1', value: 'v1' },
    { t: 'send', r: 115, hop: 0, id: 1, from: 'n0', to: 'n1', kind: 'gossip', keys: ['k1'], bytes: 60 },
    ...(o.deliveredAt !== undefined
      ? [{ t: 'deliver', r: o.deliveredAt, hop: 0, id: 1 } as HistoryEvent]
      : []),
    { t: 'ack', r: 130, node: 'n0', key: 'k1', version: { counter: 1, origin: 'n0' } },
    read('n1', 300, [K1], false),
    { t: 'error', r: 400, op: 'Read', nodes: ['n0'], message: 'Read did not answer within 5000 ms' },
    ...(o.aborted
      ? [
          { t: 'error', r: 500, op: 'Read', nodes: ['n1'], message: o.aborted } as HistoryEvent,
          { t: 'end', r: 500, reason: 'aborted' } as HistoryEvent,
        ]
      : [
          { t: 'phase', r: 1000, phase: 'settle' } as HistoryEvent,
          read('n0', 1100, [K1], true),
          read('n1', 1100, o.n1Final ?? [K1], true),
          ...(o.harness ? [o.harness] : []),
          { t: 'end', r: 1200, reason: 'completed' } as HistoryEvent,
        ]),
  ];
}

describe('Maelstrom measures', () => {
  test('client operations: writes and workload reads, answered or not, and final reads; messages: node sends', () => {
    const m = measure(scenario({ deliveredAt: 125 }));
    // update + workload read + failed workload read + 2 final reads
    expect(m.clientOps).toBe(5);
    expect(m.serverMessages).toBe(1);
    expect(m.msgsPerOp).toBeCloseTo(0.2);
  });

  test('latency: presence at the writer is its update plus the latency; elsewhere the first delivery', () => {
    // n0 at 110, n1 at 180: last presence 180 - ack 130 = 50 ms.
    expect(measure(scenario({ deliveredAt: 180 })).latencies).toEqual([50]);
    // Delivered before the ack reached the harness: 0, as in Maelstrom.
    expect(measure(scenario({ deliveredAt: 125 })).latencies).toEqual([0]);
    // Never delivered: the value cannot be measured.
    expect(measure(scenario()).unmeasured).toEqual(['k1']);
  });
});

describe('Maelstrom convergence and protocol', () => {
  const info = convergenceCase('no-faults', 'Without faults');
  test('every acknowledged value in every final read', () => {
    expect(checkConvergence(info, scenario({ deliveredAt: 125 }), null).verdict).toBe('PASS');
    const v = checkConvergence(info, scenario({ deliveredAt: 125, n1Final: [] }), null);
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details).toEqual(['n1 lacks 1 acknowledged value(s): k1']);
  });

  test('the error that ended a run is the violation; other failed requests are counted timeouts', () => {
    const ok = checkProtocol([scenario({ deliveredAt: 125 })]);
    expect(ok.verdict).toBe('PASS');
    expect(ok.evidence.observed).toBe(
      '1 lines in 1 run(s), all well-formed; 1 client request(s) timed out (allowed, as in Maelstrom)',
    );
    const bad = checkProtocol([
      scenario({ aborted: 'Read failed: failed-precondition: n1 exited with code 3' }),
    ]);
    expect(bad.verdict).toBe('FAIL');
    expect(bad.evidence.details).toEqual([
      '[no-faults @500 ms] Read failed: failed-precondition: n1 exited with code 3',
    ]);
  });
});

/** A harness event: `issued` of 10 planned operations, the way in and out each `inMs` / `outMs` at every rank. */
function harness(issued: number, inMs: number, outMs: number): EventOf<'harness'> {
  const at = (x: number) => ({ count: 40, p50: x, p99: x, p995: x, max: x });
  return {
    t: 'harness',
    r: 1150,
    planned: 10,
    issued,
    toNetwork: at(inMs),
    fromNetwork: at(outMs),
    loopDelay: at(1),
  };
}

describe('Maelstrom budgets: judged only on a completed run with a harness within its share', () => {
  const budget = PROFILES['glomers-3d'].budget;
  const verdicts = (events: HistoryEvent[]) => checkBudgets(events, budget, null).map((v) => v.verdict);

  test('judged: msgs-per-op and latency PASS, or FAIL against a budget they miss', () => {
    expect(verdicts(scenario({ deliveredAt: 180, harness: harness(10, 2, 3) }))).toEqual([
      'PASS',
      'PASS',
      'PASS',
    ]);
    const tight = { ...budget, msgsPerOp: 0.1, medianMs: 40, maxMs: 40 };
    const v = checkBudgets(scenario({ deliveredAt: 180, harness: harness(10, 0.5, 0.5) }), tight, null);
    expect(v.map((x) => x.verdict)).toEqual(['FAIL', 'FAIL', 'FAIL']);
    expect(v[0].evidence.details.join('\n')).toMatch(
      /harness: 10 of 10 planned client operations issued \(100 %\)/,
    );
  });

  test('an aborted scenario: every budget case INCONCLUSIVE, naming what stopped it', () => {
    const why =
      'Read failed: failed-precondition: n1 answered read from c3 with read_ok without a "messages" array';
    const v = checkBudgets(scenario({ deliveredAt: 180, aborted: why }), budget, null);
    expect(v.map((x) => x.verdict)).toEqual(['INCONCLUSIVE', 'INCONCLUSIVE', 'INCONCLUSIVE']);
    for (const x of v)
      expect(x.evidence.observed).toBe(`not judged: the scenario was stopped by [no-faults @500 ms] ${why}`);
    // A node that never started: the same, with the startup failure.
    const s = checkBudgets(scenario(), budget, 'n0 did not answer init');
    expect(s.map((x) => x.evidence.observed)).toEqual(
      Array(3).fill('not judged: the scenario was stopped by n0 did not answer init'),
    );
    expect(s.map((x) => x.verdict)).toEqual(['INCONCLUSIVE', 'INCONCLUSIVE', 'INCONCLUSIVE']);
  });

  test('fewer than 90 % of the planned operations issued: INCONCLUSIVE (9 of 10 is enough)', () => {
    expect(verdicts(scenario({ deliveredAt: 180, harness: harness(9, 2, 3) }))).toEqual([
      'PASS',
      'PASS',
      'PASS',
    ]);
    const v = checkBudgets(scenario({ deliveredAt: 180, harness: harness(8, 2, 3) }), budget, null);
    expect(v.map((x) => x.verdict)).toEqual(['INCONCLUSIVE', 'INCONCLUSIVE', 'INCONCLUSIVE']);
    expect(v[0].evidence.observed).toMatch(
      /^not judged: the harness issued 8 of 10 planned client operations, below 90 %/,
    );
  });

  test('harness p99 added latency per line above 5 % of the median budget: latency INCONCLUSIVE, never PASS or FAIL', () => {
    // 3d: 5 % of 400 ms = 20 ms; in p99.5 + out p99.5.
    expect(verdicts(scenario({ deliveredAt: 180, harness: harness(10, 10, 10) }))).toEqual([
      'PASS',
      'PASS',
      'PASS',
    ]);
    const v = checkBudgets(scenario({ deliveredAt: 180, harness: harness(10, 10, 10.5) }), budget, null);
    // msgs-per-op counts what the node sent: still judged.
    expect(v.map((x) => x.verdict)).toEqual(['PASS', 'INCONCLUSIVE', 'INCONCLUSIVE']);
    expect(v[1].evidence.observed).toBe(
      "not judged: the harness's own added latency per delivered line is up to 20.5 ms at p99, above 5 % of the 400 ms median budget (20 ms)",
    );
    // A node that would FAIL its latency budget is not failed on such a run either.
    const tight = { ...budget, msgsPerOp: 0.1, medianMs: 40, maxMs: 40 };
    expect(
      checkBudgets(scenario({ deliveredAt: 180, harness: harness(10, 30, 30) }), tight, null).map(
        (x) => x.verdict,
      ),
    ).toEqual(['FAIL', 'INCONCLUSIVE', 'INCONCLUSIVE']);
  });

  test('no harness event under a budget: INCONCLUSIVE; without a budget the cases are INFO', () => {
    expect(verdicts(scenario({ deliveredAt: 180 }))).toEqual([
      'INCONCLUSIVE',
      'INCONCLUSIVE',
      'INCONCLUSIVE',
    ]);
    expect(checkBudgets(scenario({ deliveredAt: 180 }), null, null).map((v) => v.verdict)).toEqual([
      'INFO',
      'INFO',
      'INFO',
    ]);
  });
});
