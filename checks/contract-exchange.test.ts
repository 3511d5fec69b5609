import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../engine/history/events.js';
import { checkUniqueVersions } from './contract-exchange.js';
import { entry, HistoryBuilder } from './testing/builder.js';
import { buildView } from './view.js';

/** Round 1: node a writes k twice in one Update call ("one ack per write, in order"), acked with `acks`; b reads `read`. */
function twoWrites(acks: [number, number], read: ReturnType<typeof entry>): HistoryEvent[] {
  const h = new HistoryBuilder({ nodes: ['a', 'b'], rounds: 2 });
  h.round(1);
  const events = h.round(2).read('b', [read]).finish();
  const at = events.findIndex((e) => e.t === 'round' && e.r === 1) + 1;
  const batch: HistoryEvent[] = [
    { t: 'update', r: 1, node: 'a', key: 'k', value: 'first' },
    { t: 'update', r: 1, node: 'a', key: 'k', value: 'second' },
    { t: 'ack', r: 1, node: 'a', key: 'k', version: { counter: acks[0], origin: 'a' } },
    { t: 'ack', r: 1, node: 'a', key: 'k', version: { counter: acks[1], origin: 'a' } },
  ];
  events.splice(at, 0, ...batch);
  return events;
}

describe('contract/unique-versions', () => {
  it('pairs a round’s acks of one key with its writes in order', () => {
    const v = checkUniqueVersions(buildView(twoWrites([1, 2], entry('k', 'first', 1, 'a'))));
    expect(v.verdict).toBe('PASS');
  });

  it('fails a node whose read relabels the first write’s version', () => {
    const v = checkUniqueVersions(buildView(twoWrites([1, 2], entry('k', 'second', 1, 'a'))));
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details[0]).toContain('k v1@a is "first"');
  });

  it('fails a node that acks two writes with one version', () => {
    const v = checkUniqueVersions(buildView(twoWrites([1, 1], entry('k', 'first', 1, 'a'))));
    expect(v.verdict).toBe('FAIL');
  });
});
