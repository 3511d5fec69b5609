// The Maelstrom adapter in-process, contract call by contract call, against
// real node processes (the kit's test node, adapters/maelstrom/fixtures, and
// a command that never answers). No assertion depends on wall-clock speed:
// what waits for gossip polls up to a generous deadline.
import { resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  ContractError,
  type Envelope,
  minimalParameters,
  type NodeInit,
  type Snapshot,
} from '../../proto/contract.js';
import { MaelstromHost } from './host.js';
import { localLauncher } from './node-process.js';

const NODE = resolve('adapters/maelstrom/fixtures/broadcast-node.mjs');
const params = minimalParameters('anti-entropy-push-pull', { periodMs: 100 });
const hosts: MaelstromHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
});

function host(command: string, opts: { transport?: Envelope[]; timeoutMs?: number } = {}): MaelstromHost {
  const sent = opts.transport;
  const h = new MaelstromHost({
    launcher: localLauncher(command),
    command,
    requestTimeoutMs: opts.timeoutMs ?? 20_000,
    log: () => {},
    ...(sent ? { transport: () => ({ send: (envs) => sent.push(...envs), close: () => {} }) } : {}),
  });
  hosts.push(h);
  return h;
}

const fixture = (mode: string) => `"${process.execPath}" "${NODE}" ${mode}`;
const inits = (ids: string[], generation = 0): NodeInit[] =>
  ids.map((id) => ({
    id,
    peers: ids.filter((p) => p !== id),
    seeds: [],
    rngSeed: 1,
    initialValue: 0,
    restoreDurable: false,
    generation,
  }));

async function refusal(p: Promise<unknown>): Promise<ContractError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ContractError);
  return err as ContractError;
}

