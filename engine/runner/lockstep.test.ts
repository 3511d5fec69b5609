import { describe, expect, it } from 'vitest';
import {
  type Ack,
  type ClockMode,
  ContractError,
  type Envelope,
  type GossipEndpoint,
  type InitResult,
  type NodeId,
  type NodeInit,
  type Parameters,
  type Snapshot,
  type StopMode,
  type UpdateResult,
  type Write,
} from '../../proto/contract.js';
import { Rng } from '../../shared/prng.js';
import type { EventOf, HistoryEvent } from '../history/events.js';
import { HistoryRecorder } from '../history/recorder.js';
import { callWithDeadline } from './call.js';
import { type LockstepSpec, type Placement, runLockstep } from './lockstep.js';

// A tiny seeded gossip fixture (not a real protocol): every tick a node pushes
// its whole store to one random peer; a push answers with a 'reply' carrying
// what the sender lacks; an update mails one random peer.
interface Item {
  value: string;
  counter: number;
  origin: NodeId;
}
interface ToyNode {
  rng: Rng;
  peers: NodeId[];
  store: Map<string, Item>;
}

interface ToyOptions {
  hangTick?: boolean;
  tickError?: Error;
  deliverError?: () => Error | undefined;
  /** Every tick also sends one envelope to this (unknown) node. */
  strayTo?: NodeId;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

class ToyEndpoint implements GossipEndpoint {
  readonly nodes = new Map<NodeId, ToyNode>();
  readonly calls: string[] = [];
  constructor(private readonly opts: ToyOptions = {}) {}

  async init(nodes: NodeInit[], _params: Parameters, _clock: ClockMode): Promise<InitResult> {
    this.calls.push(`init ${nodes.map((n) => `${n.id}${n.restoreDurable ? '*' : ''}`).join(',')}`);
    for (const n of nodes) {
      const old = this.nodes.get(n.id);
      this.nodes.set(n.id, {
        rng: new Rng(n.rngSeed),
        peers: n.peers,
        store: n.restoreDurable && old ? old.store : new Map(),
      });
    }
    return {
      implementation: 'toy',
      version: '1',
      capabilities: {
        variants: ['anti-entropy-push'],
        lossOfInterest: [],
        lockstep: true,
        realtime: false,
        rumorStatus: false,
        pushSum: false,
        membership: false,
        durableRestart: true,
      },
    };
  }

  private push(from: NodeId, to: NodeId, kind: string, items: [string, Item][]): Envelope {
    return { from, to, kind, keys: items.map(([k]) => k), payload: enc.encode(JSON.stringify(items)) };
  }

  private node(id: NodeId): ToyNode {
    const n = this.nodes.get(id);
    if (!n) throw new ContractError('not-found', `no node ${id}`);
    return n;
  }

  async tick(ids: NodeId[]): Promise<Envelope[]> {
    this.calls.push(`tick ${ids.join(',')}`);
    if (this.opts.hangTick) return new Promise<Envelope[]>(() => {});
    if (this.opts.tickError) throw this.opts.tickError;
    const out: Envelope[] = [];
    for (const id of ids) {
      const n = this.node(id);
      if (n.peers.length === 0) continue;
      const to = n.peers[n.rng.int(n.peers.length)];
      out.push(this.push(id, to, 'push', [...n.store]));
      if (this.opts.strayTo) out.push(this.push(id, this.opts.strayTo, 'push', []));
    }
    return out;
  }

  async deliver(envs: Envelope[]): Promise<Envelope[]> {
    this.calls.push(`deliver ${envs.length}`);
    const err = this.opts.deliverError?.();
    if (err) throw err;
    const out: Envelope[] = [];
    for (const e of envs) {
      const n = this.node(e.to);
      const items = JSON.parse(dec.decode(e.payload)) as [string, Item][];
      const theirs = new Map(items);
      for (const [k, v] of items) {
        const mine = n.store.get(k);
        if (!mine || mine.counter < v.counter || (mine.counter === v.counter && mine.origin < v.origin)) {
          n.store.set(k, v);
        }
      }
      if (e.kind === 'push') {
        const missing = [...n.store].filter(([k, v]) => (theirs.get(k)?.counter ?? -1) < v.counter);
        if (missing.length > 0) out.push(this.push(e.to, e.from, 'reply', missing));
      }
    }
    return out;
  }

