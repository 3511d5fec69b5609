// The membership suite in time form on hand-built realtime histories (r in
// ms): for each case a history that passes, one that fails, and one without
// its trigger (not judged). Parameters: T = 2, k = 1, S = 1, lambda = 1,
// P = 1, n = 3, period 10 ms, grace 0: D = ceil(log2 4) = 2, so join and leave
// allow T·(D + 3) = 10 ticks = 100 ms, detect-crash T·(F + 2 + S + D) =
// 18 ticks (F = min(ceil(ln(1e6)/q_f), 2(n - 1)) = 4), rejoin T·(2D + 3) =
// 14 ticks, partition-heal T·(2P + 3D + 4) = 24 ticks, refute T·(2D + 2) = 12.
import { describe, expect, test } from 'vitest';
import type { LinkFault } from '../engine/faults/schedule.js';
import type { HistoryEvent, ReadMember } from '../engine/history/events.js';
import type { MemberStatus, Parameters } from '../proto/contract.js';
import {
  deadAfterMs,
  deadNoEarlierThanMs,
  detectBound,
  healBound,
  rejoinBound,
  spreadBound,
} from './membership/bounds.js';
import { checkRealtimeHistory, realtimeCases } from './realtime.js';
import { checkMembershipRealtime, checkViewsHealRealtime } from './realtime-membership.js';
import { ALL_CAPABILITIES } from './testing/builder.js';

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
/** Every node alive at incarnation 0, but `m` held `s` at `inc`. */
const view = (m: string, s: MemberStatus, inc = 0): ReadMember[] =>
  nodes.map((x): ReadMember => (x === m ? [x, s, inc] : [x, 'alive', 0]));

const read = (r: number, node: string, members: ReadMember[]): HistoryEvent => ({
  t: 'read',
  r,
  node,
  entries: [],
  estimate: 0,
  sum: 0,
  weight: 0,
  final: false,
  members,
});
const fault = (r: number, action: 'start' | 'stop', f: LinkFault): HistoryEvent => ({
  t: 'fault',
  r,
  action,
  fault: f,
  edges: [],
});
const LOSS: LinkFault = { kind: 'loss', probability: 0.01 };
const HALVES: LinkFault = { kind: 'partition', shape: 'halves', groups: [['n1'], ['n2', 'n3']] };
const send = (r: number, id: number, from: string, to: string, kind: string, bytes = 50): HistoryEvent => ({
  t: 'send',
  r,
  hop: 0,
  id,
  from,
  to,
  kind,
  keys: [],
  bytes,
});

/** A completed realtime membership run of `body`, ending at `end` ms. */
function history(body: HistoryEvent[], end: number): HistoryEvent[] {
  return [
    { t: 'run', seed: 1, mode: 'realtime', nodes, params, rounds: end, hopLimit: 0, values: [] },
    {
      t: 'init',
      implementation: 'test',
      version: '0',
      capabilities: { ...ALL_CAPABILITIES, lockstep: false, realtime: true, membership: true },
    },
    ...[...body].sort((a, b) => ('r' in a ? a.r : 0) - ('r' in b ? b.r : 0)),
    { t: 'end', r: end, reason: 'completed' },
  ];
}
const all = (r: number, members: ReadMember[]) => nodes.map((n) => read(r, n, members));
const judge = (events: HistoryEvent[], id: string) => {
  const v = checkMembershipRealtime(events, 0).find((x) => x.id === id);
  if (!v) throw new Error(`no verdict for ${id}`);
  return v;
};

