// SIR termination in ms over hand-made realtime histories: rumor-push, n = 3,
// fanout 1, feedback-counter k = 2, period 100 ms. The bound is S + L = 19
// periods (S = ceil(3·log2 3) + 3 = 8, L = S + ceil(2/1) + 1 = 11), so
// 1900 ms + the 3000 ms grace = 4900 ms after the last write at 100 ms.
import { describe, expect, test } from 'vitest';
import type { HistoryEvent } from '../engine/history/events.js';
import type { SirStatus } from '../proto/contract.js';
import { checkRealtimeHistory, GRACE_MS } from './realtime.js';
import { sirObservationMs } from './realtime-sir.js';
import { entry, HistoryBuilder } from './testing/builder.js';

const nodes = ['n0', 'n1', 'n2'];
const DEADLINE = 100 + 1900 + GRACE_MS;

/** A write at 100 ms, rumors every 100 ms until `lastSend`, the history ending at `end` with `status` everywhere. */
function history(lastSend: number, end: number, status: SirStatus = 'removed'): HistoryEvent[] {
  const b = new HistoryBuilder({
    nodes,
    realtime: true,
    params: {
      variant: 'rumor-push',
      fanout: 1,
      periodMs: 100,
      rumorK: 2,
      lossOfInterest: 'feedback-counter',
    },
  });
  b.at(100).update('n0', 'k1', 'a', { counter: 1, origin: 'n0' });
  for (let t = 150; t <= lastSend; t += 100) {
    b.at(t);
    b.send('n0', 'n1', 'rumor', ['k1']);
    b.send('n1', 'n0', 'feedback');
  }
  b.at(end).readAll(nodes, [entry('k1', 'a', 1, 'n0', status)]);
  return b.finish();
}

const verdict = (events: HistoryEvent[], id: string) => checkRealtimeHistory(events).find((v) => v.id === id);

describe('sir/quiescence in ms', () => {
  test('traffic that stops within the bound passes, on a run that lasted the bound', () => {
    const v = verdict(history(950, DEADLINE + 500), 'sir/quiescence');
    expect(v?.verdict, v?.evidence.observed).toBe('PASS');
    expect(v?.evidence.expected).toBe(
      `last rumor send <= ${DEADLINE} ms: 4900 ms after 100 ms (update k1 at n0)`,
    );
    expect(v?.source).toMatch(/19 periods of 100 ms \+ 3000 ms grace = 4900 ms/);
  });

  test('a rumor still sent after the bound fails', () => {
    const v = verdict(history(DEADLINE + 450, DEADLINE + 500), 'sir/quiescence');
    expect(v?.verdict).toBe('FAIL');
    expect(v?.evidence.observed).toMatch(/; 5 sends after the bound$/);
  });

  test('a run that ended before the bound is not judged, whether traffic stopped or not', () => {
    expect(verdict(history(950, 2000), 'sir/quiescence')?.verdict).toBe('INCONCLUSIVE');
    expect(verdict(history(1950, 2000), 'sir/quiescence')?.verdict).toBe('INCONCLUSIVE');
  });

  test('sirObservationMs is the bound of one rumor: how long a run must go on after its last write', () => {
    const params = {
      variant: 'rumor-push',
      fanout: 1,
      periodMs: 100,
      rumorK: 2,
      lossOfInterest: 'feedback-counter',
    };
    expect(
      sirObservationMs({ ...params, antiEntropyEvery: 1, maxPayloadBytes: 0 } as never, 3, GRACE_MS),
    ).toBe(4900);
  });
});

describe('sir/terminal-status in ms', () => {
  test('removed everywhere passes; infective after the whole bound fails; infective before it is not judged', () => {
    expect(verdict(history(950, DEADLINE + 500), 'sir/terminal-status')?.verdict).toBe('PASS');
    const late = verdict(history(950, DEADLINE + 500, 'infective'), 'sir/terminal-status');
    expect(late?.verdict).toBe('FAIL');
    expect(late?.evidence.details[0]).toBe('n0 k1 v1@n0 infective');
    const early = verdict(history(950, 2000, 'infective'), 'sir/terminal-status');
    expect(early?.verdict).toBe('INCONCLUSIVE');
    expect(early?.evidence.details[0]).toMatch(
      /^not judged: the run ended 1900 ms after the last disturbance/,
    );
  });
});

describe('sir/residue in ms (INFO)', () => {
  test('reported next to the theory band of the declared rule', () => {
    const v = verdict(history(950, DEADLINE + 500), 'sir/residue');
    expect(v?.verdict).toBe('INFO');
    expect(v?.evidence.details[0]).toMatch(/^theory \(feedback-counter, k = 2\): s\* = 0\.0\d+/);
    expect(v?.evidence.details[1]).toBe('0 rumors above the band');
  });
});
