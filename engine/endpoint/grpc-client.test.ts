// GrpcEndpoint over real gRPC on loopback: calls go on the Session stream when
// the endpoint serves it and unary when it does not, with the same answers and
// the same errors either way; a call that hangs times out without holding up
// the next one.
import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CONTRACT_VERSION,
  ContractError,
  type GossipEndpoint,
  minimalParameters,
  transportPath,
} from '../../proto/contract.js';
import * as pb from '../../proto/gen/gossipcheck/v1/gossip.js';
import { gossipNodeImplementation } from '../../proto/server.js';
import { ReferenceHost } from '../../reference/host.js';
import { fullMesh } from '../../reference/testing/drive.js';
import { CallTimeoutError, GrpcEndpoint } from './grpc-client.js';

const nodes = fullMesh(['n0', 'n1', 'n2'], 1);
const params = minimalParameters('anti-entropy-push-pull');

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Binds `server` to a free loopback port (shut down after the test); returns HOST:PORT. */
async function bind(server: grpc.Server): Promise<string> {
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  cleanup.push(() => {
    server.forceShutdown();
  });
  return `127.0.0.1:${port}`;
}

/** Serves `endpoint` on loopback; `session: false` leaves Session out (grpc-js answers UNIMPLEMENTED). */
async function serve(
  endpoint: GossipEndpoint,
  opts: { session: boolean },
): Promise<{ address: string; sessions: () => number }> {
  const impl = gossipNodeImplementation(endpoint);
  let sessions = 0;
  const server = new grpc.Server();
  const { session, ...unary } = impl;
  server.addService(
    pb.GossipNodeService,
    opts.session
      ? {
          ...impl,
          session: (call: grpc.ServerDuplexStream<pb.SessionRequest, pb.SessionResponse>) => {
            sessions++;
            session(call);
          },
        }
      : unary,
  );
  return { address: await bind(server), sessions: () => sessions };
}

function client(address: string, ms = 5000): GrpcEndpoint {
  const c = new GrpcEndpoint(address, ms);
  cleanup.push(() => c.close());
  return c;
}

/** A few calls and what they gave, including a refused Deliver. */
async function exercise(ep: GrpcEndpoint) {
  const init = await ep.init(nodes, params, 'lockstep');
  const update = await ep.update([{ node: 'n0', key: 'k', value: 'v' }]);
  const sent = await ep.tick(['n0', 'n1', 'n2']);
  const replies = await ep.deliver(sent);
  const refused = await ep
    .deliver([{ from: 'n0', to: 'n1', payload: new Uint8Array([1, 2, 3]), kind: 'digest', keys: [] }])
    .then(
      () => undefined,
      (err: unknown) => err,
    );
  const snaps = await ep.read(['n0', 'n1', 'n2']);
  return { init, update, sent, replies, refused, snaps };
}

