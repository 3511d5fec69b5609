// The membership suite in time form over real realtime runs: the reference
// (`serve-reference`, a real process over gRPC, nodes on their own 100 ms
// timers) through a hand-made schedule, judged by checkRealtimeHistory. The
// reference passes a crash, a restart, a pause and a partition longer than
// the time to declare dead; swim-never-rejoins (no push-pull with members
// held dead, as memberlist) FAILS partition-heal after such a partition;
// swim-never-refutes FAILS refute after a pause. Nothing asserts how fast
// anything happens beyond the bounds the checks derive from the parameters.
import { afterEach, describe, expect, test } from 'vitest';
import {
  deadAfterMs,
  deadNoEarlierThanMs,
  detectBound,
  healBound,
  rejoinBound,
} from '../checks/membership/bounds.js';
import { checkRealtimeHistory, GRACE_MS } from '../checks/realtime.js';
import type { Verdict } from '../checks/verdict.js';
import { type SpawnedEndpoint, spawnEndpoint } from '../engine/backends/process.js';
import { oneProcessBackend } from '../engine/backends/realtime.js';
import type { FaultSchedule } from '../engine/faults/schedule.js';
import type { HistoryEvent } from '../engine/history/events.js';
import { RealtimeRun, type RealtimeSpec } from '../engine/realtime/runner.js';
import { CLI } from '../engine/testing/cli.js';
import { type MembershipParams, minimalParameters } from '../proto/contract.js';

const PERIOD = 100;
// T = 2, k = 2, lambda = 1 (D = 3 at n = 4), S = 12 >= 2D + 2, P = 3.
const membership: MembershipParams = {
  probePeriod: 2,
  indirectProbes: 2,
  suspicionPeriods: 12,
  retransmitMult: 1,
  pushPullPeriods: 3,
};
const nodes = ['n1', 'n2', 'n3', 'n4'];
const HALVES = {
  kind: 'partition' as const,
  shape: 'halves' as const,
  groups: [
    ['n1', 'n2'],
    ['n3', 'n4'],
  ],
};
/** Every member of a half holds the other half dead, whp, after this (q_f: a half). */
const DEAD_AFTER = deadAfterMs(4, membership, PERIOD, 0.5);
/** A partition this long leaves both sides holding each other dead. */
const LONG = DEAD_AFTER + 1500;
const HEAL_LIMIT = healBound(4, membership) * PERIOD + GRACE_MS;
/** A pause of n4 well under the suspicion timeout (S - D - 2 = 7 periods). */
const PAUSE = 800;

const running: SpawnedEndpoint[] = [];
afterEach(async () => {
  for (const e of running.splice(0)) await e.close();
});

async function run(
  fixture: string | null,
  schedule: FaultSchedule,
  durationMs: number,
  settleMs: number,
  periodMs = PERIOD,
) {
  const iut = await spawnEndpoint(
    `"${process.execPath}" "${CLI}" serve-reference --listen {listen}${fixture ? ` --fixture ${fixture}` : ''}`,
    { startupTimeoutMs: 30_000, callTimeoutMs: 2000 },
  );
  running.push(iut);
  const spec: RealtimeSpec = {
    seed: 5,
    nodes,
    peers: Object.fromEntries(nodes.map((n) => [n, nodes.filter((p) => p !== n)])),
    params: minimalParameters('membership-swim', { periodMs, membership }),
    transport: 'harness',
    durationMs,
    settleMs,
    schedule,
    writeEveryMs: 1000,
    readEveryMs: PERIOD,
    keys: 1,
    callTimeoutMs: 2000,
    startupTimeoutMs: 20_000,
    scenario: `test/membership-${fixture ?? 'reference'}`,
  };
  const events: HistoryEvent[] = [];
  const outcome = await new RealtimeRun(spec, oneProcessBackend(iut), (e) => events.push(e)).run();
  expect(outcome.completed, outcome.reason).toBe(true);
  return new Map(checkRealtimeHistory(events).map((v): [string, Verdict] => [v.id, v]));
}

const shown = (v: Verdict | undefined) =>
  v
    ? `${v.verdict}: ${v.evidence.expected} | ${v.evidence.observed} | ${v.evidence.details.join(' / ')}`
    : 'none';