  async update(writes: Write[]): Promise<UpdateResult> {
    this.calls.push(`update ${writes.length}`);
    const acks: Ack[] = [];
    const envelopes: Envelope[] = [];
    for (const w of writes) {
      const n = this.node(w.node);
      const counter = (n.store.get(w.key)?.counter ?? 0) + 1;
      const item = { value: w.value, counter, origin: w.node };
      n.store.set(w.key, item);
      acks.push({ node: w.node, key: w.key, version: { counter, origin: w.node } });
      if (n.peers.length > 0)
        envelopes.push(this.push(w.node, n.peers[n.rng.int(n.peers.length)], 'mail', [[w.key, item]]));
    }
    return { acks, envelopes };
  }

  async read(ids: NodeId[]): Promise<Snapshot[]> {
    return ids.map((id) => ({
      node: id,
      entries: [...this.node(id).store]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, v]) => ({ key, value: v.value, version: { counter: v.counter, origin: v.origin } })),
      estimate: 0,
      sum: 0,
      weight: 0,
      members: [],
    }));
  }

  async stop(ids: NodeId[], mode: StopMode): Promise<void> {
    this.calls.push(`stop ${ids.join(',')} ${mode}`);
  }

  async close(): Promise<void> {}
}

const params: Parameters = {
  variant: 'anti-entropy-push',
  fanout: 1,
  periodMs: 100,
  lossOfInterest: 'feedback-counter',
  rumorK: 2,
  antiEntropyEvery: 1,
  maxPayloadBytes: 1 << 20,
};

const NODES = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
const mesh = (nodes: NodeId[]) => Object.fromEntries(nodes.map((n) => [n, nodes.filter((m) => m !== n)]));

function spec(over: Partial<LockstepSpec> = {}): LockstepSpec {
  return {
    seed: 11,
    nodes: NODES,
    peers: mesh(NODES),
    params,
    rounds: 12,
    hopLimit: 3,
    workload: [
      { round: 1, node: 'n1', key: 'a', value: 'x' },
      { round: 1, node: 'n4', key: 'b', value: 'y' },
      { round: 2, node: 'n2', key: 'a', value: 'z' },
      { round: 5, node: 'n6', key: 'c', value: 'w' },
    ],
    schedule: [
      {
        type: 'link',
        from: 2,
        until: 5,
        fault: {
          kind: 'partition',
          shape: 'halves',
          groups: [
            ['n1', 'n2', 'n3'],
            ['n4', 'n5', 'n6'],
          ],
        },
      },
      { type: 'link', from: 1, until: 8, fault: { kind: 'loss', probability: 0.2 } },
      { type: 'link', from: 3, until: 7, fault: { kind: 'delay', latency: 1, jitter: 1 } },
      { type: 'link', from: 4, until: 6, fault: { kind: 'duplicate', probability: 0.5 } },
      { type: 'link', from: 1, until: 9, fault: { kind: 'reorder' } },
      { type: 'crash', at: 3, node: 'n5' },
      { type: 'restart', at: 6, node: 'n5', durable: true },
      { type: 'pause', from: 4, until: 6, node: 'n2' },
    ],
    initialValues: {},
    callTimeoutMs: 1000,
    ...over,
  };
}

function placements(a: ToyEndpoint, b: ToyEndpoint): Placement[] {
  return [
    { endpoint: a, nodes: ['n1', 'n2', 'n3'] },
    { endpoint: b, nodes: ['n4', 'n5', 'n6'] },
  ];
}

async function run(s: LockstepSpec, opts: ToyOptions = {}) {
  const a = new ToyEndpoint(opts);
  const b = new ToyEndpoint(opts);
  const rec = new HistoryRecorder();
  const outcome = await runLockstep(s, placements(a, b), rec.record);
  return { outcome, rec, events: rec.events, a, b };
}

const ofType = <T extends HistoryEvent['t']>(events: HistoryEvent[], t: T) =>
  events.filter((e): e is EventOf<T> => e.t === t);