async function until(what: string, read: () => Promise<boolean>): Promise<void> {
  const end = Date.now() + 60_000;
  while (!(await read())) {
    if (Date.now() > end) throw new Error(`not within 60 s: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const values = (s: Snapshot) => s.entries.map((e) => `${e.key}=${e.value}`);

describe('MaelstromHost', () => {
  test('declares realtime anti-entropy only; a probe with no nodes starts nothing', async () => {
    const h = host('exit 9');
    const info = await h.init([], minimalParameters('anti-entropy-pull'), 'lockstep');
    expect(info.capabilities).toMatchObject({ lockstep: false, realtime: true, variants: expect.any(Array) });
    expect((await refusal(h.init(inits(['n1']), params, 'lockstep'))).message).toMatch(/realtime only/);
    expect((await refusal(h.init([], minimalParameters('rumor-push'), 'realtime'))).code).toBe(
      'invalid-argument',
    );
    expect((await refusal(h.tick())).code).toBe('failed-precondition');
  });

  test('without a harness address: writes are broadcasts, nodes gossip stdin to stdin, reads give the newest write per key', async () => {
    const h = host(fixture('retry'));
    await h.init(inits(['n1', 'n2', 'n3']), params, 'realtime');
    const first = await h.update([{ node: 'n1', key: 'k', value: 'a' }]);
    expect(first.acks).toEqual([{ node: 'n1', key: 'k', version: { counter: 1, origin: 'n1' } }]);
    await h.update([{ node: 'n2', key: 'k', value: 'b' }]);
    await h.update([{ node: 'n3', key: 'j', value: 'c' }]);
    await until('every node holds j=c and k=b', async () =>
      (await h.read(['n1', 'n2', 'n3'])).every((s) => values(s).join() === 'j=c,k=b'),
    );
  });

  test('with a harness address: node-to-node lines leave as envelopes, and Deliver hands them over', async () => {
    const sent: Envelope[] = [];
    const h = host(fixture('noretry'), { transport: sent });
    await h.init(inits(['n1', 'n2']), params, 'realtime', 'harness:1');
    await h.update([{ node: 'n1', key: 'k', value: 'a' }]);
    await until('n1 sent its gossip', async () => sent.length > 0);
    expect(sent[0]).toMatchObject({ from: 'n1', to: 'n2', kind: 'gossip', keys: ['k'] });
    // Nothing reached n2 until the harness delivers it.
    expect(values((await h.read(['n2']))[0])).toEqual([]);
    await h.deliver([sent[0]]);
    await until('n2 holds k=a', async () => values((await h.read(['n2']))[0]).join() === 'k=a');
    expect((await refusal(h.deliver([{ ...sent[0], to: 'n9' }]))).code).toBe('not-found');
  });

  test('a node that never answers init: its Update and Read are refused, saying so', async () => {
    const h = host('cat > /dev/null', { timeoutMs: 300 });
    await h.init(inits(['n1']), params, 'realtime');
    const err = await refusal(h.update([{ node: 'n1', key: 'k', value: 'a' }]));
    expect(err.code).toBe('failed-precondition');
    expect(err.message).toMatch(
      /^n1 did not complete init \/ topology: n1 did not answer init within 300 ms/,
    );
    expect((await refusal(h.read(['n1']))).message).toBe(err.message);
  });

  test('an error reply refuses the call, and every later one, quoting the line', async () => {
    const h = host(fixture('errors'));
    await h.init(inits(['n1']), params, 'realtime');
    const err = await refusal(h.update([{ node: 'n1', key: 'k', value: 'a' }]));
    expect(err.message).toMatch(/^n1 answered broadcast from c1 with error code 11: not today — "/);
    expect((await refusal(h.read(['n1']))).message).toBe(err.message);
  });

  test('a read back holding a value no client broadcast is refused', async () => {
    const h = host(fixture('invents'));
    await h.init(inits(['n1']), params, 'realtime');
    await h.update([{ node: 'n1', key: 'k', value: 'a' }]);
    expect((await refusal(h.read(['n1']))).message).toBe('n1 read back value(s) no client broadcast: 424242');
  });

  test('"messages": null on an empty node is the empty set, as in Maelstrom; a string is refused', async () => {
    const h = host(fixture('retry --empty-messages null'));
    await h.init(inits(['n1']), params, 'realtime');
    expect(values((await h.read(['n1']))[0])).toEqual([]);
    await h.update([{ node: 'n1', key: 'k', value: 'a' }]);
    expect(values((await h.read(['n1']))[0])).toEqual(['k=a']);

    const bad = host(fixture(`retry --empty-messages '"none"'`));
    await bad.init(inits(['n1']), params, 'realtime');
    expect((await refusal(bad.read(['n1']))).message).toMatch(
      /^n1 answered read from c1 with read_ok without a "messages" array: /,
    );
  });

  test('a request outstanding when the node is stopped fails, but is no refusal (the caller stopped it)', async () => {
    const h = host('cat > /dev/null');
    await h.init(inits(['n1']), params, 'realtime');
    const pending = h.update([{ node: 'n1', key: 'k', value: 'a' }]).then(
      () => null,
      (e: unknown) => e as Error,
    );
    await h.stop(['n1'], 'crash');
    const err = await pending;
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ContractError);
    expect(err?.message).toBe('n1 was stopped while the request was outstanding');
  });

  test('Stop(crash) ends the process; a re-Init is a fresh, empty node', async () => {
    const h = host(fixture('retry'));
    await h.init(inits(['n1', 'n2']), params, 'realtime');
    await h.update([{ node: 'n1', key: 'k', value: 'a' }]);
    await h.stop(['n1'], 'crash');
    expect((await refusal(h.read(['n1']))).message).toBe('n1 is stopped');
    await h.init(inits(['n1'], 1), params, 'realtime');
    // n1 holds nothing until n2 gossips something new (the test node forwards new values only).
    expect(values((await h.read(['n1']))[0])).toEqual([]);
    await h.update([{ node: 'n2', key: 'j', value: 'b' }]);
    await until('n1 learns j=b', async () => values((await h.read(['n1']))[0]).join() === 'j=b');
  });
});
