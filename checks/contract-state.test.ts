// contract/read-sorted and contract/durable-restart over hand-made histories.
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../engine/history/events.js';
import { orderProblem, snapshotOrderProblem } from '../engine/history/snapshot-order.js';
import { checkDurableRestart, checkReadSorted } from './contract-state.js';
import { entry, HistoryBuilder } from './testing/builder.js';
import { buildView } from './view.js';

const nodes = ['a', 'b', 'c'];
const k1 = entry('k1', 'x', 1, 'a');
const k2 = entry('k2', 'y', 1, 'a');
const k3 = entry('k3', 'z', 1, 'a');

describe('orderProblem (code-unit order, each id once)', () => {
  it('names the first pair out of order or listed twice', () => {
    expect(orderProblem(['a', 'b', 'c'])).toBeUndefined();
    expect(orderProblem(['b', 'a'])).toBe('"b" listed before "a"');
    expect(orderProblem(['a', 'a'])).toBe('"a" listed twice');
    // Code units, not locale: 'Z' (0x5a) sorts before 'a' (0x61).
    expect(orderProblem(['Z', 'a'])).toBeUndefined();
    expect(orderProblem(['a', 'Z'])).toBe('"a" listed before "Z"');
  });
});

describe('contract/read-sorted', () => {
  const history = (mark?: (events: HistoryEvent[]) => void) => {
    const h = new HistoryBuilder({ nodes });
    h.round(1).tick().read('a', [k1, k2]).read('b', [k1]);
    const events = h.round(10).finish();
    mark?.(events);
    return buildView(events);
  };

  it('passes sorted snapshots, counting only those with two or more entries', () => {
    const v = checkReadSorted(history());
    expect(v.verdict).toBe('PASS');
    // a's read in round 1 and its final read; b's hold one entry or none.
    expect(v.judged).toBe(2);
  });

  it('fails a read the runner marked unsorted (what the node sent), naming node and round', () => {
    const v = checkReadSorted(
      history((events) => {
        const read = events.find((e) => e.t === 'read' && e.node === 'a');
        if (read?.t === 'read') read.unsorted = 'entries: "k2" listed before "k1"';
      }),
    );
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details).toEqual(['round 1 Read of a: entries: "k2" listed before "k1"']);
  });

  it('fails a recorded read out of order or with a key twice (a history from elsewhere)', () => {
    const swapped = checkReadSorted(
      history((events) => {
        const read = events.find((e) => e.t === 'read' && e.node === 'a');
        if (read?.t === 'read') read.entries = [k2, k1];
      }),
    );
    expect(swapped.verdict).toBe('FAIL');
    expect(swapped.evidence.details[0]).toContain('"k2" listed before "k1"');
    const twice = checkReadSorted(
      history((events) => {
        const read = events.find((e) => e.t === 'read' && e.node === 'b');
        if (read?.t === 'read') read.entries = [k1, k1];
      }),
    );
    expect(twice.verdict).toBe('FAIL');
    expect(twice.evidence.details[0]).toContain('"k1" listed twice');
  });

  it('judges a membership view by member id', () => {
    const v = checkReadSorted(
      history((events) => {
        const read = events.find((e) => e.t === 'read' && e.node === 'b');
        if (read?.t === 'read')
          read.members = [
            ['c', 'alive', 0],
            ['b', 'alive', 0],
          ];
      }),
    );
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details[0]).toContain('Read of b: "c" listed before "b"');
  });

  it('is INCONCLUSIVE when no snapshot had two entries to order', () => {
    const h = new HistoryBuilder({ nodes });
    h.round(1).tick().read('a', [k1]);
    expect(checkReadSorted(buildView(h.round(10).finish())).verdict).toBe('INCONCLUSIVE');
  });
});

describe('contract/durable-restart', () => {
  /** a holds k1, k2 (read in round 1), acks k3 in round 2, crashes, restarts durable in round 4. */
  const crashed = () => {
    const h = new HistoryBuilder({ nodes });
    h.round(1).tick().read('a', [k1, k2]);
    h.round(2).update('a', 'k3', 'z', { counter: 1, origin: 'a' });
    h.round(3).crash('a');
    h.round(4).restart('a', true);
    return h;
  };

  it('passes a node whose first Read after the restart holds all it held at the crash', () => {
    const h = crashed();
    h.read('a', [k1, k2, k3]);
    const v = checkDurableRestart(buildView(h.round(10).finish()));
    expect(v.verdict).toBe('PASS');
    expect(v.judged).toBe(3);
  });

  it('fails a node that recovered too little, even if a later Read shows it repaired', () => {
    const h = crashed();
    h.read('a', [k2]);
    h.round(5).read('a', [k1, k2, k3]);
    const v = checkDurableRestart(buildView(h.round(10).finish()));
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details).toEqual([
      'a restarted durable at round 4, first Read at round 4: k1 missing, held v1@a when it crashed',
      'a restarted durable at round 4, first Read at round 4: k3 missing, held v1@a when it crashed',
    ]);
  });

  it('fails a key back at an older version than it held', () => {
    const h = crashed();
    h.read('a', [k1, entry('k2', 'old', 0, 'a'), k3]);
    const v = checkDurableRestart(buildView(h.round(10).finish()));
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details[0]).toContain('k2 at v0@a, held v1@a');
  });

  it('does not count a key a peer re-delivered before the first Read as judged', () => {
    const h = crashed();
    h.tick();
    h.send('b', 'a', 'entries', ['k1', 'k2', 'k3']);
    h.read('a', [k1, k2, k3]);
    const v = checkDurableRestart(buildView(h.round(10).finish()));
    expect(v.verdict).toBe('INCONCLUSIVE');
    expect(v.judged).toBe(0);
  });

  it('does not judge a wiping restart', () => {
    const h = new HistoryBuilder({ nodes });
    h.round(1).tick().read('a', [k1, k2]);
    h.round(3).crash('a');
    h.round(4).restart('a', false).read('a', []);
    const v = checkDurableRestart(buildView(h.round(10).finish()));
    expect(v.verdict).toBe('INCONCLUSIVE');
    expect(v.evidence.observed).toContain('no restart with restore_durable');
  });
});

describe('snapshotOrderProblem (what the lockstep runner notes on a read)', () => {
  it('checks entries, then members, then the member view', () => {
    const e = (key: string) => ({ key });
    expect(snapshotOrderProblem({ entries: [e('a'), e('b')], members: ['n0', 'n1'] })).toBeUndefined();
    expect(snapshotOrderProblem({ entries: [e('b'), e('a')] })).toBe('entries: "b" listed before "a"');
    expect(snapshotOrderProblem({ entries: [], members: ['n1', 'n0'] })).toBe(
      'members: "n1" listed before "n0"',
    );
    expect(snapshotOrderProblem({ entries: [], memberView: [{ id: 'n0' }, { id: 'n0' }] })).toBe(
      'member view: "n0" listed twice',
    );
  });
});
