// The per-period bounds over hand-made realtime histories (r in ms, period
// 100 ms, windows of WINDOW_PERIODS periods): each MUST passes a history
// within its bound and fails one over it; the INFO measurements count what
// they say they count.
import { describe, expect, test } from 'vitest';
import type { HistoryEvent, MaelstromSettings } from '../engine/history/events.js';
import type { Parameters } from '../proto/contract.js';
import { checkRealtimeHistory } from './realtime.js';
import { WINDOW_PERIODS, windowFirings } from './realtime-window.js';
import { entry, HistoryBuilder } from './testing/builder.js';

const nodes = ['n0', 'n1', 'n2'];
const PERIOD = 100;

function builder(params: Partial<Parameters> = {}): HistoryBuilder {
  return new HistoryBuilder({
    nodes,
    realtime: true,
    rounds: 3000,
    params: { variant: 'anti-entropy-push-pull', fanout: 1, periodMs: PERIOD, ...params },
  });
}

/** Every node, every period from 0 to `until` ms, sends `perPeriod` envelopes of `kind` to distinct peers (delivered). */
function gossip(
  b: HistoryBuilder,
  until: number,
  kind: string,
  perPeriod: number,
  keys: string[] = [],
  offset = 7,
) {
  for (let t = 0; t < until; t += PERIOD) {
    b.at(t + offset);
    for (const [i, n] of nodes.entries())
      for (let j = 1; j <= perPeriod; j++) b.send(n, nodes[(i + j) % nodes.length], kind, keys);
  }
  return b;
}

const verdict = (events: HistoryEvent[], id: string) => checkRealtimeHistory(events).find((v) => v.id === id);

describe('bounds/fanout per window of periods', () => {
  test('one digest per node per period (fanout 1) passes; two (fanout + 1) fail', () => {
    const ok = verdict(gossip(builder(), 2400, 'digest', 1).finish(), 'bounds/fanout');
    expect(ok?.verdict, ok?.evidence.observed).toBe('PASS');
    expect(ok?.evidence.observed).toMatch(/^max 8 exchanges in a window \(1\.00 per period\)/);
    const over = verdict(gossip(builder(), 2400, 'digest', 2).finish(), 'bounds/fanout');
    expect(over?.verdict).toBe('FAIL');
    expect(over?.evidence.expected).toBe(
      `<= ${windowFirings()}·1 = ${windowFirings()} exchanges opened per node per ${WINDOW_PERIODS} periods (800 ms)`,
    );
    expect(over?.evidence.details[0]).toBe('n0 0-800 ms: 16 exchanges opened');
  });

  test('a digest split into envelopes of one batch is one exchange; replies are not exchanges', () => {
    const b = builder();
    for (let t = 0; t < 2400; t += PERIOD) {
      b.at(t + 7);
      for (const [i, n] of nodes.entries()) {
        const to = nodes[(i + 1) % 3];
        b.send(n, to, 'digest');
        b.send(n, to, 'digest');
        b.send(to, n, 'entries-want', ['k1']);
      }
    }
    expect(verdict(b.finish(), 'bounds/fanout')?.verdict).toBe('PASS');
  });

  test('a window in which the node restarted is not judged (two timers may share it)', () => {
    const b = gossip(builder(), 2400, 'digest', 1);
    for (let j = 0; j < 20; j++) b.at(850 + j).send('n0', 'n1', 'digest');
    expect(verdict([...b.events, { t: 'end', r: 3000, reason: 'completed' }], 'bounds/fanout')?.verdict).toBe(
      'FAIL',
    );
    b.crash('n0').restart('n0', true);
    expect(verdict(b.finish(), 'bounds/fanout')?.verdict).toBe('PASS');
  });

  test('exchanges that never open with the opening kind (whole stores as entries) cannot be counted: UNSUPPORTED, saying why', () => {
    const v = verdict(gossip(builder(), 2400, 'entries', 3, ['k1']).finish(), 'bounds/fanout');
    expect(v?.verdict).toBe('UNSUPPORTED');
    expect(v?.evidence.observed).toMatch(/no envelope of kind digest opens an exchange/);
  });

  test('a run that declares no period is not judged', () => {
    const v = verdict(gossip(builder({ periodMs: 0 }), 800, 'digest', 1).finish(), 'bounds/fanout');
    expect(v?.verdict).toBe('INCONCLUSIVE');
    expect(v?.evidence.observed).toMatch(/declares no gossip period/);
  });

  test('hybrid opens with rumor or digest: fanout + 1 per period', () => {
    const b = builder({ variant: 'hybrid', fanout: 1 });
    // The anti-entropy exchange on a timer of its own (another batch) counts as the + 1.
    gossip(b, 2400, 'rumor', 1, ['k1']);
    gossip(b, 2400, 'digest', 1, [], 57);
    expect(verdict(b.finish(), 'bounds/fanout')?.verdict).toBe('PASS');
    const c = builder({ variant: 'hybrid', fanout: 1 });
    gossip(c, 2400, 'rumor', 2, ['k1']);
    gossip(c, 2400, 'digest', 1, [], 57);
    expect(verdict(c.finish(), 'bounds/fanout')?.verdict).toBe('FAIL');
  });
});

