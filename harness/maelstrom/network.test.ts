// The Maelstrom adapter's edge (line <-> Envelope) and its network, which
// hands every line to the kit's Router: unit tests in virtual time (fake
// timers), no process.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Envelope } from '../../proto/contract.js';
import { Rng } from '../../shared/prng.js';
import type { LinkFault } from '../faults/schedule.js';
import { envelopeToLine, lineKeys, lineToEnvelope } from './edge.js';
import type { MaelstromEvent } from './history.js';
import { MaelstromNetwork, nodeEdgesOnly } from './network.js';
import { type Body, parseLine } from './protocol.js';

const NODES = ['n0', 'n1', 'n2', 'n3'];
const CLIENTS = ['c0', 'c1', 'c2', 'c3', 'c4'];
const isNode = (id: string) => NODES.includes(id);

/** A line as a node or client writes it, and its Envelope. */
function line(src: string, dest: string, body: Body): { text: string; env: Envelope } {
  const text = JSON.stringify({ src, dest, body });
  return { text, env: lineToEnvelope(src, dest, text, body, isNode) };
}

describe('the edge: a Maelstrom line <-> an Envelope', () => {
  it('carries the line byte for byte, with body.type as kind', () => {
    const { text, env } = line('n0', 'n1', { type: 'gossip', msg_id: 3, message: 'é€' });
    expect(env.from).toBe('n0');
    expect(env.to).toBe('n1');
    expect(env.kind).toBe('gossip');
    // UTF-8 bytes, not UTF-16 units: the Router's `bytes` are bytes.
    expect(env.payload.length).toBe(Buffer.byteLength(text, 'utf8'));
    expect(env.payload.length).toBeGreaterThan(text.length);
    expect(envelopeToLine(env)).toBe(text);
    const back = parseLine(envelopeToLine(env));
    expect(back.ok && back.env.body).toEqual({ type: 'gossip', msg_id: 3, message: 'é€' });
  });

  it('keys: the values a node-to-node body carries, a client broadcast its message, else none', () => {
    expect(
      line('n0', 'n1', { type: 'gossip', msg_id: 9, message: 4, batch: [5, '6'] }).env.keys.sort(),
    ).toEqual(['"6"', '4', '5', '6']);
    expect(line('c1', 'n0', { type: 'broadcast', msg_id: 1, message: 7 }).env.keys).toEqual(['7']);
    expect(line('c1', 'n0', { type: 'read', msg_id: 2 }).env.keys).toEqual([]);
    // A reply to a client hands no node a value, whatever it lists.
    expect(line('n0', 'c1', { type: 'read_ok', in_reply_to: 2, messages: [1, 2] }).env.keys).toEqual([]);
    expect(lineKeys('n0', 'n1', { type: 'gossip_ok', in_reply_to: 9 }, isNode)).toEqual([]);
  });
});

describe('nodeEdgesOnly: a fault as the Router applies it in a Maelstrom run', () => {
  it('narrows every non-partition fault to node -> node edges', () => {
    expect(nodeEdgesOnly({ kind: 'loss', probability: 0.3 }, NODES)).toEqual({
      kind: 'loss',
      probability: 0.3,
      edges: { from: NODES, to: NODES },
    });
    expect(nodeEdgesOnly({ kind: 'reorder', edges: { from: ['n1', 'c2'] } }, NODES)).toEqual({
      kind: 'reorder',
      edges: { from: ['n1'], to: NODES },
    });
  });

  it('leaves partitions as they are (their groups name nodes only)', () => {
    const p: LinkFault = {
      kind: 'partition',
      shape: 'halves',
      groups: [
        ['n0', 'n1'],
        ['n2', 'n3'],
      ],
    };
    expect(nodeEdgesOnly(p, NODES)).toBe(p);
  });
});

