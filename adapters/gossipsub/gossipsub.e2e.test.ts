// The gossipsub adapter as the harness meets it: a real process
// (dist/adapters/gossipsub/main.js; build with `npx tsc -p tsconfig.json`),
// real gRPC, and a small HarnessNetwork stub standing in for the harness: it
// takes every envelope the nodes stream to it and hands it on with Deliver,
// or drops it when its edge is cut. No assertion depends on wall-clock speed:
// everything that waits polls up to a generous deadline.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GrpcEndpoint } from '../../engine/endpoint/grpc-client.js';
import {
  ContractError,
  type Envelope,
  type NodeId,
  type NodeInit,
  type Parameters,
  type Snapshot,
} from '../../proto/contract.js';
import { envelopeFromPb } from '../../proto/convert.js';
import * as pb from '../../proto/gen/gossipcheck/v1/gossip.js';

const MAIN = resolve('dist/adapters/gossipsub/main.js');
const DEADLINE_MS = 60_000;

const PARAMS: Parameters = {
  variant: 'rumor-push',
  fanout: 2,
  periodMs: 50,
  lossOfInterest: 'blind-counter',
  rumorK: 2,
  antiEntropyEvery: 0,
  maxPayloadBytes: 0,
};

const IDS: NodeId[] = ['n0', 'n1', 'n2'];
const nodeInit = (id: NodeId, generation = 0): NodeInit => ({
  id,
  peers: IDS.filter((p) => p !== id),
  seeds: [],
  rngSeed: 7,
  initialValue: 0,
  restoreDurable: false,
  generation,
});

/** The harness's side of the wire: records every envelope, delivers it unless its edge is cut. */
class StubNetwork {
  readonly seen: Envelope[] = [];
  /** Envelopes whose Deliver call returned. */
  readonly delivered: Envelope[] = [];
  readonly cut = new Set<string>();
  readonly errors: string[] = [];
  dropped = 0;
  private readonly server = new grpc.Server();
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly endpoint: GrpcEndpoint) {}

  listen(): Promise<string> {
    this.server.addService(pb.HarnessNetworkService, {
      send: (call: grpc.ServerDuplexStream<pb.SendRequest, pb.SendResponse>) => {
        call.on('data', (req: pb.SendRequest) => {
          const envs = req.envelopes.map(envelopeFromPb);
          call.write({ accepted: envs.length });
          for (const e of envs) {
            this.seen.push(e);
            if (this.cut.has(`${e.from}->${e.to}`)) {
              this.dropped++;
              continue;
            }
            // In order, one at a time, as a router delivering each envelope on arrival.
            this.chain = this.chain.then(() =>
              this.endpoint.deliver([e]).then(
                () => {
                  this.delivered.push(e);
                },
                (err: unknown) => {
                  this.errors.push(`${e.from}->${e.to} ${e.kind}: ${(err as Error).message}`);
                },
              ),
            );
          }
        });
        call.on('end', () => call.end());
        call.on('error', () => {});
      },
    } satisfies pb.HarnessNetworkServer);
    return new Promise((res, rej) =>
      this.server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? rej(err) : res(`127.0.0.1:${port}`),
      ),
    );
  }

  close(): void {
    this.server.forceShutdown();
  }
}

function startAdapter(): Promise<{ child: ChildProcess; address: string; stderr: () => string }> {
  const child = spawn(process.execPath, [MAIN, '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`adapter did not listen: ${err}`)), DEADLINE_MS);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (\S+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        res({ child, address: m[1], stderr: () => err });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`adapter exited with ${code}: ${err}`));
    });
  });
}

/** What the stub saw, for a failure message: envelopes per from->to and kind, and Deliver errors. */
let diagnose: () => string = () => '';

async function pollUntil<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const end = Date.now() + DEADLINE_MS;
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)}; ${diagnose()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
    last = await probe();
  }
  return last;
}