describe('membership-swim in realtime, judged in time form', () => {
  test('the bounds of this run: a long partition outlasts the time to declare dead', () => {
    expect(deadNoEarlierThanMs(membership, PERIOD)).toBe(2400);
    expect(DEAD_AFTER).toBe(detectBound(4, 0.5, membership) * PERIOD);
    expect(LONG).toBeGreaterThan(DEAD_AFTER);
  });

  test('the reference: a pause, a crash detected then restarted, a long partition: no case fails', {
    timeout: 120_000,
  }, async () => {
    const crashAt = 2000;
    const detect = detectBound(4, 3 / 4, membership) * PERIOD + GRACE_MS;
    const restartAt = crashAt + detect + 300;
    // After the rejoin's bound: a partition inside it would leave the rejoin unjudged.
    const cutAt = restartAt + rejoinBound(4, membership) * PERIOD + GRACE_MS + 300;
    const verdicts = await run(
      null,
      [
        { type: 'pause', from: 300, until: 300 + PAUSE, node: 'n4' },
        { type: 'crash', at: crashAt, node: 'n3' },
        { type: 'restart', at: restartAt, node: 'n3', durable: false },
        { type: 'link', from: cutAt, until: cutAt + LONG, fault: HALVES },
      ],
      cutAt + LONG + 200,
      HEAL_LIMIT + 5000,
    );
    for (const [id, v] of verdicts) expect(v.verdict, `${id}: ${shown(v)}`).not.toBe('FAIL');
    for (const id of [
      'run/completed',
      'membership/detect-crash',
      'membership/accuracy',
      'membership/partition-heal',
      'membership/rejoin',
      'membership/probe-traffic',
    ]) {
      expect(verdicts.get(id)?.verdict, `${id}: ${shown(verdicts.get(id))}`).toBe('PASS');
    }
    // The measured detection times, for docs/chaos.md.
    console.log(`detect-crash: ${shown(verdicts.get('membership/detect-crash'))}`);
    console.log(`partition-heal: ${shown(verdicts.get('membership/partition-heal'))}`);
    console.log(`refute: ${shown(verdicts.get('membership/refute'))}`);
  });

  test('the reference under 5% loss: suspicions within what failed probes allow, no false death', {
    timeout: 120_000,
  }, async () => {
    const loss = { kind: 'loss' as const, probability: 0.05 };
    const verdicts = await run(
      null,
      [{ type: 'link', from: 200, until: 16_200, fault: loss }],
      16_400,
      2 * HEAL_LIMIT,
      // 200 ms: an indirect probe's four hops through the harness fit in a tick on a loaded machine.
      200,
    );
    for (const id of ['membership/accuracy', 'membership/suspicion-rate', 'membership/probe-traffic'])
      expect(verdicts.get(id)?.verdict, `${id}: ${shown(verdicts.get(id))}`).toBe('PASS');
    console.log(`suspicion-rate: ${shown(verdicts.get('membership/suspicion-rate'))}`);
    console.log(`false-positive-rate: ${shown(verdicts.get('membership/false-positive-rate'))}`);
  });

  test('swim-never-rejoins: after a partition longer than the dead timeout the halves never merge: partition-heal FAILS', {
    timeout: 120_000,
  }, async () => {
    const verdicts = await run(
      'swim-never-rejoins',
      [{ type: 'link', from: 500, until: 500 + LONG, fault: HALVES }],
      500 + LONG + 200,
      HEAL_LIMIT + 2000,
    );
    const heal = verdicts.get('membership/partition-heal');
    expect(heal?.verdict, shown(heal)).toBe('FAIL');
    expect(heal?.evidence.observed).toBe('never one all-alive view');
    // Deaths during the partition are detections, not accuracy's false deaths.
    expect(verdicts.get('membership/accuracy')?.verdict).not.toBe('FAIL');
  });

  test('swim-never-rejoins: a partition shorter than the earliest death still heals', {
    timeout: 120_000,
  }, async () => {
    const short = deadNoEarlierThanMs(membership, PERIOD) - 1200;
    const verdicts = await run(
      'swim-never-rejoins',
      [{ type: 'link', from: 500, until: 500 + short, fault: HALVES }],
      500 + short + 200,
      HEAL_LIMIT + 2000,
    );
    const heal = verdicts.get('membership/partition-heal');
    expect(heal?.verdict, shown(heal)).toBe('PASS');
  });

  test('swim-never-refutes: a paused member suspected never refutes: refute FAILS', {
    timeout: 120_000,
  }, async () => {
    const verdicts = await run(
      'swim-never-refutes',
      [{ type: 'pause', from: 300, until: 300 + PAUSE, node: 'n4' }],
      1500,
      // Past the suspicion timeout and refute's T·(2D + 2) ticks + grace before the end.
      deadNoEarlierThanMs(membership, PERIOD) + 16 * PERIOD + GRACE_MS + 2000,
    );
    const refute = verdicts.get('membership/refute');
    expect(refute?.verdict, shown(refute)).toBe('FAIL');
    // Who is suspected depends on which probes the pause catches: n4 itself when its probers'
    // pings go unanswered, or n1..n3, whom n4's timers (running while its traffic was held)
    // held suspect. Whoever it is never refutes and ends suspect or dead.
    expect(
      refute?.evidence.details.some((d) =>
        /^n\d suspected at incarnation 0, not refuted at .*\((suspect|dead)@0\)/.test(d),
      ),
      shown(refute),
    ).toBe(true);
  });

  test('swim-ignores-refutation: the suspect refutes, nobody listens, it dies: accuracy FAILS', {
    timeout: 120_000,
  }, async () => {
    const verdicts = await run(
      'swim-ignores-refutation',
      [{ type: 'pause', from: 300, until: 300 + PAUSE, node: 'n4' }],
      1500,
      deadNoEarlierThanMs(membership, PERIOD) + 16 * PERIOD + GRACE_MS + 2000,
    );
    const accuracy = verdicts.get('membership/accuracy');
    expect(accuracy?.verdict, shown(accuracy)).toBe('FAIL');
    // Not refute: once dead it is push-pulled with and its higher incarnation taken, so it ends refuted.
    const refute = verdicts.get('membership/refute');
    expect(refute?.verdict, shown(refute)).toBe('PASS');
  });
});
