// The realtime checks over hand-made realtime histories (r in milliseconds):
// the shared time-free cases judge them, in CHECKS order, with their
// realtime readings (an ack some ms after its write; a payload limit of 0
// meaning the default).
import { describe, expect, test } from 'vitest';
import type { HistoryEvent, ReadEntry } from '../engine/history/events.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, minimalParameters } from '../proto/contract.js';
import { ridingAlong } from './index.js';
import { checkRealtimeHistory, realtimeCases } from './realtime.js';
import { ALL_CAPABILITIES, entry } from './testing/builder.js';
import { buildView } from './view.js';

const nodes = ['n1', 'n2'];

/** A completed realtime run: n1 writes k1 at 100 ms (acked at 130 ms), then `body`, then both nodes read `finals`. */
function history(body: HistoryEvent[], finals: ReadEntry[] = [entry('k1', 'a', 1, 'n1')]): HistoryEvent[] {
  const read = (node: string, r: number): HistoryEvent => ({
    t: 'read',
    r,
    node,
    entries: finals,
    estimate: 0,
    sum: 0,
    weight: 0,
    final: true,
  });
  return [
    {
      t: 'run',
      seed: 1,
      mode: 'realtime',
      nodes,
      params: minimalParameters('anti-entropy-push-pull', { periodMs: 100, maxPayloadBytes: 0 }),
      rounds: 1000,
      hopLimit: 0,
      values: [],
    },
    {
      t: 'init',
      implementation: 'test',
      version: '0',
      capabilities: { ...ALL_CAPABILITIES, lockstep: false, realtime: true },
    },
    { t: 'update', r: 100, node: 'n1', key: 'k1', value: 'a' },
    { t: 'ack', r: 130, node: 'n1', key: 'k1', version: { counter: 1, origin: 'n1' } },
    ...body,
    read('n1', 900),
    read('n2', 900),
    { t: 'end', r: 1000, reason: 'completed' },
  ];
}

const send = (r: number, bytes: number): HistoryEvent => ({
  t: 'send',
  r,
  hop: 0,
  id: r,
  from: 'n1',
  to: 'n2',
  kind: 'entries',
  keys: ['k1'],
  bytes,
});
const verdict = (events: HistoryEvent[], id: string) => checkRealtimeHistory(events).find((v) => v.id === id);

describe('realtime checks', () => {
  test('run/completed, then the shared cases in CHECKS order, then within-bound, then the per-period cases', () => {
    const ids = checkRealtimeHistory(history([send(200, 100)])).map((v) => v.id);
    expect(ids).toEqual([
      'run/completed',
      'convergence/identical-state',
      'convergence/no-lost-update',
      'convergence/monotonic-versions',
      'contract/envelope-kind',
      'contract/declared-keys',
      'contract/unique-versions',
      'contract/payload-size',
      'convergence/within-bound',
      'bounds/fanout',
      'bounds/control-traffic',
      'bounds/messages-per-period',
      'bounds/redundant-deliveries',
    ]);
    expect(realtimeCases('anti-entropy-push-pull').map((c) => c.id)).toEqual(ids.slice(1));
  });

  test('unique-versions pairs an ack with its write across milliseconds: a relabelled value fails', () => {
    expect(verdict(history([]), 'contract/unique-versions')?.verdict).toBe('PASS');
    // n2 reads k1 v1@n1 with another value than the one n1 acked.
    const relabelled = history([], [entry('k1', 'b', 1, 'n1')]);
    const v = verdict(relabelled, 'contract/unique-versions');
    expect(v?.verdict).toBe('FAIL');
    expect(v?.evidence.details[0]).toBe(
      'k1 v1@n1 is "a" (acked by n1 at 130 ms) and "b" (read at n1 at 900 ms)',
    );
  });

  test('payload-size: max_payload_bytes 0 is the default limit', () => {
    expect(verdict(history([send(200, 4096)]), 'contract/payload-size')?.verdict).toBe('PASS');
    const over = verdict(history([send(200, DEFAULT_MAX_PAYLOAD_BYTES + 1)]), 'contract/payload-size');
    expect(over?.verdict).toBe('FAIL');
    expect(over?.evidence.details[0]).toBe(
      `200 ms n1 -> n2 (entries): ${DEFAULT_MAX_PAYLOAD_BYTES + 1} bytes`,
    );
  });

  test('direct transport (iptables counters, no envelope seen): payload-size is UNSUPPORTED by the setup, and says why', () => {
    const v = verdict(history([{ t: 'counters', r: 500, passed: [], dropped: [] }]), 'contract/payload-size');
    expect(v?.verdict).toBe('UNSUPPORTED');
    expect(v?.evidence.observed).toMatch(/direct transport/);
  });

  test('an aborted run is judged on its safety cases only', () => {
    const events = history([]);
    events[events.length - 1] = { t: 'end', r: 1000, reason: 'aborted' };
    expect(checkRealtimeHistory(events).map((v) => v.id)).toEqual([
      'run/completed',
      'convergence/monotonic-versions',
      'contract/envelope-kind',
      'contract/declared-keys',
      'contract/unique-versions',
      'contract/payload-size',
      'bounds/fanout',
      'bounds/control-traffic',
      'bounds/messages-per-period',
      'bounds/redundant-deliveries',
    ]);
  });

  test('the contract cases a realtime run judges are the ones that ride along on it: one list for both modes', () => {
    const events = history([send(200, 100)]);
    const judged = checkRealtimeHistory(events)
      .map((v) => v.id)
      .filter((id) => id.startsWith('contract/'));
    expect(judged).toEqual(ridingAlong(buildView(events)).map((c) => c.info.id));
    // Direct transport: payload-size does not ride along (nothing to measure); the report says why.
    const direct = history([{ t: 'counters', r: 500, passed: [], dropped: [] }]);
    expect(ridingAlong(buildView(direct)).map((c) => c.info.id)).toEqual(['contract/unique-versions']);
  });

  test('contract/envelope-kind judges realtime histories: the control kind is in the vocabulary, a foreign kind is not', () => {
    const control = (kind: string): HistoryEvent => ({ ...send(300, 50), kind, keys: [] });
    expect(verdict(history([send(200, 100), control('control')]), 'contract/envelope-kind')?.verdict).toBe(
      'PASS',
    );
    const foreign = verdict(history([send(200, 100), control('ping')]), 'contract/envelope-kind');
    expect(foreign?.verdict).toBe('FAIL');
    expect(foreign?.evidence.details[0]).toMatch(
      /kind "ping" is not one of digest, want, entries, entries-want, control/,
    );
  });
});
