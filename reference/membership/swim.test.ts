// The SWIM core alone (sans-I/O): a few cores wired by an in-memory network
// that can silence a member, so each rule of the protocol is seen at the
// tick it should act: probe, suspicion, death, refutation, dissemination
// count, leave.
import { describe, expect, test } from 'vitest';
import type { Member, MembershipParams, NodeId } from '../../proto/contract.js';
import { Rng } from '../../shared/prng.js';
import type { Message } from '../messages.js';
import { Store } from '../store.js';
import { overrides, SwimCore } from './swim.js';

const P: MembershipParams = {
  probePeriod: 2,
  indirectProbes: 1,
  suspicionPeriods: 2,
  retransmitMult: 1,
  pushPullPeriods: 1000,
};

/** n cores, full mesh; `silent` members neither receive nor send (a crash the others must find). */
class Net {
  readonly cores = new Map<NodeId, SwimCore>();
  readonly silent = new Set<NodeId>();
  /** Every message sent, by type. */
  readonly sent = new Map<string, number>();
  private queue: { from: NodeId; to: NodeId; msg: Message }[] = [];

  constructor(ids: NodeId[], p: MembershipParams = P) {
    for (const id of ids) {
      const core = new SwimCore({
        id,
        writer: id,
        peers: ids.filter((x) => x !== id),
        params: {
          variant: 'membership-swim',
          fanout: 1,
          lossOfInterest: 'feedback-counter',
          rumorK: 1,
          antiEntropyEvery: 1,
          membership: p,
        },
        rng: new Rng(ids.indexOf(id) + 1),
        store: new Store(new Map()),
        initialValue: 0,
      });
      this.cores.set(id, core);
    }
  }

  private outbox(from: NodeId) {
    return {
      send: (to: NodeId, msg: Message) => {
        this.sent.set(msg.t, (this.sent.get(msg.t) ?? 0) + 1);
        if (!this.silent.has(from)) this.queue.push({ from, to, msg });
      },
    };
  }

  /** One tick of every core, then deliveries until quiet (replies within the tick). */
  tick(): void {
    for (const [id, core] of this.cores) if (!this.silent.has(id)) core.tick(this.outbox(id));
    for (let hop = 0; hop < 8 && this.queue.length; hop++) {
      const batch = this.queue;
      this.queue = [];
      for (const { from, to, msg } of batch)
        if (!this.silent.has(to)) this.cores.get(to)!.receive(from, msg, this.outbox(to));
    }
  }

  run(ticks: number): void {
    for (let i = 0; i < ticks; i++) this.tick();
  }

  statusOf(holder: NodeId, member: NodeId): Member | undefined {
    return this.cores
      .get(holder)!
      .view()
      .find((m) => m.id === member);
  }
}

const ids = ['n0', 'n1', 'n2', 'n3'];

describe('SWIM precedence (Das et al. 2002 §4.2; the contract MemberStatus)', () => {
  test('a higher incarnation overrides anything; at equal ones suspect > alive, dead > suspect, left > dead', () => {
    expect(overrides(1, 'alive', 0, 'dead')).toBe(true);
    expect(overrides(0, 'suspect', 0, 'alive')).toBe(true);
    expect(overrides(0, 'dead', 0, 'suspect')).toBe(true);
    expect(overrides(0, 'left', 0, 'dead')).toBe(true);
    expect(overrides(0, 'alive', 0, 'suspect')).toBe(false);
    expect(overrides(0, 'dead', 1, 'alive')).toBe(false);
    expect(overrides(0, 'alive', 0, 'alive')).toBe(false);
  });
});

describe('SwimCore', () => {
  test('with every member answering, nobody is ever suspected', () => {
    const net = new Net(ids);
    net.run(40);
    for (const a of ids)
      for (const b of ids) expect(net.statusOf(a, b)?.status, `${a} holds ${b}`).toBe('alive');
    expect(net.sent.get('ping') ?? 0).toBeGreaterThan(0);
    // Every ping is answered directly: no indirect probe is ever needed.
    expect(net.sent.get('ping-req') ?? 0).toBe(0);
  });

  test('a silent member is suspected after one period, dead after S more, everywhere', () => {
    const net = new Net(ids);
    net.run(4);
    net.silent.add('n3');
    // Round-robin over 3 others: within 3 periods some member probes n3 (§4.3).
    let suspectedAt = -1;
    for (let t = 0; t < 3 * P.probePeriod + 2 && suspectedAt < 0; t++) {
      net.tick();
      if (['n0', 'n1', 'n2'].some((x) => net.statusOf(x, 'n3')?.status === 'suspect')) suspectedAt = t;
    }
    expect(suspectedAt).toBeGreaterThanOrEqual(0);
    // Not dead before the suspicion timeout...
    expect(['n0', 'n1', 'n2'].every((x) => net.statusOf(x, 'n3')?.status !== 'dead')).toBe(true);
    // ...and dead at every live member once S periods (plus dissemination) have passed.
    net.run((P.suspicionPeriods + 4) * P.probePeriod);
    for (const x of ['n0', 'n1', 'n2']) expect(net.statusOf(x, 'n3')?.status, x).toBe('dead');
  });

  test('a suspected member that is alive refutes with a higher incarnation; the group converges to alive', () => {
    const net = new Net(ids);
    net.run(4);
    // n3 misses probes for one period only: long enough to be suspected, shorter than S.
    net.silent.add('n3');
    while (!['n0', 'n1', 'n2'].some((x) => net.statusOf(x, 'n3')?.status === 'suspect')) net.tick();
    net.silent.delete('n3');
    net.run(10 * P.probePeriod);
    for (const x of ids) {
      const m = net.statusOf(x, 'n3');
      expect(m?.status, x).toBe('alive');
      expect(m?.incarnation, x).toBeGreaterThanOrEqual(1);
    }
  });

  test('retransmit limit is ceil(lambda * log2(n + 1)), n the members held alive or suspect with itself', () => {
    const net = new Net(ids, { ...P, retransmitMult: 3 });
    expect(net.cores.get('n0')!.retransmitLimit()).toBe(Math.ceil(3 * Math.log2(4 + 1)));
  });

  test('a clean leave is learned as left, never dead', () => {
    const net = new Net(ids);
    net.run(4);
    const out = {
      send: (to: NodeId, msg: Message) => net.cores.get(to)!.receive('n2', msg, { send: () => {} }),
    };
    net.cores.get('n2')!.leave(out);
    net.silent.add('n2');
    net.run((P.suspicionPeriods + 6) * P.probePeriod);
    for (const x of ['n0', 'n1', 'n3']) expect(net.statusOf(x, 'n2')?.status, x).toBe('left');
  });
});