describe('runLockstep', () => {
  it('gives identical JSONL for the same seed and a different one for another seed', async () => {
    const one = await run(spec());
    const two = await run(spec());
    const other = await run(spec({ seed: 12 }));
    expect(one.outcome).toEqual({ completed: true, rounds: 12 });
    expect(one.rec.toJsonl()).toBe(two.rec.toJsonl());
    expect(other.rec.toJsonl()).not.toBe(one.rec.toJsonl());
    expect(one.events.at(-1)).toEqual({ t: 'end', r: 12, reason: 'completed' });
  });

  it('accounts for every envelope and respects faults', async () => {
    const { events } = await run(spec());
    const kinds = new Set(events.map((e) => e.t));
    for (const t of ['send', 'deliver', 'drop', 'delay', 'duplicate', 'fault', 'crash', 'restart', 'pause']) {
      expect(kinds).toContain(t);
    }
    const sends = new Map(ofType(events, 'send').map((e) => [e.id, e]));
    for (const d of ofType(events, 'duplicate')) sends.set(d.id, sends.get(d.of)!);
    // Ids come from one counter: 1..N without gaps.
    expect([...sends.keys()].sort((x, y) => x - y)).toEqual([...sends.keys()].map((_, i) => i + 1));
    for (const d of ofType(events, 'deliver')) {
      const s = sends.get(d.id)!;
      expect(d.hop).toBeGreaterThanOrEqual(1);
      expect(d.hop).toBeLessThanOrEqual(3);
      // The partition between the halves held over rounds 2..4.
      const cross = s.from <= 'n3' !== s.to <= 'n3';
      if (d.r >= 2 && d.r < 5) expect(cross).toBe(false);
      // n5 was crashed over rounds 3..5; n2 paused over rounds 4..5.
      if (d.r >= 3 && d.r < 6) expect(s.to).not.toBe('n5');
      if (d.r >= 4 && d.r < 6) expect(s.to).not.toBe('n2');
    }
    // Each envelope is delivered or dropped at most once.
    const ends = [...ofType(events, 'deliver'), ...ofType(events, 'drop')].map((e) => e.id);
    expect(new Set(ends).size).toBe(ends.length);
    const faultStart = ofType(events, 'fault').find(
      (e) => e.fault.kind === 'partition' && e.action === 'start',
    )!;
    expect(faultStart.r).toBe(2);
    expect(faultStart.edges).toHaveLength(18);
    expect(ofType(events, 'fault').find((e) => e.fault.kind === 'loss')?.edges).toEqual([]);
    const ticks = ofType(events, 'tick');
    expect(ticks.find((e) => e.r === 4)?.nodes).toEqual(['n1', 'n3', 'n4', 'n6']);
    expect(ticks.find((e) => e.r === 6)?.nodes).toEqual(NODES);
  });

  it('orders a round: round, schedule, updates, acks, hop-0 sends, tick, hops, reads', async () => {
    const { events } = await run(spec({ schedule: [], rounds: 2 }));
    const round1 = events.slice(events.findIndex((e) => e.t === 'round'));
    expect(round1.slice(0, 6).map((e) => e.t)).toEqual(['round', 'update', 'update', 'ack', 'ack', 'send']);
    const tickAt = round1.findIndex((e) => e.t === 'tick');
    expect(round1.slice(5, tickAt).every((e) => e.t === 'send' && e.hop === 0)).toBe(true);
    expect(events[0].t).toBe('run');
    expect(events[1]).toMatchObject({ t: 'init', implementation: 'toy', version: '1' });
    // Reads come only when a node's state changed, and all nodes at the end.
    const reads = ofType(events, 'read');
    expect(reads.filter((e) => e.final).map((e) => e.node)).toEqual(NODES);
    expect(reads.filter((e) => e.r === 1).map((e) => e.node)).toContain('n1');
    expect(reads.filter((e) => e.r === 2 && e.final)).toHaveLength(6);
  });

  it('passes per-node seeds, peers and durable restarts to the endpoint', async () => {
    const { a, b } = await run(spec());
    expect(a.calls[0]).toBe('init n1,n2,n3');
    expect(b.calls).toContain('stop n5 crash');
    expect(b.calls).toContain('init n5*');
    // Paused n2 is not ticked in round 4.
    expect(a.calls.filter((c) => c.startsWith('tick'))[3]).toBe('tick n1,n3');
  });

  it('carries replies beyond the hop limit to the next round', async () => {
    const { events } = await run(spec({ hopLimit: 1, schedule: [] }));
    const carried = ofType(events, 'delay');
    expect(carried.length).toBeGreaterThan(0);
    for (const d of carried) expect(d.until).toBe(d.r + 1);
    const sends = new Map(ofType(events, 'send').map((e) => [e.id, e]));
    for (const d of carried) expect(sends.get(d.id)?.hop).toBe(1);
    const delivered = new Set(ofType(events, 'deliver').map((e) => e.id));
    const early = carried.filter((d) => d.r < 2);
    expect(early.length).toBeGreaterThan(0);
    for (const d of early) expect(delivered.has(d.id)).toBe(true);
  });

  it('records run values in node order when initial values are given', async () => {
    const { events } = await run(spec({ rounds: 1, initialValues: { n2: 5, n1: 3 }, scenario: 'x/y' }));
    expect(events[0]).toMatchObject({ t: 'run', values: [3, 5, 0, 0, 0, 0], scenario: 'x/y' });
    const plain = await run(spec({ rounds: 1 }));
    expect(plain.events[0]).toMatchObject({ t: 'run', values: [] });
    expect('scenario' in plain.events[0]).toBe(false);
  });

  it('returns completed:false with a reason when a Tick never answers', async () => {
    const started = Date.now();
    const { outcome, events } = await run(spec({ callTimeoutMs: 200 }), { hangTick: true });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(outcome.completed).toBe(false);
    expect(outcome.rounds).toBe(0);
    expect(outcome.reason).toMatch(/Tick did not answer within 200 ms/);
    expect(outcome.reason).toMatch(/n1, n2, n3/);
    expect(events.at(-2)).toMatchObject({ t: 'error', r: 1, op: 'Tick', nodes: ['n1', 'n2', 'n3'] });
    expect(events.at(-1)).toEqual({ t: 'end', r: 1, reason: 'aborted' });
  });

  it('aborts with the error text when a Tick fails', async () => {
    const { outcome, events } = await run(spec(), { tickError: new Error('boom') });
    expect(outcome).toMatchObject({ completed: false });
    expect(outcome.reason).toMatch(/Tick failed: boom/);
    expect(events.at(-1)).toMatchObject({ t: 'end', reason: 'aborted' });
  });

  it('records a rejected Deliver and goes on', async () => {
    let calls = 0;
    const deliverError = () =>
      ++calls % 3 === 0 ? new ContractError('invalid-argument', 'garbage payload') : undefined;
    const { outcome, events } = await run(spec({ schedule: [] }), { deliverError });
    expect(outcome).toEqual({ completed: true, rounds: 12 });
    const errors = ofType(events, 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ op: 'Deliver' });
    expect(errors[0].message).toMatch(/invalid-argument: garbage payload/);
    const rejected = ofType(events, 'drop').filter((d) => d.reason === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    // A rejected envelope is never delivered.
    const delivered = new Set(ofType(events, 'deliver').map((e) => e.id));
    for (const d of rejected) expect(delivered.has(d.id)).toBe(false);
  });

  it('aborts on a Deliver failure that is not a rejection', async () => {
    const { outcome } = await run(spec(), { deliverError: () => new ContractError('unavailable', 'gone') });
    expect(outcome.completed).toBe(false);
    expect(outcome.reason).toMatch(/Deliver failed: unavailable: gone/);
  });

  it('drops envelopes to unknown nodes with one error per source and round', async () => {
    const { outcome, events } = await run(spec({ rounds: 2, schedule: [] }), { strayTo: 'ghost' });
    expect(outcome.completed).toBe(true);
    const drops = ofType(events, 'drop').filter((d) => d.reason === 'unknown-node');
    expect(drops).toHaveLength(12);
    const errors = ofType(events, 'error');
    expect(errors).toHaveLength(12);
    expect(errors[0]).toMatchObject({ r: 1, op: 'Tick', nodes: ['n1'] });
    expect(errors[0].message).toMatch(/unknown node "ghost"/);
  });

  it('honours an abort signal between rounds', async () => {
    const ctl = new AbortController();
    const rec = new HistoryRecorder();
    const outcome = await runLockstep(
      spec(),
      placements(new ToyEndpoint(), new ToyEndpoint()),
      (e) => {
        rec.record(e);
        if (e.t === 'round' && e.r === 3) ctl.abort();
      },
      ctl.signal,
    );
    expect(outcome).toMatchObject({ completed: false, rounds: 3 });
    expect(rec.events.at(-1)).toEqual({ t: 'end', r: 3, reason: 'aborted' });
  });

  it('throws for an invalid spec', async () => {
    const a = new ToyEndpoint();
    await expect(runLockstep(spec(), [{ endpoint: a, nodes: NODES.slice(1) }], () => {})).rejects.toThrow(
      /n1/,
    );
    await expect(
      runLockstep(spec({ hopLimit: 0 }), [{ endpoint: a, nodes: NODES }], () => {}),
    ).rejects.toThrow();
  });
});

describe('callWithDeadline', () => {
  it('settles once and swallows a late rejection', async () => {
    let reject: (e: Error) => void = () => {};
    const late = new Promise<number>((_, rej) => {
      reject = rej;
    });
    const res = await callWithDeadline(() => late, 20, 'Read');
    expect(res).toEqual({ ok: false, message: 'Read did not answer within 20 ms', rejected: false });
    reject(new Error('too late')); // must not become an unhandled rejection
    expect(await callWithDeadline(() => Promise.resolve(4), 1000, 'Read')).toEqual({ ok: true, value: 4 });
    const sync = await callWithDeadline(
      () => {
        throw new ContractError('not-found', 'x');
      },
      1000,
      'Deliver',
    );
    expect(sync).toEqual({ ok: false, message: 'Deliver failed: not-found: x', rejected: true });
  });
});