describe('the realtime membership cases', () => {
  test('checkRealtimeHistory judges membership-swim by run/completed and the suite in lockstep order', () => {
    const ids = checkRealtimeHistory(history(all(50, alive), 400)).map((v) => v.id);
    expect(ids).toEqual([
      'run/completed',
      'membership/join',
      'membership/leave',
      'membership/detect-crash',
      'membership/accuracy',
      'membership/false-positive-rate',
      'membership/suspicion-rate',
      'membership/refute',
      'membership/partition-heal',
      'membership/rejoin',
      'membership/probe-traffic',
    ]);
    expect(realtimeCases('membership-swim').map((c) => c.id)).toEqual(ids.slice(1));
  });

  test('without their triggers the cases are not judged, and say what is missing', () => {
    const verdicts = checkMembershipRealtime(history(all(50, alive), 400), 0);
    for (const v of verdicts.filter((x) => x.id !== 'membership/partition-heal')) {
      expect(v.judged, v.id).toBe(0);
      expect(v.verdict, v.id).toBe(v.level === 'INFO' ? 'INFO' : 'INCONCLUSIVE');
      expect(v.evidence.observed, v.id).toMatch(/not judged/);
    }
  });
});

describe('join, leave, detect-crash, rejoin: the lockstep bounds in ticks of period_ms', () => {
  const spread = spreadBound(3, membership) * 10;
  const joined = (at: number) =>
    history(
      [{ t: 'join', r: 100, node: 'n3' }, read(100 + at, 'n1', alive), read(100 + at, 'n2', alive)],
      500,
    );
  test('join: listed alive within T·(D + 3) ticks passes, later fails', () => {
    expect(spread).toBe(100);
    expect(judge(joined(50), 'membership/join').verdict).toBe('PASS');
    const late = judge(joined(spread + 10), 'membership/join');
    expect(late.verdict).toBe('FAIL');
    expect(late.evidence.details[0]).toBe('n1 did not list n3 (joined at 100 ms) alive by 200 ms');
  });

  test('join: a run that ends inside the bound is judged only if every member already lists the joiner', () => {
    const short = (members: ReadMember[]) =>
      history([{ t: 'join', r: 100, node: 'n3' }, read(150, 'n1', alive), read(150, 'n2', members)], 160);
    // Ended at 160 ms, 40 ms before the bound: both members hold n3 alive by then, a pass.
    const met = judge(short(alive), 'membership/join');
    expect(met.verdict).toBe('PASS');
    expect(met.judged).toBe(2);
    // n2 does not list n3 yet: it still had 40 ms, so nothing is judged (never a FAIL).
    const open = judge(short([alive[0], alive[1]]), 'membership/join');
    expect(open.verdict).toBe('INCONCLUSIVE');
  });

  test('join: a partition inside the bound leaves the join unjudged (the fault decides when news gets through)', () => {
    const cut = history(
      [{ t: 'join', r: 100, node: 'n3' }, fault(120, 'start', HALVES), fault(160, 'stop', HALVES)],
      500,
    );
    expect(judge(cut, 'membership/join').verdict).toBe('INCONCLUSIVE');
  });

  const left = (s: MemberStatus) =>
    history([{ t: 'leave', r: 100, node: 'n3' }, ...all(150, view('n3', s)).slice(0, 2)], 500);
  test('leave: listed left passes; listed dead fails', () => {
    expect(judge(left('left'), 'membership/leave').verdict).toBe('PASS');
    expect(judge(left('dead'), 'membership/leave').verdict).toBe('FAIL');
  });

  const detect = detectBound(3, 2 / 3, membership) * 10;
  const crashed = (at: number) =>
    history(
      [{ t: 'crash', r: 100, node: 'n3' }, read(100 + at, 'n1', n3Dead), read(100 + at, 'n2', n3Dead)],
      600,
    );
  test('detect-crash: dead everywhere within T·(F + 2 + S + D) ticks passes, later fails', () => {
    expect(detect).toBe(180);
    const ok = judge(crashed(120), 'membership/detect-crash');
    expect(ok.verdict).toBe('PASS');
    expect(ok.evidence.details[0]).toMatch(/dead everywhere after 120 ms \(bound 180 ms/);
    expect(judge(crashed(detect + 10), 'membership/detect-crash').verdict).toBe('FAIL');
  });

  test('detect-crash: a restart before the bound leaves the crash unjudged', () => {
    const events = history(
      [
        { t: 'crash', r: 100, node: 'n3' },
        { t: 'restart', r: 150, node: 'n3', durable: false },
      ],
      600,
    );
    expect(judge(events, 'membership/detect-crash').verdict).toBe('INCONCLUSIVE');
  });

  const rejoined = (end: ReadMember[]) =>
    history(
      [
        { t: 'crash', r: 100, node: 'n3' },
        ...all(200, n3Dead).slice(0, 2),
        { t: 'restart', r: 300, node: 'n3', durable: false },
        ...all(350, end).slice(0, 2),
      ],
      300 + rejoinBound(3, membership) * 10 + 100,
    );
  test('rejoin: alive at a higher incarnation after the restart passes; still dead fails', () => {
    expect(judge(rejoined(view('n3', 'alive', 1)), 'membership/rejoin').verdict).toBe('PASS');
    expect(judge(rejoined(n3Dead), 'membership/rejoin').verdict).toBe('FAIL');
  });

  test('rejoin: a death during a later partition is a detection, not a stale death; without one it fails', () => {
    const later = (withCut: boolean) =>
      history(
        [
          { t: 'restart', r: 300, node: 'n3', durable: false },
          ...all(350, view('n3', 'alive', 1)).slice(0, 2),
          ...(withCut ? [fault(600, 'start', HALVES), fault(900, 'stop', HALVES)] : []),
          ...all(700, view('n3', 'dead', 1)).slice(0, 2),
          ...all(950, view('n3', 'alive', 2)).slice(0, 2),
        ],
        1200,
      );
    expect(judge(later(true), 'membership/rejoin').verdict).toBe('PASS');
    expect(judge(later(false), 'membership/rejoin').verdict).toBe('FAIL');
  });
});

describe('accuracy, false-positive-rate, suspicion-rate, refute: under loss', () => {
  const lossy = (body: HistoryEvent[]) =>
    history([fault(0, 'start', LOSS), fault(900, 'stop', LOSS), ...body], 1000);
  test('accuracy: a suspicion refuted passes; a live member listed dead fails', () => {
    const ok = lossy([read(100, 'n1', view('n2', 'suspect')), read(150, 'n1', view('n2', 'alive', 1))]);
    expect(judge(ok, 'membership/accuracy').verdict).toBe('PASS');
    const bad = judge(lossy([read(100, 'n1', view('n2', 'dead'))]), 'membership/accuracy');
    expect(bad.verdict).toBe('FAIL');
    expect(bad.evidence.details[0]).toBe('n1 listed n2 (never crashed nor left) dead at 100 ms');
  });

  test('accuracy: a death while a partition holds traffic is a detection, not a false death', () => {
    const cut = lossy([
      fault(200, 'start', HALVES),
      fault(400, 'stop', HALVES),
      read(300, 'n1', view('n2', 'dead')),
      read(450, 'n1', view('n2', 'alive', 1)),
    ]);
    expect(judge(cut, 'membership/accuracy').verdict).toBe('PASS');
    // The same death long after the partition's window is a false one.
    const later = lossy([
      fault(200, 'start', HALVES),
      fault(400, 'stop', HALVES),
      read(800, 'n1', view('n2', 'dead')),
    ]);
    expect(judge(later, 'membership/accuracy').verdict).toBe('FAIL');
  });

  test('accuracy: a death under loss above 10 % is outside its premise; at 10 % it is a false death', () => {
    const heavy: LinkFault = { kind: 'loss', probability: 0.57 };
    const under = (f: LinkFault) =>
      history([fault(0, 'start', f), fault(900, 'stop', f), read(100, 'n1', view('n2', 'dead'))], 1000);
    const v = judge(under(heavy), 'membership/accuracy');
    expect(v.verdict, v.evidence.details.join('\n')).not.toBe('FAIL');
    expect(v.evidence.details.at(-1)).toMatch(/^not judged while traffic was held on purpose/);
    expect(judge(under({ kind: 'loss', probability: 0.1 }), 'membership/accuracy').verdict).toBe('FAIL');
  });

  test('false-positive-rate (INFO): counts pairs with a suspicion under loss', () => {
    const v = judge(lossy([read(100, 'n1', view('n2', 'suspect'))]), 'membership/false-positive-rate');
    expect(v.verdict).toBe('INFO');
    expect(v.evidence.observed).toBe('1 of 6 pairs saw a false suspicion');
  });

  // Ten pings to n2 at 1% loss, k = 1: q = (1-0.99^2)(1-0.99^4) = 7.8e-4, the 1e-6 tail allows 2 episodes.
  const pings = Array.from({ length: 10 }, (_, i) => send(50 + i * 20, i + 1, 'n1', 'n2', 'ping'));
  const episodes = (incs: number[], extra: HistoryEvent[] = []) =>
    lossy([...pings, ...incs.map((i) => read(100 + i * 50, 'n1', view('n2', 'suspect', i))), ...extra]);
  test('suspicion-rate: within the binomial tail passes, beyond it fails', () => {
    const ok = judge(episodes([0]), 'membership/suspicion-rate');
    expect(ok.verdict).toBe('PASS');
    expect(ok.evidence.expected).toMatch(/^<= 2 suspicion episodes: 1e-6 tail of Binomial\(10 pings/);
    expect(judge(episodes([0, 1, 2]), 'membership/suspicion-rate').verdict).toBe('FAIL');
  });

  test('suspicion-rate: suspicions while a partition holds traffic are not chance', () => {
    const cut = episodes([0, 1, 2], [fault(90, 'start', HALVES), fault(160, 'stop', HALVES)]);
    // Window 90..160 + 2T ticks (40 ms): episodes first seen at 100, 150 and 200 are all the partition's.
    expect(judge(cut, 'membership/suspicion-rate').verdict).toBe('PASS');
  });

  const refuted = (last: ReadMember[], at = 150, n2 = view('n3', 'alive', 1)) =>
    history(
      [
        { t: 'pause', r: 100, node: 'n3', action: 'start' },
        { t: 'pause', r: 140, node: 'n3', action: 'stop' },
        read(at, 'n1', view('n3', 'suspect')),
        read(at + 20, 'n1', last),
        read(at + 20, 'n2', n2),
      ],
      500,
    );
  test('refute: alive at a higher incarnation by the end passes; still suspect fails', () => {
    expect(judge(refuted(view('n3', 'alive', 1)), 'membership/refute').verdict).toBe('PASS');
    const bad = judge(refuted(view('n3', 'suspect')), 'membership/refute');
    expect(bad.verdict).toBe('FAIL');
    expect(bad.evidence.details[0]).toBe('n3 suspected at incarnation 0, not refuted at n1 (suspect@0)');
  });

  test('refute: a suspicion seen less than T·(2D + 2) ticks before the end and not refuted is not judged', () => {
    // 120 ms before the end (500): a suspicion at 420 ms had no time to be refuted.
    const late = refuted(view('n3', 'suspect'), 420, view('n3', 'suspect'));
    expect(judge(late, 'membership/refute').verdict).toBe('INCONCLUSIVE');
    // A late suspicion already refuted by the end is judged (it passed).
    expect(judge(refuted(view('n3', 'alive', 1), 420), 'membership/refute').verdict).toBe('PASS');
  });

  test('suspicion-rate and false-positive-rate need loss; accuracy a loss or a pause', () => {
    const quiet = refuted(view('n3', 'alive', 1));
    expect(judge(quiet, 'membership/suspicion-rate').verdict).toBe('INCONCLUSIVE');
    expect(judge(quiet, 'membership/accuracy').verdict).toBe('PASS');
  });
});

describe('probe-traffic: pings per window of 4 protocol periods', () => {
  // A protocol period is T·period = 20 ms; a window 80 ms: at most 5 pings, 5 ping-reqs.
  const every = (ms: number, until: number, from = 'n1') =>
    Array.from({ length: Math.floor(until / ms) }, (_, i) => send(i * ms, 1000 + i, from, 'n2', 'ping'));
  test('one ping a period passes; two a period fail', () => {
    expect(judge(history(every(20, 400), 500), 'membership/probe-traffic').verdict).toBe('PASS');
    const v = judge(history(every(10, 400), 500), 'membership/probe-traffic');
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details[0]).toMatch(/^n1 from 0 ms, window 0: 8 pings initiated/);
  });

  test('pings relayed for a ping-req delivered to the member are not its own', () => {
    const relays = [0, 10, 20, 30, 40, 50, 60, 70].flatMap((r, i): HistoryEvent[] => [
      send(r, 1 + i, 'n3', 'n1', 'ping-req'),
      { t: 'deliver', r: r + 1, hop: 0, id: 1 + i },
    ]);
    const ok = judge(
      history(
        [...every(20, 400), ...relays, ...every(10, 80, 'n1').map((e, i) => ({ ...e, id: 50 + i }))],
        500,
      ),
      'membership/probe-traffic',
    );
    // n1: 4 own pings + 8 relayed in window 0; n3: 8 ping-reqs in 80 ms, over k·5 = 5.
    expect(ok.evidence.details.some((d) => d.startsWith('n1'))).toBe(false);
    expect(ok.evidence.details[0]).toMatch(/^n3 from 0 ms, window 0: 0 pings initiated .* 8 ping-reqs/);
  });

  test('a probe message over 2 KiB fails', () => {
    const v = judge(history([send(10, 1, 'n1', 'n2', 'ack', 4096)], 500), 'membership/probe-traffic');
    expect(v.verdict).toBe('FAIL');
  });
});

describe('deadAfterMs and deadNoEarlierThanMs: when a cut-off member is held dead', () => {
  test('from the declared parameters: detectBound and T·S ticks of period_ms', () => {
    expect(deadAfterMs(3, membership, 10, 2 / 3)).toBe(detectBound(3, 2 / 3, membership) * 10);
    expect(deadNoEarlierThanMs(membership, 10)).toBe(20);
    // A smaller side detects later (or as late): F grows as q_f shrinks.
    expect(deadAfterMs(10, membership, 10, 0.2)).toBeGreaterThanOrEqual(deadAfterMs(10, membership, 10, 0.5));
  });
});

describe('membership/partition-heal, realtime form', () => {
  function healed(reads: HistoryEvent[], end: number): HistoryEvent[] {
    return history([fault(0, 'start', HALVES), fault(100, 'stop', HALVES), ...reads], end);
  }
  test('one all-alive view soon after the heal passes', () => {
    const v = checkViewsHealRealtime(healed([...all(50, n3Dead), ...all(120, alive)], 100 + LIMIT + 50), 0);
    expect(v.verdict, v.evidence.observed).toBe('PASS');
    expect(v.judged).toBe(3);
  });

  test('one view, but reached after the bound, fails', () => {
    const late = 100 + LIMIT + 10;
    const v = checkViewsHealRealtime(healed([...all(50, n3Dead), ...all(late, alive)], late + 50), 0);
    expect(v.verdict).toBe('FAIL');
  });

  test('a view that holds a live member dead to the end fails once the bound has passed', () => {
    const v = checkViewsHealRealtime(healed(all(120, n3Dead), 100 + LIMIT + 50), 0);
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.observed).toBe('never one all-alive view');
  });

  test('two sides that hold each other dead after a long partition (no re-merge) fail', () => {
    const side1: ReadMember[] = [
      ['n1', 'alive', 0],
      ['n2', 'dead', 0],
      ['n3', 'dead', 0],
    ];
    const side2: ReadMember[] = [
      ['n1', 'dead', 0],
      ['n2', 'alive', 0],
      ['n3', 'alive', 0],
    ];
    const reads = [read(90, 'n1', side1), read(90, 'n2', side2), read(90, 'n3', side2)];
    const v = judge(healed(reads, 100 + LIMIT + 50), 'membership/partition-heal');
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details).toContain('n1: n1:alive@0 n2:dead@0 n3:dead@0');
  });

  test('a run that ends before the bound without one view judges nothing', () => {
    const v = checkViewsHealRealtime(healed(all(120, n3Dead), 150), 0);
    expect(v.verdict).toBe('INCONCLUSIVE');
  });
});