describe('GrpcEndpoint', () => {
  it('gives the same answers and errors on the Session as over unary calls', async () => {
    const withSession = await serve(new ReferenceHost(), { session: true });
    const without = await serve(new ReferenceHost(), { session: false });
    const onSession = client(withSession.address);
    const unary = client(without.address);
    const a = await exercise(onSession);
    const b = await exercise(unary);
    expect(withSession.sessions()).toBe(1);
    // What the run's report says of each (cli/run.ts): 6 calls, a round driven call by call.
    const counted = { roundCalls: 0, roundsPlayed: 0, roundsByCall: 1, fallbacks: 0 };
    expect(onSession.callPaths()).toEqual({ ...counted, unaryCalls: 0, sessionCalls: 6, streams: 1 });
    expect(unary.callPaths()).toEqual({ ...counted, unaryCalls: 6, sessionCalls: 0, streams: 1 });
    expect(transportPath(onSession.callPaths())).toBe('Session');
    expect(transportPath(unary.callPaths())).toBe('unary');
    expect(a).toEqual(b);
    expect(a.refused).toBeInstanceOf(ContractError);
    expect((a.refused as ContractError).code).toBe('invalid-argument');
    expect(a.snaps.map((s) => s.node)).toEqual(['n0', 'n1', 'n2']);
    // The reference declares the kit's contract version, on either path.
    expect(a.init.contractVersion).toBe(CONTRACT_VERSION);
  });

  it('plays rounds on the Session only', async () => {
    const withSession = await serve(new ReferenceHost(), { session: true });
    const without = await serve(new ReferenceHost(), { session: false });
    for (const [address, plays] of [
      [withSession.address, true],
      [without.address, false],
    ] as const) {
      const ep = client(address);
      await ep.init(nodes, params, 'lockstep');
      const call = {
        nodes: ['n0', 'n1', 'n2'],
        due: [],
        hopLimit: 4,
        maxEnvelopes: [100, 100],
        onlyChanged: true,
      };
      const res = await ep.round(call);
      if (!plays) {
        expect(res).toBeUndefined();
        continue;
      }
      expect(res).toHaveLength(2);
      expect(ep.callPaths()).toMatchObject({ roundCalls: 1, roundsPlayed: 2, roundsByCall: 0 });
      expect(transportPath(ep.callPaths())).toBe('Session + Round');
      // Each node is read in full once; unchanged nodes are left out afterwards.
      expect(res?.[0].snapshots.map((s) => s.node)).toEqual(['n0', 'n1', 'n2']);
      expect(res?.[1].snapshots).toEqual([]);
    }
  });

  it('takes a Round answered UNIMPLEMENTED as "plays no rounds", and asks no more', async () => {
    let rounds = 0;
    const server = new grpc.Server();
    server.addService(pb.GossipNodeService, {
      ...gossipNodeImplementation(new ReferenceHost()),
      // A Session that serves Init, and answers a Round with CallError UNIMPLEMENTED.
      session: (call: grpc.ServerDuplexStream<pb.SessionRequest, pb.SessionResponse>) => {
        call.on('data', (req: pb.SessionRequest) => {
          if (req.round) rounds++;
          call.write(
            req.init
              ? { id: req.id, init: { implementation: 'x', version: '1', capabilities: undefined } }
              : { id: req.id, error: { code: grpc.status.UNIMPLEMENTED, message: 'no rounds here' } },
          );
        });
        call.on('end', () => call.end());
      },
    });
    const ep = client(await bind(server));
    expect((await ep.init(nodes, params, 'lockstep')).implementation).toBe('x');
    const call = { nodes: ['n0'], due: [], hopLimit: 4, maxEnvelopes: [100], onlyChanged: true };
    expect(await ep.round(call)).toBeUndefined();
    expect(await ep.round(call)).toBeUndefined();
    expect(rounds).toBe(1);
    // Round is optional: refusing it is no fallback worth a warning.
    expect(ep.callPaths()).toMatchObject({ sessionCalls: 1, roundCalls: 0, fallbacks: 0 });
  });

  it('counts a call the Session refused with UNIMPLEMENTED, which then goes unary, as a fallback', async () => {
    const server = new grpc.Server();
    server.addService(pb.GossipNodeService, {
      ...gossipNodeImplementation(new ReferenceHost()),
      // A Session that serves Init and answers every other call UNIMPLEMENTED.
      session: (call: grpc.ServerDuplexStream<pb.SessionRequest, pb.SessionResponse>) => {
        call.on('data', (req: pb.SessionRequest) =>
          call.write(
            req.init
              ? { id: req.id, init: { implementation: 'x', version: '1', capabilities: undefined } }
              : { id: req.id, error: { code: grpc.status.UNIMPLEMENTED, message: 'not on the Session' } },
          ),
        );
        call.on('end', () => call.end());
      },
    });
    const ep = client(await bind(server));
    await ep.init(nodes, params, 'lockstep');
    expect(await ep.read([])).toEqual([]);
    expect(ep.callPaths()).toMatchObject({ sessionCalls: 1, unaryCalls: 1, fallbacks: 1 });
  });

  it('times out a hung call on the Session, and the next call still answers', async () => {
    const { endpoint, release } = tickHangs();
    const server = await serve(endpoint, { session: true });
    const ep = client(server.address, 1500);
    await ep.init(nodes, params, 'lockstep');
    await expect(ep.tick(['n0'])).rejects.toThrow(new CallTimeoutError('Tick', 1500));
    release();
    expect((await ep.read(['n0'])).map((s) => s.node)).toEqual(['n0']);
    expect(await ep.tick(['n0'])).toHaveLength(1);
    // The hung call's stream was given up: the later calls went on a new one.
    expect(server.sessions()).toBe(2);
  });

  it('fails the calls waiting on a Session whose endpoint went away', async () => {
    const server = new grpc.Server();
    server.addService(pb.GossipNodeService, gossipNodeImplementation(tickHangs().endpoint));
    const ep = client(await bind(server), 10_000);
    await ep.init(nodes, params, 'lockstep');
    const pending = ep.tick(['n0']);
    server.forceShutdown();
    const err = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(CallTimeoutError);
  });
});

/** The reference, except that Tick never answers until `release()`. */
function tickHangs(): { endpoint: GossipEndpoint; release: () => void } {
  const host = new ReferenceHost();
  let hang = true;
  return {
    endpoint: {
      init: (...a) => host.init(...a),
      tick: (n) => (hang ? new Promise(() => {}) : host.tick(n)),
      deliver: (e) => host.deliver(e),
      update: (w) => host.update(w),
      read: (n) => host.read(n),
      stop: (n, m) => host.stop(n, m),
      close: () => host.close(),
    },
    release: () => {
      hang = false;
    },
  };
}
