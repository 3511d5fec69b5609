import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from './events.js';
import {
  boundedJsonl,
  HistoryRecorder,
  JsonlFileSink,
  parseHistory,
  serializeEvent,
  toJsonl,
} from './recorder.js';

const events: HistoryEvent[] = [
  {
    t: 'run',
    seed: 1,
    mode: 'lockstep',
    nodes: ['a', 'b'],
    params: {
      variant: 'anti-entropy-push',
      fanout: 1,
      periodMs: 100,
      lossOfInterest: 'feedback-counter',
      rumorK: 2,
      antiEntropyEvery: 4,
      maxPayloadBytes: 1024,
    },
    rounds: 2,
    hopLimit: 3,
    values: [],
  },
  { t: 'round', r: 1 },
  { t: 'fault', r: 1, action: 'start', fault: { kind: 'loss', probability: 0.5 }, edges: [] },
  { t: 'ack', r: 1, node: 'a', key: 'k', version: { counter: 1, origin: 'a' } },
  { t: 'send', r: 1, hop: 0, id: 1, from: 'a', to: 'b', kind: 'push', keys: ['k'], bytes: 3 },
  {
    t: 'read',
    r: 1,
    node: 'b',
    entries: [['k', 'v', 1, 'a', null]],
    estimate: 0,
    sum: 0,
    weight: 0,
    final: true,
  },
  { t: 'end', r: 2, reason: 'completed' },
];

describe('recorder', () => {
  it('serialises with a fixed field order whatever the producer built', () => {
    const shuffled = { reason: 'loss', id: 4, r: 2, t: 'drop' } as unknown as HistoryEvent;
    expect(serializeEvent(shuffled)).toBe('{"t":"drop","r":2,"id":4,"reason":"loss"}');
    const fault = {
      edges: [],
      fault: { probability: 0.1, kind: 'loss', edges: { to: ['b'], from: ['a'] } },
      action: 'start',
      r: 1,
      t: 'fault',
    } as unknown as HistoryEvent;
    expect(serializeEvent(fault)).toBe(
      '{"t":"fault","r":1,"action":"start","fault":{"kind":"loss","probability":0.1,"edges":{"from":["a"],"to":["b"]}},"edges":[]}',
    );
  });

  it('round-trips through JSONL', () => {
    const rec = new HistoryRecorder();
    for (const e of events) rec.record(e);
    const text = rec.toJsonl();
    expect(text.split('\n')).toHaveLength(events.length + 1);
    expect(parseHistory(text)).toEqual(events);
    expect(toJsonl(parseHistory(text))).toBe(text);
  });

  it('rejects lines that are not events, with the line number', () => {
    expect(() => parseHistory('{"t":"round","r":1}\nnope\n')).toThrow(/line 2/);
    expect(() => parseHistory('{"x":1}')).toThrow(/line 1/);
    expect(parseHistory('\n\n')).toEqual([]);
  });

  it('writes files, at once or streamed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gossipcheck-rec-'));
    try {
      const rec = new HistoryRecorder();
      const sink = new JsonlFileSink(join(dir, 'b.jsonl'));
      for (const e of events) {
        rec.record(e);
        sink.record(e);
      }
      await rec.writeFile(join(dir, 'a.jsonl'));
      await sink.close();
      const a = await readFile(join(dir, 'a.jsonl'), 'utf8');
      expect(a).toBe(toJsonl(events));
      expect(await readFile(join(dir, 'b.jsonl'), 'utf8')).toBe(a);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('caps a streamed file by the same rule as one written at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gossipcheck-rec-'));
    try {
      const max = Buffer.byteLength(toJsonl(events.slice(0, 2)));
      const sink = new JsonlFileSink(join(dir, 'capped.jsonl'), max);
      for (const e of events) sink.record(e);
      await sink.close();
      const text = await readFile(join(dir, 'capped.jsonl'), 'utf8');
      expect(text).toBe(boundedJsonl(events, max));
      const back = parseHistory(text);
      expect(back.slice(0, 2)).toEqual(parseHistory(toJsonl(events.slice(0, 2))));
      expect(back[2]).toEqual({
        t: 'truncated',
        kept: 2,
        total: events.length,
        bytes: Buffer.byteLength(toJsonl(events)),
      });
      expect(back).toHaveLength(3);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