describe('bounds/direct-mail over the run', () => {
  test('n-1 mails per write pass; a mail more fails', () => {
    const b = builder({ variant: 'direct-mail' })
      .at(100)
      .update('n0', 'k1', 'a', { counter: 1, origin: 'n0' });
    b.at(105);
    b.send('n0', 'n1', 'mail', ['k1']);
    b.send('n0', 'n2', 'mail', ['k1']);
    expect(
      verdict([...b.events, { t: 'end', r: 900, reason: 'completed' }], 'bounds/direct-mail')?.verdict,
    ).toBe('PASS');
    b.at(700);
    b.send('n0', 'n1', 'mail', ['k1']);
    const over = verdict(b.finish(), 'bounds/direct-mail');
    expect(over?.verdict).toBe('FAIL');
    expect(over?.evidence.details).toEqual(['key k1: 3 envelopes carrying it for 1 write(s), allowed 2']);
  });
});

describe('the control kind', () => {
  test('control is in every vocabulary, value-free: with keys it breaks contract/envelope-kind', () => {
    const ok = verdict(gossip(builder(), 800, 'control', 1).finish(), 'contract/envelope-kind');
    expect(ok?.verdict).toBe('PASS');
    const keyed = verdict(gossip(builder(), 800, 'control', 1, ['k1']).finish(), 'contract/envelope-kind');
    expect(keyed?.verdict).toBe('FAIL');
    expect(keyed?.evidence.details[0]).toMatch(/kind control carries no values but lists keys k1/);
    const unknown = verdict(gossip(builder(), 800, 'graft', 1).finish(), 'contract/envelope-kind');
    expect(unknown?.verdict).toBe('FAIL');
  });

  test('bounds/control-traffic: a probe per peer per period and answers pass; a flood fails; no control, UNSUPPORTED', () => {
    // Each node probes both others every period; each probe is answered (delivered, so counted as handed).
    const b = gossip(builder(), 2400, 'control', 2);
    gossip(b, 2400, 'control', 2);
    expect(verdict(b.finish(), 'bounds/control-traffic')?.verdict).toBe('PASS');
    const flood = builder();
    flood.at(300);
    for (let j = 0; j < windowFirings() * (nodes.length - 1) + 1; j++)
      flood.send('n0', 'n1', 'control', [], { deliver: false });
    const v = verdict(flood.finish(), 'bounds/control-traffic');
    expect(v?.verdict).toBe('FAIL');
    expect(v?.evidence.details[0]).toBe(
      `n0 0-800 ms: ${windowFirings() * 2 + 1} control envelopes, allowed ${windowFirings() * 2} + 2·0 = ${windowFirings() * 2}`,
    );
    const none = verdict(gossip(builder(), 800, 'digest', 1).finish(), 'bounds/control-traffic');
    expect(none?.verdict).toBe('UNSUPPORTED');
    expect(none?.evidence.observed).toBe('the IUT sent no control envelope: nothing of the kind to bound');
  });

  test('control envelopes are not exchanges: bounds/fanout does not count them', () => {
    const b = gossip(builder(), 2400, 'digest', 1);
    gossip(b, 2400, 'control', 2);
    expect(verdict(b.finish(), 'bounds/fanout')?.verdict).toBe('PASS');
  });
});

