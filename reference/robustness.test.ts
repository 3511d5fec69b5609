import { describe, expect, it } from 'vitest';
import { ContractError, type Envelope, type Parameters, VARIANTS, type Variant } from '../proto/contract.js';
import { Rng } from '../shared/prng.js';
import { encode } from './codec.js';
import { ReferenceHost } from './host.js';
import { fullMesh, nodeIds, params, runRound } from './testing/drive.js';

const ids = nodeIds(3);

async function warmHost(maxPayloadBytes = 4096): Promise<ReferenceHost> {
  const host = new ReferenceHost();
  await host.init(
    fullMesh(ids, 11),
    params({ variant: 'anti-entropy-push-pull', maxPayloadBytes }),
    'lockstep',
  );
  await host.update([
    { node: 'n0', key: 'a', value: '1' },
    { node: 'n1', key: 'b', value: '2' },
  ]);
  await runRound(host, ids);
  return host;
}

function env(payload: Uint8Array, to = 'n1'): Envelope {
  return { from: 'n0', to, payload, kind: 'x', keys: [] };
}

async function expectRejected(
  host: ReferenceHost,
  batch: Envelope[],
  code: ContractError['code'],
  message: RegExp,
): Promise<void> {
  const before = await host.read(ids);
  const err = await host.deliver(batch).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ContractError);
  expect((err as ContractError).code).toBe(code);
  expect((err as ContractError).message).toMatch(message);
  expect(await host.read(ids)).toEqual(before);
}

const validEntries = encode({ t: 'entries', entries: [{ k: 'new', v: 'x', c: 9, o: 'n0' }] });

describe('bad input is refused whole, with a clear error, and changes nothing', () => {
  it('garbage payload bytes', async () => {
    const host = await warmHost();
    const rng = new Rng(5);
    const garbage = Uint8Array.from({ length: 40 }, () => rng.int(256));
    await expectRejected(
      host,
      [env(garbage)],
      'invalid-argument',
      /^envelope 0 from n0 to n1: payload is not a valid gossipcheck-reference message: /,
    );
  });

  it('garbage after a valid envelope in the same batch', async () => {
    const host = await warmHost();
    await expectRejected(
      host,
      [env(validEntries), env(new TextEncoder().encode('{"t":"entries","entries":[{"k":1}]}'))],
      'invalid-argument',
      /^envelope 1 from n0 to n1: .*entries\[0\]/,
    );
  });

  it('unknown destination node', async () => {
    const host = await warmHost();
    await expectRejected(
      host,
      [env(validEntries), env(validEntries, 'nope')],
      'not-found',
      /envelope 1: unknown node 'nope'/,
    );
  });

  it('oversize payload', async () => {
    const host = await warmHost(100);
    await expectRejected(
      host,
      [env(validEntries), env(new Uint8Array(101))],
      'invalid-argument',
      /^envelope 1 from n0 to n1: payload of 101 bytes exceeds max_payload_bytes 100$/,
    );
  });

  it("a message of another variant's type", async () => {
    const host = await warmHost();
    await expectRejected(
      host,
      [env(encode({ t: 'pushsum', s: 1, w: 1 }))],
      'invalid-argument',
      /message type 'pushsum' does not belong/,
    );
  });

  it('a stopped node', async () => {
    const host = await warmHost();
    await host.stop(['n2'], 'crash');
    await expect(host.deliver([env(validEntries, 'n2')])).rejects.toMatchObject({
      code: 'failed-precondition',
      message: "envelope 0: node 'n2' is stopped",
    });
    for (const call of [() => host.tick(['n2']), () => host.read(['n2']), () => host.stop(['n2'], 'clean')]) {
      await expect(call()).rejects.toMatchObject({
        code: 'failed-precondition',
        message: "node 'n2' is stopped",
      });
    }
    await expect(host.tick(['zz'])).rejects.toMatchObject({
      code: 'not-found',
      message: "unknown node 'zz'",
    });
  });

  it('the valid batch itself applies', async () => {
    const host = await warmHost();
    await host.deliver([env(validEntries)]);
    const [snap] = await host.read(['n1']);
    expect(snap.entries.find((e) => e.key === 'new')?.version).toEqual({ counter: 9, origin: 'n0' });
  });
});

describe('init validation', () => {
  const nodes = fullMesh(ids, 1);
  const cases: Array<[string, Partial<Parameters> & { variant: Variant }, RegExp]> = [
    ['unknown variant', { variant: 'gossip-magic' as Variant }, /unknown variant 'gossip-magic'/],
    ['fanout 0', { variant: 'anti-entropy-pull', fanout: 0 }, /fanout must be an integer >= 1/],
    ['rumorK 0', { variant: 'rumor-push', rumorK: 0 }, /rumor_k/],
    ['antiEntropyEvery 0', { variant: 'hybrid', antiEntropyEvery: 0 }, /anti_entropy_every/],
    ['negative max payload', { variant: 'push-sum', maxPayloadBytes: -1 }, /max_payload_bytes/],
  ];
  for (const [name, p, message] of cases) {
    it(name, async () => {
      const host = new ReferenceHost();
      await expect(host.init(nodes, params(p), 'lockstep')).rejects.toMatchObject({
        code: 'invalid-argument',
        message: expect.stringMatching(message),
      });
    });
  }

  it('a node listing itself as a peer', async () => {
    const host = new ReferenceHost();
    const bad = fullMesh(ids, 1);
    bad[1].peers.push('n1');
    await expect(host.init(bad, params({ variant: 'direct-mail' }), 'lockstep')).rejects.toMatchObject({
      code: 'invalid-argument',
      message: expect.stringMatching(/node 'n1': peers must not include the node itself/),
    });
    await expect(host.read(['n0'])).rejects.toMatchObject({ code: 'not-found' }); // nothing was created
  });

  it('realtime clock', async () => {
    await expect(
      new ReferenceHost().init(nodes, params({ variant: 'direct-mail' }), 'realtime'),
    ).rejects.toEqual(
      new ContractError(
        'failed-precondition',
        'this in-process host runs lockstep only; realtime is served by the realtime reference (reference/realtime, gossipcheck serve-reference)',
      ),
    );
  });

  it('declares its capabilities', async () => {
    const r = await new ReferenceHost().init(nodes, params({ variant: 'direct-mail' }), 'lockstep');
    expect(r.implementation).toBe('gossipcheck-reference');
    expect(r.version).toBe('0.1.0');
    expect(r.capabilities.variants).toEqual(VARIANTS);
    expect(r.capabilities.lossOfInterest).toHaveLength(4);
    expect(r.capabilities).toMatchObject({
      lockstep: true,
      realtime: false,
      rumorStatus: true,
      pushSum: true,
      membership: true,
      durableRestart: true,
    });
  });
});

