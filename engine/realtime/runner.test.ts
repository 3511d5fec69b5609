// The realtime runner without docker: each node is the realtime reference
// served over gRPC on loopback, told the harness address at Init, streaming
// what it sends to the harness's network (the Router, in milliseconds).
// Nothing here asserts how fast anything happens: the settle phase waits
// for convergence (up to a generous limit) and only time-free checks are held.
import { afterEach, describe, expect, test } from 'vitest';
import { checkRealtimeHistory } from '../../checks/realtime.js';
import { ContractError, nodeIds, type Parameters } from '../../proto/contract.js';
import { type RunningServer, serveGossipNode } from '../../proto/server.js';
import { RealtimeReferenceHost } from '../../reference/realtime/host.js';
import { Rng } from '../../shared/prng.js';
import type { RealtimeBackend } from '../backends/realtime.js';
import { makePartition } from '../faults/shapes.js';
import type { HistoryEvent } from '../history/events.js';
import { RealtimeRun, type RealtimeSpec } from './runner.js';

const running: { host: RealtimeReferenceHost; server: RunningServer }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.host.close();
    await r.server.close();
  }
});

/** One realtime reference host per node (or what `makeHost` gives), in this process; node faults are not needed here. */
async function inProcessBackend(
  nodes: string[],
  makeHost: (node: string) => RealtimeReferenceHost = () => new RealtimeReferenceHost(),
): Promise<RealtimeBackend> {
  const address = new Map<string, string>();
  for (const n of nodes) {
    const host = makeHost(n);
    const server = await serveGossipNode(host, '127.0.0.1:0');
    running.push({ host, server });
    address.set(n, server.address);
  }
  const none = () => Promise.reject(new Error('not used by this test'));
  return {
    address: (n) => address.get(n)!,
    harnessHost: '127.0.0.1',
    pause: none,
    resume: none,
    crash: none,
    restart: none,
  };
}

const params: Parameters = {
  variant: 'anti-entropy-push-pull',
  fanout: 1,
  periodMs: 40,
  lossOfInterest: 'feedback-counter',
  rumorK: 2,
  antiEntropyEvery: 1,
  maxPayloadBytes: 1 << 20,
};