/** Distinct directed edges that carried an envelope of `kind`. */
const edgesWith = (envs: Envelope[], kind: string) =>
  new Set(envs.filter((e) => e.kind === kind).map((e) => `${e.from}->${e.to}`)).size;

const valueAt = (snaps: Snapshot[], node: NodeId, key: string) =>
  snaps.find((s) => s.node === node)?.entries.find((e) => e.key === key);

describe('gossipsub adapter, as a process over gRPC', () => {
  let adapter: Awaited<ReturnType<typeof startAdapter>>;
  let endpoint: GrpcEndpoint;
  let net: StubNetwork;
  let harness: string;

  beforeAll(async () => {
    expect(existsSync(MAIN), `${MAIN} missing: build with npx tsc -p tsconfig.json`).toBe(true);
    adapter = await startAdapter();
    endpoint = new GrpcEndpoint(adapter.address, 20_000);
    net = new StubNetwork(endpoint);
    harness = await net.listen();
    diagnose = () => {
      const counts: Record<string, number> = {};
      for (const e of net.seen)
        counts[`${e.from}->${e.to} ${e.kind}`] = (counts[`${e.from}->${e.to} ${e.kind}`] ?? 0) + 1;
      return `seen ${JSON.stringify(counts)}; cut-dropped ${net.dropped}; deliver errors ${JSON.stringify(net.errors)}; adapter stderr: ${adapter.stderr()}`;
    };
  });

  afterAll(async () => {
    net?.close();
    await endpoint?.close();
    if (adapter && adapter.child.exitCode === null) adapter.child.kill('SIGKILL');
  });

  test('Init with no nodes declares realtime rumor-push with a blind counter, no lockstep', async () => {
    const res = await endpoint.init([], PARAMS, 'realtime', '');
    expect(res.implementation).toBe('libp2p-gossipsub');
    expect(res.version).toMatch(/^@libp2p\/gossipsub 17\.\d+\.\d+/);
    expect(res.capabilities).toEqual({
      variants: ['rumor-push'],
      lossOfInterest: ['blind-counter'],
      lockstep: false,
      realtime: true,
      rumorStatus: false,
      pushSum: false,
      membership: false,
      durableRestart: false,
    });
  });

  test('refuses what it does not do: lockstep, another variant, a feedback rule', async () => {
    const refused = async (p: Promise<unknown>) => {
      const err = await p.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ContractError);
      return (err as ContractError).code;
    };
    expect(await refused(endpoint.init([nodeInit('x')], PARAMS, 'lockstep', harness))).toBe(
      'failed-precondition',
    );
    expect(
      await refused(endpoint.init([nodeInit('x')], { ...PARAMS, variant: 'hybrid' }, 'realtime', harness)),
    ).toBe('failed-precondition');
    expect(
      await refused(
        endpoint.init(
          [nodeInit('x')],
          { ...PARAMS, lossOfInterest: 'feedback-counter' },
          'realtime',
          harness,
        ),
      ),
    ).toBe('failed-precondition');
  });

  test('a 3-node realtime run delivers a write to every node, every envelope through the harness', async () => {
    // One Init per node, as the realtime runner does.
    for (const id of IDS) await endpoint.init([nodeInit(id)], PARAMS, 'realtime', harness);
    // Subscriptions travel over the harness too. A write published before its node has learned
    // who subscribes reaches nobody (and nothing repairs it), so wait until each subscription is in.
    await pollUntil(
      'subscriptions delivered on every edge',
      async () => edgesWith(net.delivered, 'control'),
      (n) => n === 6,
    );
    const res = await endpoint.update([{ node: 'n0', key: 'k', value: 'hello' }]);
    expect(res.acks).toEqual([{ node: 'n0', key: 'k', version: { counter: 1, origin: 'n0' } }]);
    expect(res.envelopes).toEqual([]);
    const snaps = await pollUntil(
      'the write at every node',
      () => endpoint.read(IDS),
      (s) => IDS.every((n) => valueAt(s, n, 'k')?.value === 'hello'),
    );
    for (const n of IDS) expect(valueAt(snaps, n, 'k')?.version).toEqual({ counter: 1, origin: 'n0' });

    // Every envelope: a kind from the adapter's vocabulary, exact keys, a peer as destination.
    expect(net.errors).toEqual([]);
    const rumors = net.seen.filter((e) => e.kind === 'rumor');
    expect(rumors.length).toBeGreaterThanOrEqual(2);
    expect(rumors.every((e) => e.keys.length === 1 && e.keys[0] === 'k')).toBe(true);
    expect(
      rumors
        .filter((e) => e.from === 'n0')
        .map((e) => e.to)
        .sort(),
    ).toEqual(['n1', 'n2']);
    for (const e of net.seen) {
      expect(['rumor', 'control']).toContain(e.kind);
      if (e.kind !== 'rumor') expect(e.keys).toEqual([]);
      expect(IDS).toContain(e.from);
      expect(nodeInit(e.from).peers).toContain(e.to);
    }
  });

  test('no anti-entropy: a write published while its node is cut off is never repaired', async () => {
    net.cut.add('n2->n0').add('n2->n1');
    const before = net.dropped;
    await endpoint.update([{ node: 'n2', key: 'lost', value: 'during-partition' }]);
    // The flood of the write (to both peers) is dropped...
    await pollUntil(
      'the write dropped on both edges',
      async () => net.dropped - before,
      (n) => n >= 2,
    );
    // ...and the cut lasts far beyond gossipsub's gossip window (mcache_gossip = 3 heartbeats of 50 ms).
    await new Promise((r) => setTimeout(r, 3000));
    net.cut.clear();
    await endpoint.update([{ node: 'n2', key: 'after', value: 'healed' }]);
    const snaps = await pollUntil(
      'the later write at every node',
      () => endpoint.read(IDS),
      (s) => IDS.every((n) => valueAt(s, n, 'after')?.value === 'healed'),
    );
    expect(valueAt(snaps, 'n2', 'lost')?.value).toBe('during-partition');
    expect(valueAt(snaps, 'n0', 'lost')).toBeUndefined();
    expect(valueAt(snaps, 'n1', 'lost')).toBeUndefined();
  });

  test('a crashed node restarts with a new origin and rejoins the mesh', async () => {
    await endpoint.stop(['n1'], 'crash');
    const mark = net.delivered.length;
    await endpoint.init([nodeInit('n1', 1)], PARAMS, 'realtime', harness);
    await pollUntil(
      "the peers' subscriptions delivered to the restarted node",
      async () =>
        net.delivered
          .slice(mark)
          .filter((e) => e.kind === 'control' && e.to === 'n1')
          .map((e) => e.from),
      (from) => from.includes('n0') && from.includes('n2'),
    );
    const res = await endpoint.update([{ node: 'n1', key: 'k', value: 'again' }]);
    // Its store was wiped: the key's counter starts over, under origin n1#1.
    expect(res.acks[0].version).toEqual({ counter: 1, origin: 'n1#1' });
    const snaps = await pollUntil(
      "the restarted node's write at every node",
      () => endpoint.read(IDS),
      (s) => IDS.every((n) => valueAt(s, n, 'k')?.value === 'again'),
    );
    // LWW: (1, "n1#1") beats (1, "n0").
    expect(valueAt(snaps, 'n0', 'k')?.version).toEqual({ counter: 1, origin: 'n1#1' });
  });

  test('exits 0 on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => adapter.child.once('exit', (code) => r(code)));
    adapter.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(adapter.stderr()).toMatch(/sent \d+ envelopes \(rumor \d+/);
  });
});

describe('gossipsub adapter command line', () => {
  test('a bad flag: one line on stderr, exit 2', () => {
    const r = spawnSync(process.execPath, [MAIN, '--bogus'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const bad = spawnSync(process.execPath, [MAIN, '--listen', 'nope'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('--help prints usage, exit 0', () => {
    const r = spawnSync(process.execPath, [MAIN, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/--listen HOST:PORT/);
  });
});