describe('variant restriction', () => {
  it('declares and serves only the variants it was given', async () => {
    const host = new ReferenceHost({ variants: ['push-sum'] });
    const r = await host.init(fullMesh(ids, 1), params({ variant: 'push-sum' }), 'lockstep');
    expect(r.capabilities.variants).toEqual(['push-sum']);
    expect(r.capabilities.rumorStatus).toBe(false);
    await expect(
      host.init(fullMesh(ids, 1), params({ variant: 'rumor-push' }), 'lockstep'),
    ).rejects.toMatchObject({
      code: 'failed-precondition',
    });
  });
});

describe('determinism', () => {
  async function trace(variant: Variant, seed: number, extra: Partial<Parameters> = {}): Promise<string[]> {
    const host = new ReferenceHost();
    const n = nodeIds(16);
    await host.init(
      fullMesh(
        n,
        seed,
        n.map((_, i) => i),
      ),
      params({ variant, fanout: 2, ...extra }),
      'lockstep',
    );
    const out: string[] = [];
    if (variant !== 'push-sum') {
      const w = await host.update([
        { node: 'n0', key: 'k1', value: 'a' },
        { node: 'n7', key: 'k2', value: 'b' },
      ]);
      for (const e of w.envelopes)
        out.push(`${e.from}>${e.to}:${e.kind}:${Buffer.from(e.payload).toString('hex')}`);
    }
    for (let r = 0; r < 12; r++) {
      for (const e of (await runRound(host, n)).sent) {
        out.push(`${e.from}>${e.to}:${e.kind}:${e.keys.join(',')}:${Buffer.from(e.payload).toString('hex')}`);
      }
    }
    return out;
  }

  const variants: Array<[Variant, Partial<Parameters>]> = [
    ['anti-entropy-push-pull', {}],
    ['rumor-push', { lossOfInterest: 'blind-coin', rumorK: 2 }],
    ['rumor-pull', { lossOfInterest: 'feedback-coin', rumorK: 2 }],
    ['hybrid', { lossOfInterest: 'feedback-coin', rumorK: 2, antiEntropyEvery: 2 }],
    ['push-sum', {}],
  ];
  for (const [variant, extra] of variants) {
    it(`${variant}: same seed, same bytes; other seed, other envelopes`, async () => {
      const a = await trace(variant, 1, extra);
      expect(a.length).toBeGreaterThan(10);
      expect(await trace(variant, 1, extra)).toEqual(a);
      expect(await trace(variant, 2, extra)).not.toEqual(a);
    });
  }
});

describe('durable restart', () => {
  for (const variant of ['anti-entropy-pull', 'rumor-push'] as const) {
    it(`${variant}: the store survives a crash only with restoreDurable`, async () => {
      const host = new ReferenceHost();
      const p = params({ variant });
      await host.init(fullMesh(ids, 3), p, 'lockstep');
      await host.update([
        { node: 'n0', key: 'a', value: '1' },
        { node: 'n0', key: 'a', value: '2' },
      ]);
      // An entry learned from a peer is durable too.
      const t = variant === 'rumor-push' ? 'rumor' : 'entries';
      const learned = encode({ t, entries: [{ k: 'new', v: 'x', c: 9, o: 'n1' }] });
      await host.deliver([{ from: 'n1', to: 'n0', payload: learned, kind: t, keys: ['new'] }]);
      const before = (await host.read(['n0']))[0].entries;
      expect(before.map((e) => e.key)).toEqual(['a', 'new']);
      const others = await host.read(['n1', 'n2']);
      await host.stop(['n0'], 'crash');
      await expect(host.read(['n0'])).rejects.toMatchObject({ code: 'failed-precondition' });

      const [restart] = fullMesh(ids, 3);
      await host.init([{ ...restart, restoreDurable: true }], p, 'lockstep');
      const restored = (await host.read(['n0']))[0].entries;
      expect(restored.map(({ key, value, version }) => ({ key, value, version }))).toEqual(
        before.map(({ key, value, version }) => ({ key, value, version })),
      );
      if (variant === 'rumor-push') {
        // Hot rumors were volatile: the restored key is known but no longer spread.
        expect(restored.map((e) => e.status)).toEqual(['removed', 'removed']);
      }
      // Versions continue from the restored store.
      const ack = await host.update([{ node: 'n0', key: 'a', value: '3' }]);
      expect(ack.acks[0].version).toEqual({ counter: 3, origin: 'n0' });

      await host.stop(['n0'], 'crash');
      await host.init([restart], p, 'lockstep');
      expect((await host.read(['n0']))[0].entries).toEqual([]);
      // Other nodes were untouched by the re-inits.
      expect(await host.read(['n1', 'n2'])).toEqual(others);
    });
  }
});
