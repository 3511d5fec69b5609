// contract/declared-keys in time form over hand-made realtime histories: a
// value learned from an envelope that lists its key passes; the same value
// carried by a `control` envelope (keys []) fails, as does one that arrives
// long before the previous read and only shows later; an own write passes.
import { describe, expect, test } from 'vitest';
import type { HistoryEvent } from '../engine/history/events.js';
import { checkRealtimeHistory, GRACE_MS } from './realtime.js';
import { entry, HistoryBuilder } from './testing/builder.js';

const nodes = ['n0', 'n1'];
const v1 = entry('k', 'x', 1, 'n0');

/** n0 writes k at 100 ms and reads it at 200 ms, from an empty start. */
function started(rounds = 10_000): HistoryBuilder {
  const b = new HistoryBuilder({
    nodes,
    realtime: true,
    rounds,
    params: { variant: 'anti-entropy-push-pull', fanout: 1, periodMs: 100 },
  });
  b.at(0).readAll(nodes, []);
  b.at(100).update('n0', 'k', 'x', [1, 'n0']);
  b.at(200).read('n0', [v1]);
  return b;
}

function history(kind: string, keys: string[], sentAt: number, shownAt: number): HistoryEvent[] {
  const b = started();
  b.at(sentAt).send('n0', 'n1', kind, keys);
  b.at(shownAt).read('n1', [v1]);
  return b.finish();
}

const declared = (events: HistoryEvent[]) =>
  checkRealtimeHistory(events).find((v) => v.id === 'contract/declared-keys');

describe('contract/declared-keys in time form', () => {
  test('a value that came in an envelope listing its key passes; its own write too', () => {
    const v = declared(history('entries', ['k'], 300, 400));
    expect(v?.verdict, v?.evidence.details.join('\n')).toBe('PASS');
    // The node's own write is not learned: one value, from the envelope.
    expect(v?.evidence.observed).toBe('1 learned value, each declared');
  });

  test('the same value hidden in a control envelope (no keys listed) fails, naming the read', () => {
    const v = declared(history('control', [], 300, 400));
    expect(v?.verdict).toBe('FAIL');
    expect(v?.evidence.details[0]).toMatch(
      /^n1 shows k v1@n0 at 400 ms, but no envelope listing k was delivered to it/,
    );
  });

  test('a delivery long before the previous read does not explain a value first shown after it', () => {
    // Delivered at 300 ms; n1's read at 300 + GRACE + 500 ms still lacks it; it shows later.
    const b = started(20_000);
    b.at(300).send('n0', 'n1', 'entries', ['k']);
    b.at(300 + GRACE_MS + 500).read('n1', [entry('j', 'y', 1, 'n0')]);
    b.at(300 + GRACE_MS + 600).read('n1', [entry('j', 'y', 1, 'n0'), v1]);
    const v = declared(b.finish());
    expect(v?.verdict).toBe('FAIL');
    expect(
      v?.evidence.details.some((d) => d.startsWith(`n1 shows k v1@n0 at ${300 + GRACE_MS + 600} ms`)),
    ).toBe(true);
  });
});
