import { describe, expect, it } from 'vitest';
import { LOSS_OF_INTEREST, type LossOfInterest, type Variant } from '../proto/contract.js';
import { decode, encode } from './codec.js';
import { ReferenceHost } from './host.js';
import type { FeedbackMessage, Message } from './messages.js';
import { fullMesh, nodeIds, params, runRound, write } from './testing/drive.js';

interface Outcome {
  rounds: number;
  holders: number;
  rumorsInLastRound: number;
}

async function spread(
  variant: Variant,
  rule: LossOfInterest,
  k: number,
  n: number,
  seed: number,
  fanout = 1,
): Promise<Outcome> {
  const host = new ReferenceHost();
  const ids = nodeIds(n);
  await host.init(
    fullMesh(ids, seed),
    params({ variant, lossOfInterest: rule, rumorK: k, fanout }),
    'lockstep',
  );
  const w = await write(host, [
    { node: ids[0], key: 'rumor', value: 'hello' },
    { node: ids[n - 1], key: 'other', value: 'world' },
  ]);
  expect(w.sent).toEqual([]); // rumors go out on the next tick, not at write time
  expect((await host.read([ids[0]]))[0].entries.map((e) => e.status)).toEqual(['infective']);
  let rounds = 0;
  for (; rounds < 500; rounds++) {
    const r = await runRound(host, ids);
    expect(r.undelivered).toEqual([]);
    const snaps = await host.read(ids);
    if (!snaps.some((s) => s.entries.some((e) => e.status === 'infective'))) break;
  }
  const snaps = await host.read(ids);
  for (const s of snaps) {
    for (const e of s.entries) {
      // Nobody is infective; whoever holds a key holds the written version.
      expect(e.status).toBe('removed');
      expect(e.version.counter).toBe(1);
    }
  }
  // Traffic about the rumors has stopped: no rumor envelope in a further round.
  const last = await runRound(host, ids);
  const rumorsInLastRound = last.sent.filter((e) => e.kind === 'rumor').length;
  expect(rumorsInLastRound).toBe(0);
  const holders = snaps.filter((s) => s.entries.some((e) => e.key === 'rumor')).length;
  return { rounds, holders, rumorsInLastRound };
}

describe('rumor mongering terminates (SIR)', () => {
  for (const variant of ['rumor-push', 'rumor-pull'] as const) {
    for (const rule of LOSS_OF_INTEREST) {
      for (const n of [8, 64]) {
        it(`${variant} ${rule} k=3 n=${n}`, async () => {
          const o = await spread(variant, rule, 3, n, 42 + n);
          expect(o.rounds).toBeLessThan(500);
          // Loose residue band (push residue is about e^-m; k=3 leaves little).
          expect(o.holders).toBeGreaterThanOrEqual(n === 64 ? 48 : 4);
        });
      }
    }
    it(`${variant} feedback-counter k=1 n=64 (residue allowed)`, async () => {
      const o = await spread(variant, 'feedback-counter', 1, 64, 5);
      expect(o.rounds).toBeLessThan(500);
      expect(o.holders).toBeGreaterThanOrEqual(16);
    });
  }
});

function msgOf(payload: Uint8Array): Message {
  const d = decode(payload);
  if (!d.ok) throw new Error(d.error);
  return d.msg;
}

async function pair(variant: Variant, rule: LossOfInterest, k: number): Promise<ReferenceHost> {
  const host = new ReferenceHost();
  await host.init(fullMesh(nodeIds(2), 3), params({ variant, lossOfInterest: rule, rumorK: k }), 'lockstep');
  return host;
}

async function statusOf(host: ReferenceHost, node: string): Promise<string | undefined> {
  return (await host.read([node]))[0].entries.find((e) => e.key === 'x')?.status;
}

describe('rumor mechanics', () => {
  it('a contact is unnecessary only when the recipient knew the version before its round began', async () => {
    const host = await pair('rumor-push', 'feedback-counter', 5);
    const rumor = encode({ t: 'rumor', entries: [{ k: 'x', v: 'v', c: 1, o: 'n0' }] });
    const env = { from: 'n0', to: 'n1', payload: rumor, kind: 'rumor', keys: ['x'] };
    await host.tick(['n1']); // n1 is in round 1
    // Twice in the same round: both necessary (n1 learned it during this round).
    const replies = await host.deliver([env, env]);
    expect(replies.map((e) => (msgOf(e.payload) as FeedbackMessage).items[0].u)).toEqual([false, false]);
    expect(replies.every((e) => e.kind === 'feedback' && e.keys.length === 0 && e.to === 'n0')).toBe(true);
    await host.tick(['n1']); // round 2: known since round 1, so unnecessary now
    const later = await host.deliver([env]);
    expect((msgOf(later[0].payload) as FeedbackMessage).items).toEqual([{ k: 'x', c: 1, o: 'n0', u: true }]);
  });

  it('feedback-counter: k consecutive unnecessary contacts remove the rumor', async () => {
    const host = await pair('rumor-push', 'feedback-counter', 2);
    const ids = nodeIds(2);
    await host.update([{ node: 'n0', key: 'x', value: 'v' }]);
    await runRound(host, ids); // n0 -> n1 necessary
    expect(await statusOf(host, 'n0')).toBe('infective');
    await runRound(host, ids); // both push, both unnecessary: count 1
    expect(await statusOf(host, 'n0')).toBe('infective');
    await runRound(host, ids); // count 2 = k
    expect(await statusOf(host, 'n0')).toBe('removed');
    expect(await statusOf(host, 'n1')).toBe('removed');
    expect((await runRound(host, ids)).sent).toEqual([]);
  });

  it('blind-counter: the sender gives up after k contacts, with no feedback traffic', async () => {
    const host = await pair('rumor-push', 'blind-counter', 2);
    const ids = nodeIds(2);
    await host.update([{ node: 'n0', key: 'x', value: 'v' }]);
    const r1 = await runRound(host, ids);
    expect(r1.sent.map((e) => e.kind)).toEqual(['rumor']);
    await runRound(host, ids);
    expect(await statusOf(host, 'n0')).toBe('removed');
    expect(await statusOf(host, 'n1')).toBe('infective'); // learned in round 1, one contact so far
    await runRound(host, ids);
    expect(await statusOf(host, 'n1')).toBe('removed');
  });

  it('pull: pullers ask every period, holders of hot rumors answer, the puller gives feedback', async () => {
    const host = await pair('rumor-pull', 'feedback-counter', 1);
    const ids = nodeIds(2);
    await host.update([{ node: 'n0', key: 'x', value: 'v' }]);
    const r = await runRound(host, ids);
    expect(r.sent.map((e) => `${e.kind}:${e.from}->${e.to}:${e.keys.join(',')}`)).toEqual([
      'pull:n0->n1:',
      'pull:n1->n0:',
      'rumor:n0->n1:x',
      'feedback:n1->n0:',
    ]);
    expect(await statusOf(host, 'n1')).toBe('infective');
  });
});