describe('realtime runner against the in-process realtime reference', () => {
  test('writes, a partition through the router, heal, settle: converged and judged by the shared checkers', async () => {
    const nodes = nodeIds(4);
    const spec: RealtimeSpec = {
      seed: 7,
      nodes,
      peers: Object.fromEntries(nodes.map((n) => [n, nodes.filter((p) => p !== n)])),
      params,
      transport: 'harness',
      durationMs: 1200,
      // An upper limit, not a wait: settle ends as soon as every node holds the same state.
      settleMs: 60_000,
      schedule: [{ type: 'link', from: 200, until: 800, fault: makePartition('halves', nodes, new Rng(3)) }],
      writeEveryMs: 100,
      readEveryMs: 100,
      keys: 4,
      callTimeoutMs: 10_000,
      startupTimeoutMs: 30_000,
      scenario: 'test/realtime-in-process',
    };
    const events: HistoryEvent[] = [];
    const outcome = await new RealtimeRun(spec, await inProcessBackend(nodes), (e) => events.push(e)).run();
    expect(outcome.completed, outcome.reason).toBe(true);
    expect(outcome.converged).toBe(true);

    expect(events[0]).toMatchObject({ t: 'run', mode: 'realtime', rounds: 1200, hopLimit: 0 });
    expect(events.find((e) => e.t === 'init')).toMatchObject({ capabilities: { realtime: true } });
    expect(events.filter((e) => e.t === 'fault').map((e) => e.t === 'fault' && e.action)).toEqual([
      'start',
      'stop',
    ]);
    expect(events.some((e) => e.t === 'send')).toBe(true);
    expect(events.some((e) => e.t === 'deliver')).toBe(true);

    const verdicts = new Map(checkRealtimeHistory(events).map((v) => [v.id, v]));
    for (const id of [
      'run/completed',
      'convergence/identical-state',
      'convergence/no-lost-update',
      'convergence/monotonic-versions',
      // Time-free contract cases, shared with lockstep (checks/index.ts).
      'contract/unique-versions',
      'contract/payload-size',
    ]) {
      expect(verdicts.get(id)?.verdict, `${id}: ${verdicts.get(id)?.evidence.observed}`).toBe('PASS');
      expect(verdicts.get(id)?.judged, id).toBeGreaterThan(0);
    }
  });

  test('join and leave: a late node is Init at its join, a leaving node is stopped cleanly and no longer read', async () => {
    const nodes = nodeIds(4);
    const spec: RealtimeSpec = {
      seed: 3,
      nodes,
      peers: Object.fromEntries(nodes.map((n) => [n, nodes.filter((p) => p !== n)])),
      params,
      transport: 'harness',
      durationMs: 1000,
      settleMs: 60_000,
      schedule: [
        { type: 'join', at: 200, node: 'n3' },
        { type: 'leave', at: 500, node: 'n2' },
      ],
      writeEveryMs: 100,
      readEveryMs: 100,
      keys: 4,
      callTimeoutMs: 10_000,
      startupTimeoutMs: 30_000,
    };
    const events: HistoryEvent[] = [];
    const outcome = await new RealtimeRun(spec, await inProcessBackend(nodes), (e) => events.push(e)).run();
    expect(outcome.completed, outcome.reason).toBe(true);
    expect(outcome.converged).toBe(true);
    const at = (t: 'join' | 'leave') => events.findIndex((e) => e.t === t);
    expect(events[at('join')]).toMatchObject({ t: 'join', node: 'n3' });
    expect(events[at('leave')]).toMatchObject({ t: 'leave', node: 'n2' });
    const readsOf = (node: string) =>
      events.flatMap((e, i) => (e.t === 'read' && e.node === node ? [i] : []));
    // n3 is read only once it joined, n2 only until it left; the final reads are of the nodes that are up.
    expect(readsOf('n3').length).toBeGreaterThan(0);
    expect(Math.min(...readsOf('n3'))).toBeGreaterThan(at('join'));
    expect(Math.max(...readsOf('n2'))).toBeLessThan(at('leave'));
    const finals = events.filter((e) => e.t === 'read' && e.final).map((e) => e.t === 'read' && e.node);
    expect(finals.sort()).toEqual(['n0', 'n1', 'n3']);
  });

  test('a node that refuses a valid Read ends the run with the refusal as its reason', async () => {
    const nodes = nodeIds(3);
    /** n1 answers its first reads, then refuses every one, as a node that broke its protocol does. */
    class RefusingHost extends RealtimeReferenceHost {
      private reads = 0;
      override async read(ids: string[]) {
        if (++this.reads > 2)
          throw new ContractError('failed-precondition', 'n1 wrote a line that is not JSON');
        return super.read(ids);
      }
    }
    const spec: RealtimeSpec = {
      seed: 1,
      nodes,
      peers: Object.fromEntries(nodes.map((n) => [n, nodes.filter((p) => p !== n)])),
      params,
      transport: 'harness',
      // Long enough that only the refusal can end the run early.
      durationMs: 120_000,
      settleMs: 60_000,
      schedule: [],
      writeEveryMs: 100,
      readEveryMs: 100,
      keys: 4,
      callTimeoutMs: 10_000,
      startupTimeoutMs: 30_000,
    };
    const events: HistoryEvent[] = [];
    const backend = await inProcessBackend(nodes, (n) =>
      n === 'n1' ? new RefusingHost() : new RealtimeReferenceHost(),
    );
    const outcome = await new RealtimeRun(spec, backend, (e) => events.push(e)).run();
    expect(outcome.completed).toBe(false);
    expect(outcome.reason).toMatch(
      /^Read \(n1\): Read failed: failed-precondition: n1 wrote a line that is not JSON$/,
    );
    expect(outcome.elapsedMs).toBeLessThan(spec.durationMs);
    // One error event for the refusal: those of calls still in flight when the run ended are not added.
    expect(events.filter((e) => e.t === 'error')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ t: 'end', reason: 'aborted' });
    const completed = checkRealtimeHistory(events).find((v) => v.id === 'run/completed');
    expect(completed?.verdict).toBe('FAIL');
    expect(completed?.evidence.observed).toMatch(/n1 wrote a line that is not JSON/);
  });

  test('a node that moves on after the nodes agreed sends the run back to settling: convergence must hold', async () => {
    const nodes = nodeIds(3);
    let lastWrite = 0;
    /** Any host's write; a read more than 250 ms after the last one is a quiet read (the settle phase). */
    class WriteClock extends RealtimeReferenceHost {
      override async update(writes: Parameters<RealtimeReferenceHost['update']>[0]) {
        lastWrite = Date.now();
        return super.update(writes);
      }
    }
    /** n1's first quiet read hides its first entry, once: the nodes agreed at the heal, then n1 moved on. */
    class RelapsingHost extends WriteClock {
      private quiet = 0;
      override async read(ids: string[]) {
        const out = await super.read(ids);
        if (Date.now() - lastWrite > 250 && ++this.quiet === 1)
          return out.map((s) => ({ ...s, entries: s.entries.slice(1) }));
        return out;
      }
    }
    const spec: RealtimeSpec = {
      seed: 2,
      nodes,
      peers: Object.fromEntries(nodes.map((n) => [n, nodes.filter((p) => p !== n)])),
      params,
      transport: 'harness',
      durationMs: 600,
      settleMs: 60_000,
      schedule: [],
      writeEveryMs: 100,
      readEveryMs: 100,
      keys: 4,
      callTimeoutMs: 10_000,
      startupTimeoutMs: 30_000,
    };
    const events: HistoryEvent[] = [];
    const backend = await inProcessBackend(nodes, (n) =>
      n === 'n1' ? new RelapsingHost() : new WriteClock(),
    );
    const outcome = await new RealtimeRun(spec, backend, (e) => events.push(e)).run();
    expect(outcome.completed, outcome.reason).toBe(true);
    expect(outcome.converged).toBe(true);
    const n1Reads = events.flatMap((e) => (e.t === 'read' && e.node === 'n1' ? [e.entries.length] : []));
    // The relapse was read (one entry fewer than the read before it), and the run went on past it.
    const dip = n1Reads.findIndex((k, i) => i > 0 && k < n1Reads[i - 1]!);
    expect(dip).toBeGreaterThan(0);
    expect(n1Reads.at(-1)).toBe(n1Reads[dip - 1]);
    const identical = checkRealtimeHistory(events).find((v) => v.id === 'convergence/identical-state');
    expect(identical?.verdict, identical?.evidence.observed).toBe('PASS');
  });

  test('realtime Init without a harness address and without a direct transport is refused', async () => {
    const host = new RealtimeReferenceHost();
    const node = { id: 'n0', peers: [], seeds: [], rngSeed: 1, initialValue: 0, restoreDurable: false };
    await expect(host.init([node], params, 'realtime')).rejects.toThrow(/harness_address/);
    await host.close();
  });
});
