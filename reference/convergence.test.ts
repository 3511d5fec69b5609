import { describe, expect, it } from 'vitest';
import {
  type Ack,
  compareVersions,
  type Entry,
  type Envelope,
  type Parameters,
  type Variant,
  type Write,
} from '../proto/contract.js';
import { Rng } from '../shared/prng.js';
import { ReferenceHost } from './host.js';
import { fullMesh, nodeIds, params, runRound, write } from './testing/drive.js';

type Plain = Pick<Entry, 'key' | 'value' | 'version'>;

function plain(entries: Entry[]): Plain[] {
  return entries.map(({ key, value, version }) => ({ key, value, version }));
}

/** The last-writer-wins winner of every key among the acknowledged writes. */
function winners(writes: Write[], acks: Ack[]): Plain[] {
  const best = new Map<string, Plain>();
  acks.forEach((ack, i) => {
    const cur = best.get(ack.key);
    if (!cur || compareVersions(ack.version, cur.version) > 0) {
      best.set(ack.key, { key: ack.key, value: writes[i].value, version: ack.version });
    }
  });
  return [...best.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

const KV_VARIANTS: Array<[Variant, Partial<Parameters>]> = [
  ['direct-mail', {}],
  ['anti-entropy-push', {}],
  ['anti-entropy-pull', {}],
  ['anti-entropy-push-pull', {}],
  ['anti-entropy-push-pull', { fanout: 2 }],
  ['hybrid', { lossOfInterest: 'feedback-counter', rumorK: 1, antiEntropyEvery: 3 }],
  ['hybrid', { lossOfInterest: 'blind-coin', rumorK: 2, antiEntropyEvery: 2 }],
];

interface Run {
  host: ReferenceHost;
  ids: string[];
  expected: Plain[];
  rounds: number;
}

async function converge(variant: Variant, extra: Partial<Parameters>, n: number, seed: number): Promise<Run> {
  const host = new ReferenceHost();
  const ids = nodeIds(n);
  await host.init(fullMesh(ids, seed), params({ variant, ...extra }), 'lockstep');
  const rng = new Rng(seed ^ 0x5eed);
  const pick = () => ids[rng.int(n)];
  const writes: Write[] = [];
  const acks: Ack[] = [];
  const doWrites = async (batch: Write[]) => {
    const r = await write(host, batch);
    expect(r.undelivered).toEqual([]);
    writes.push(...batch);
    acks.push(...r.acks);
  };
  await doWrites([
    { node: pick(), key: 'alpha', value: 'a1' },
    { node: pick(), key: 'beta', value: 'b1' },
  ]);
  await runRound(host, ids);
  // Two concurrent writes to one key at different nodes: the greater origin wins.
  await doWrites([
    { node: ids[0], key: 'shared', value: 'from-0' },
    { node: ids[n - 1], key: 'shared', value: 'from-last' },
    { node: pick(), key: 'alpha', value: 'a2' },
    { node: pick(), key: 'gamma', value: 'g1' },
  ]);
  const expected = winners(writes, acks);
  expect(expected.find((e) => e.key === 'shared')?.value).toBe('from-last');
  for (let round = 1; round <= 200; round++) {
    const r = await runRound(host, ids);
    expect(r.undelivered).toEqual([]);
    const snaps = await host.read(ids);
    if (snaps.every((s) => JSON.stringify(plain(s.entries)) === JSON.stringify(expected))) {
      return { host, ids, expected, rounds: round };
    }
  }
  const snaps = await host.read(ids);
  expect(snaps.map((s) => plain(s.entries))).toEqual(ids.map(() => expected));
  throw new Error('unreachable');
}

function valueCarrying(sent: Envelope[]): Envelope[] {
  return sent.filter((e) => e.keys.length > 0);
}

describe('key/value variants converge to the last-writer-wins winners', () => {
  for (const [variant, extra] of KV_VARIANTS) {
    for (const n of [3, 8, 64]) {
      it(`${variant} ${JSON.stringify(extra)} n=${n}`, async () => {
        const { host, ids, rounds } = await converge(variant, extra, n, 1000 + n);
        expect(rounds).toBeLessThanOrEqual(variant === 'hybrid' ? 120 : 40);
        // Once converged (and rumors have died down) no value travels any more.
        let sent: Envelope[] = [];
        for (let i = 0; i < 100; i++) {
          sent = (await runRound(host, ids)).sent;
          const infective = (await host.read(ids)).some((s) =>
            s.entries.some((e) => e.status === 'infective'),
          );
          if (!infective && !sent.some((e) => e.kind === 'rumor')) break;
        }
        // Long enough for the hybrid's periodic anti-entropy to run too.
        const after: Envelope[] = [];
        for (let i = 0; i < (extra.antiEntropyEvery ?? 1); i++)
          after.push(...(await runRound(host, ids)).sent);
        expect(valueCarrying(after)).toEqual([]);
        if (variant !== 'direct-mail') expect(after.some((e) => e.kind === 'digest')).toBe(true);
      });
    }
  }
});

describe('anti-entropy ships only what the peer lacks', () => {
  it('a digest exchange with an identical peer carries no values; a divergent key carries exactly it', async () => {
    const host = new ReferenceHost();
    const ids = nodeIds(2);
    await host.init(fullMesh(ids, 7), params({ variant: 'anti-entropy-push-pull' }), 'lockstep');
    await host.update([
      { node: 'n0', key: 'a', value: '1' },
      { node: 'n0', key: 'b', value: '2' },
    ]);
    await runRound(host, ids);
    await host.update([{ node: 'n1', key: 'b', value: '3' }]);
    const r = await runRound(host, ids);
    // Both nodes initiate; only key b is newer anywhere, and only n1 has it.
    for (const e of valueCarrying(r.sent)) {
      expect(e.keys).toEqual(['b']);
      expect(e.from).toBe('n1');
    }
    expect(valueCarrying(r.sent).length).toBeGreaterThan(0);
  });
});

describe('payload limit', () => {
  it('an oversize store is split into messages within max_payload_bytes and still converges', async () => {
    const host = new ReferenceHost();
    const ids = nodeIds(8);
    const max = 300;
    await host.init(
      fullMesh(ids, 99),
      params({ variant: 'anti-entropy-push-pull', maxPayloadBytes: max }),
      'lockstep',
    );
    const writes: Write[] = [];
    for (let i = 0; i < 60; i++) {
      writes.push({ node: ids[i % 8], key: `key-${String(i).padStart(3, '0')}`, value: 'v'.repeat(20 + i) });
    }
    await host.update(writes);
    let done = false;
    for (let round = 0; round < 60 && !done; round++) {
      const r = await runRound(host, ids);
      for (const e of r.sent) expect(e.payload.length).toBeLessThanOrEqual(max);
      const snaps = await host.read(ids);
      done = snaps.every((s) => s.entries.length === 60);
    }
    expect(done).toBe(true);
    const after = await runRound(host, ids);
    expect(valueCarrying(after.sent)).toEqual([]);
    expect(after.sent.filter((e) => e.kind === 'digest').length).toBeGreaterThan(8); // split digests
  });
});