describe('measured per period (INFO)', () => {
  test('bounds/messages-per-period: envelopes and bytes per node per period', () => {
    const b = builder();
    gossip(b, 1000, 'digest', 1);
    b.at(1000);
    const v = verdict(b.finish(), 'bounds/messages-per-period');
    expect(v?.verdict).toBe('INFO');
    // 10 periods x 3 nodes, one 10-byte envelope each.
    expect(v?.evidence.observed).toBe(
      '1.00 envelopes and 10.00 bytes per node per period on average; max 1 envelopes, 10 bytes from one node in one period',
    );
    expect(v?.evidence.details).toEqual(['digest: 1.00 envelopes, 10.00 bytes per node per period']);
  });

  test('bounds/redundant-deliveries: a value sent to a node that held it is counted, a new one is not', () => {
    const held = [entry('k1', 'a', 1, 'n0')];
    const b = builder().at(100).update('n0', 'k1', 'a', { counter: 1, origin: 'n0' }).read('n0', held);
    b.at(150);
    b.send('n0', 'n1', 'entries', ['k1']);
    b.at(160).read('n1', held);
    b.at(300);
    b.send('n0', 'n1', 'entries', ['k1']);
    b.at(400).readAll(nodes, held);
    const v = verdict(b.finish(), 'bounds/redundant-deliveries');
    expect(v?.verdict).toBe('INFO');
    expect(v?.evidence.observed).toMatch(/^1 of 2 delivered values \(50\.0%\) already held/);
  });
});

describe('registered in checkRealtimeHistory', () => {
  const ids = (variant: Parameters['variant'], extra: (b: HistoryBuilder) => void = () => {}) => {
    const b = builder({ variant });
    extra(b);
    return checkRealtimeHistory(b.finish()).map((v) => v.id);
  };
  const C = 'bounds/control-traffic';
  test.each([
    [
      'anti-entropy-push-pull',
      ['bounds/fanout', C, 'bounds/messages-per-period', 'bounds/redundant-deliveries'],
    ],
    ['direct-mail', ['bounds/direct-mail', C, 'bounds/messages-per-period', 'bounds/redundant-deliveries']],
    [
      'rumor-pull',
      [
        C,
        'bounds/messages-per-period',
        'bounds/redundant-deliveries',
        'sir/quiescence',
        'sir/terminal-status',
        'sir/residue',
      ],
    ],
  ] as const)('%s', (variant, expected) => {
    const got = ids(variant).filter((id) => id.startsWith('bounds/') || id.startsWith('sir/'));
    expect(got).toEqual(expected);
  });

  test('a direct-transport run (no envelope passes the harness) gives those that count envelopes UNSUPPORTED, saying why', () => {
    const b = builder({ variant: 'rumor-push' })
      .at(100)
      .update('n0', 'k1', 'a', { counter: 1, origin: 'n0' });
    b.events.push({ t: 'counters', r: 200, passed: [], dropped: [] });
    const got = checkRealtimeHistory(b.at(9000).finish());
    for (const id of ['bounds/fanout', 'bounds/messages-per-period', 'sir/quiescence']) {
      const v = got.find((x) => x.id === id);
      expect(v?.verdict, id).toBe('UNSUPPORTED');
      expect(v?.evidence.observed, id).toMatch(/direct transport/);
    }
  });

  test('a Maelstrom history is judged by none of them', () => {
    const b = gossip(builder(), 800, 'digest', 1);
    const events = b
      .finish()
      .map((e) =>
        e.t === 'run' ? { ...e, maelstrom: { command: 'x' } as MaelstromSettings } : e,
      ) as HistoryEvent[];
    const got = checkRealtimeHistory(events).map((v) => v.id);
    expect(got.filter((id) => id.startsWith('bounds/'))).toEqual([]);
    expect(got).not.toContain('contract/envelope-kind');
    expect(got).toContain('contract/unique-versions');
  });
});
