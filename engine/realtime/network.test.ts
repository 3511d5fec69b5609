// The harness network's measure of its own delay: every envelope a transport
// sends is answered in frame order (HarnessTransport onAccepted pairs each
// with its wait), and each delivered envelope's lateness is counted from its
// due time, so the deliberate latency is not the harness's.
import { afterEach, describe, expect, test } from 'vitest';
import { ContractError, type Envelope, type GossipEndpoint } from '../../proto/contract.js';
import { HarnessTransport } from '../../proto/harness-transport.js';
import { spreadOf } from '../../shared/spread.js';
import type { HistoryEvent } from '../history/events.js';
import { WallClockNetwork } from './network.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

const env = (i: number): Envelope => ({
  from: 'n0',
  to: 'n1',
  payload: new TextEncoder().encode(`line ${i}`),
  kind: 'gossip',
  keys: [],
});

describe('WallClockNetwork: the harness delay in and out', () => {
  test('one wait per envelope sent; lateness from the due time, the base latency excluded', async () => {
    const t0 = performance.now();
    const events: HistoryEvent[] = [];
    const delivered: Envelope[] = [];
    const endpoint = {
      deliver: async (e: Envelope[]) => {
        delivered.push(...e);
        return [];
      },
    } as unknown as GossipEndpoint;
    const net = new WallClockNetwork({
      nodes: ['n0', 'n1'],
      seed: 1,
      now: () => Math.round(performance.now() - t0),
      record: (e) => events.push(e),
      endpointOf: () => endpoint,
      callTimeoutMs: 5000,
      baseLatencyMs: 40,
    });
    // The workload runs from the start: every envelope's wait to its Deliver counts as forwarding.
    net.workloadFrom = 0;
    const port = await net.listen('127.0.0.1');
    closers.push(() => net.close());
    const waits: number[] = [];
    const transport = new HarnessTransport(`127.0.0.1:${port}`, { onAccepted: (ms) => waits.push(...ms) });
    closers.push(() => transport.close());
    transport.send([env(1), env(2)]);
    await new Promise((r) => setTimeout(r, 20));
    transport.send([env(3)]);
    const end = Date.now() + 30_000;
    while ((delivered.length < 3 || waits.length < 3) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 10));
    expect(delivered).toHaveLength(3);
    expect(waits).toHaveLength(3);
    expect(waits.every((w) => w >= 0)).toBe(true);
    // Each envelope's lateness is its deliver minus the end of its delay (send + 40 ms).
    const until = new Map(events.flatMap((e) => (e.t === 'delay' ? [[e.id, e.until] as const] : [])));
    const sends = events.filter((e) => e.t === 'send');
    expect(sends.every((s) => until.get(s.id) === s.r + 40)).toBe(true);
    const late = events.flatMap((e) => (e.t === 'deliver' ? [e.r - (until.get(e.id) ?? Number.NaN)] : []));
    expect(net.late.spread()).toEqual(spreadOf(late));
    expect(net.late.count).toBe(3);
    // Issued no later than answered: each envelope's wait to its call is at most its wait to the answer.
    expect(net.forward.count).toBe(3);
    expect(net.forwardStartup.count).toBe(0);
    expect(net.forward.spread().max).toBeLessThanOrEqual(net.late.spread().max);
    expect(net.figures()).toMatchObject({ accepted: 3, delivered: 3 });
  });
});

describe('spreadOf', () => {
  test('nearest-rank quantiles, and an empty spread for no samples', () => {
    const xs = Array.from({ length: 200 }, (_, i) => 200 - i); // 1..200, shuffled order
    expect(spreadOf(xs)).toEqual({ count: 200, p50: 100, p99: 198, p995: 199, max: 200 });
    expect(spreadOf([])).toEqual({ count: 0, p50: 0, p99: 0, p995: 0, max: 0 });
  });
});

describe('WallClockNetwork: one Deliver per endpoint', () => {
  const to = (node: string, i: number): Envelope => ({ ...env(i), from: 'n0', to: node });

  async function run(refuse: string | null) {
    const calls: string[][] = [];
    const events: HistoryEvent[] = [];
    // One endpoint hosting every node; it refuses a whole batch holding an envelope to `refuse`.
    const endpoint = {
      deliver: async (e: Envelope[]) => {
        calls.push(e.map((x) => x.to));
        if (refuse !== null && e.some((x) => x.to === refuse))
          throw new ContractError('failed-precondition', `node '${refuse}' is stopped`);
        return [];
      },
    } as unknown as GossipEndpoint;
    const net = new WallClockNetwork({
      nodes: ['n0', 'n1', 'n2'],
      seed: 1,
      now: () => 0,
      record: (e) => events.push(e),
      endpointOf: () => endpoint,
      callTimeoutMs: 5000,
    });
    await net.listen('127.0.0.1');
    closers.push(() => net.close());
    net.accept([to('n1', 1), to('n2', 2), to('n1', 3)]);
    const end = Date.now() + 30_000;
    const settled = () => events.filter((e) => e.t === 'deliver' || e.t === 'drop').length;
    while (settled() < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    const fate = (t: 'deliver' | 'drop') =>
      events.flatMap((e) => (e.t === t ? [e.id] : [])).sort((a, b) => a - b);
    return { calls, delivered: fate('deliver'), dropped: events.filter((e) => e.t === 'drop') };
  }

  test("every node's envelopes due together travel in one call", async () => {
    const { calls, delivered } = await run(null);
    expect(calls).toEqual([['n1', 'n1', 'n2']]);
    expect(delivered).toHaveLength(3);
  });

  test('a refused batch is asked again node by node: only the refused node loses its envelopes', async () => {
    const { calls, delivered, dropped } = await run('n2');
    expect(calls[0]).toEqual(['n1', 'n1', 'n2']);
    expect(calls.slice(1).sort()).toEqual([['n1', 'n1'], ['n2']]);
    expect(delivered).toHaveLength(2);
    expect(dropped).toHaveLength(1);
    expect(dropped[0]).toMatchObject({ t: 'drop', reason: 'rejected' });
  });
});