describe('MaelstromNetwork: every line through the Router, in virtual ms', () => {
  let events: MaelstromEvent[];
  let delivered: { to: string; line: string; r: number }[];
  let t0: number;

  beforeEach(() => {
    vi.useFakeTimers();
    t0 = Date.now();
    events = [];
    delivered = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const network = (latencyMs: number, seed = 1) => {
    const now = () => Date.now() - t0;
    return new MaelstromNetwork({
      nodes: NODES,
      clients: CLIENTS,
      rng: new Rng(seed),
      latencyMs,
      now,
      record: (e) => events.push(e),
      deliver: (to, env) => delivered.push({ to, line: envelopeToLine(env), r: now() }),
    });
  };
  const of = <T extends MaelstromEvent['t']>(t: T) =>
    events.filter((e): e is Extract<MaelstromEvent, { t: T }> => e.t === t);

  it('gives every line the base latency, as a Router delay, and delivers it then', async () => {
    const net = network(100);
    const a = line('c1', 'n0', { type: 'broadcast', msg_id: 1, message: 1 });
    net.send(a.env);
    expect(events).toEqual([
      {
        t: 'send',
        r: 0,
        hop: 0,
        id: 1,
        from: 'c1',
        to: 'n0',
        kind: 'broadcast',
        keys: ['1'],
        bytes: a.text.length,
      },
      { t: 'delay', r: 0, id: 1, until: 100 },
    ]);
    await vi.advanceTimersByTimeAsync(99);
    expect(delivered).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(delivered).toEqual([{ to: 'n0', line: a.text, r: 100 }]);
    expect(events.at(-1)).toEqual({ t: 'deliver', r: 100, hop: 0, id: 1 });
    expect(net.inFlight).toBe(0);
    net.close();
  });

  it('lets the Router cut, lose, duplicate node lines; client lines get none of it', async () => {
    const net = network(0);
    const cut: LinkFault = {
      kind: 'partition',
      shape: 'halves',
      groups: [
        ['n0', 'n1'],
        ['n2', 'n3'],
      ],
    };
    net.addFault(cut);
    net.addFault({ kind: 'duplicate', probability: 1 });
    net.send(line('n0', 'n2', { type: 'gossip', msg_id: 1, message: 1 }).env); // id 1: cut
    net.send(line('n0', 'n1', { type: 'gossip', msg_id: 2, message: 1 }).env); // id 2 + copy 3
    net.send(line('n0', 'c1', { type: 'broadcast_ok', in_reply_to: 1 }).env); // id 4: no copy
    net.send(line('c3', 'n2', { type: 'read', msg_id: 5 }).env); // id 5: no copy, not cut
    const loss: LinkFault = { kind: 'loss', probability: 1 };
    net.addFault(loss);
    net.send(line('n1', 'n0', { type: 'gossip_ok', in_reply_to: 2 }).env); // id 6: lost
    net.send(line('n2', 'c3', { type: 'read_ok', in_reply_to: 5, messages: [] }).env); // id 7: passes
    await vi.runAllTimersAsync();
    expect(of('drop')).toEqual([
      { t: 'drop', r: 0, id: 1, reason: 'partition' },
      { t: 'drop', r: 0, id: 6, reason: 'loss' },
    ]);
    expect(of('duplicate')).toEqual([{ t: 'duplicate', r: 0, id: 3, of: 2 }]);
    expect(of('deliver').map((e) => e.id)).toEqual([2, 3, 4, 5, 7]);
    expect(delivered.map((d) => d.to)).toEqual(['n1', 'n1', 'c1', 'n2', 'c3']);
    net.removeFault(cut);
    net.removeFault(loss);
    net.send(line('n0', 'n2', { type: 'gossip', msg_id: 8, message: 1 }).env); // healed: id 8 + copy 9
    await vi.runAllTimersAsync();
    expect(
      of('deliver')
        .map((e) => e.id)
        .slice(-2),
    ).toEqual([8, 9]);
    net.close();
  });

  it('shuffles the lines due together under a reorder fault (seeded), node edges only', async () => {
    const order = async (seed: number, faults: LinkFault[]) => {
      delivered = [];
      const net = network(10, seed);
      for (const f of faults) net.addFault(f);
      for (let i = 0; i < 8; i++) net.send(line('n0', 'n1', { type: 'gossip', msg_id: i, message: i }).env);
      net.send(line('n2', 'c3', { type: 'read_ok', in_reply_to: 1, messages: [] }).env);
      await vi.runAllTimersAsync();
      net.close();
      return delivered.map((d) => (parseLine(d.line) as { ok: true; env: { body: Body } }).env.body);
    };
    const plain = await order(4, []);
    expect(plain.map((b) => b.msg_id ?? b.type)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 'read_ok']);
    const shuffled = await order(4, [{ kind: 'reorder' }]);
    const ids = shuffled.map((b) => b.msg_id ?? b.type);
    expect(ids).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 'read_ok']);
    expect(ids.slice(0, 8).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // The client line is on no node edge: it keeps its place.
    expect(ids[8]).toBe('read_ok');
  });

  it('a crashed node gets nothing; a booting one gets client lines only', async () => {
    const net = network(5);
    net.send(line('n1', 'n0', { type: 'gossip', msg_id: 1, message: 1 }).env); // id 1, in flight
    net.crash('n0');
    expect(net.isCrashed('n0')).toBe(true);
    net.send(line('c0', 'n0', { type: 'init', msg_id: 2, node_id: 'n0', node_ids: NODES }).env); // id 2
    await vi.runAllTimersAsync();
    expect(of('drop')).toEqual([
      { t: 'drop', r: 0, id: 2, reason: 'crashed' },
      { t: 'drop', r: 5, id: 1, reason: 'crashed' },
    ]);
    net.restart('n0');
    expect(net.isCrashed('n0')).toBe(false);
    net.send(line('n1', 'n0', { type: 'gossip', msg_id: 3, message: 1 }).env); // id 3: booting
    net.send(line('c0', 'n0', { type: 'init', msg_id: 4, node_id: 'n0', node_ids: NODES }).env); // id 4
    await vi.runAllTimersAsync();
    expect(of('drop').at(-1)).toEqual({ t: 'drop', r: 10, id: 3, reason: 'crashed' });
    expect(of('deliver').map((e) => e.id)).toEqual([4]);
    net.booted('n0');
    net.send(line('n1', 'n0', { type: 'gossip', msg_id: 5, message: 1 }).env); // id 5
    await vi.runAllTimersAsync();
    expect(of('deliver').map((e) => e.id)).toEqual([4, 5]);
    expect(delivered.map((d) => d.to)).toEqual(['n0', 'n0']);
    net.close();
  });

  it('delivers nothing after close', async () => {
    const net = network(5);
    net.send(line('c1', 'n0', { type: 'read', msg_id: 1 }).env);
    net.close();
    net.send(line('c1', 'n0', { type: 'read', msg_id: 2 }).env);
    await vi.runAllTimersAsync();
    expect(delivered).toEqual([]);
    expect(of('send')).toHaveLength(1);
  });
});
