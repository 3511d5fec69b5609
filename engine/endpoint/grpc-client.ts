// A GossipEndpoint reached over gRPC. Every call carries a deadline, so a hung
// IUT becomes an error with a reason, never a hung harness. gRPC statuses the
// contract names come back as ContractErrors. Calls travel on the optional
// Session stream (one stream message each, ~7x cheaper than a unary call);
// an endpoint that answers Session with UNIMPLEMENTED gets the unary calls.
import * as grpc from '@grpc/grpc-js';
import {
  type ClockMode,
  ContractError,
  type ContractErrorCode,
  type Envelope,
  type GossipEndpoint,
  type InitResult,
  type NodeId,
  type NodeInit,
  type Parameters,
  type RoundCall,
  type RoundResult,
  type Snapshot,
  type StopMode,
  type TransportStats,
  type UpdateResult,
  type Write,
} from '../../proto/contract.js';
import {
  capabilitiesFromPb,
  envelopeFromPb,
  envelopeToPb,
  nodeInitToPb,
  parametersToPb,
  snapshotFromPb,
  versionFromPb,
} from '../../proto/convert.js';
import * as pb from '../../proto/gen/gossipcheck/v1/gossip.js';
import { MAX_GRPC_MESSAGE_BYTES } from '../../proto/server.js';

const CODES: Partial<Record<grpc.status, ContractErrorCode>> = {
  [grpc.status.INVALID_ARGUMENT]: 'invalid-argument',
  [grpc.status.NOT_FOUND]: 'not-found',
  [grpc.status.FAILED_PRECONDITION]: 'failed-precondition',
  [grpc.status.UNAVAILABLE]: 'unavailable',
};

export class CallTimeoutError extends Error {
  constructor(method: string, ms: number) {
    super(`${method} did not answer within ${ms} ms`);
    this.name = 'CallTimeoutError';
  }
}

/** The call fields of a SessionRequest (and of its SessionResponse). */
type CallField = 'init' | 'tick' | 'deliver' | 'update' | 'read' | 'stop' | 'round';

interface Pending {
  method: string;
  field: CallField;
  resolve: (res: never) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  /** Settles the call without the Session (see `send`). */
  fallback: () => void;
}

/** One Session stream and the calls waiting on it. */
interface SessionStream {
  stream: grpc.ClientDuplexStream<pb.SessionRequest, pb.SessionResponse>;
  pending: Map<number, Pending>;
  answered: boolean;
}

type Unary<Req, Res> = (
  req: Req,
  meta: grpc.Metadata,
  opts: Partial<grpc.CallOptions>,
  cb: (err: grpc.ServiceError | null, res: Res) => void,
) => grpc.ClientUnaryCall;

/**
 * A call that never reached the endpoint: the client had no connection to
 * send it on (grpc-js's UNAVAILABLE "No connection established"). Safe to
 * send again: the node saw nothing.
 */
export class NotConnectedError extends Error {}

/** A gRPC status as the error a call rejects with: the contract's codes become ContractErrors. */
function callError(method: string, code: grpc.status, text: string): Error {
  if (code === grpc.status.UNAVAILABLE && text.startsWith('No connection established'))
    return new NotConnectedError(`${method}: ${text}`);
  const contract = CODES[code];
  // A refusal reads as it does in-process (the server sends the ContractError's own
  // message), so in- and out-of-process histories hold the same bytes.
  return contract ? new ContractError(contract, text) : new Error(`${method}: ${text}`);
}

export class GrpcEndpoint implements GossipEndpoint {
  private readonly client: pb.GossipNodeClient;
  /** False once the endpoint answered Session with UNIMPLEMENTED (or when asked not to use it). */
  private sessions: boolean;
  /** False once the endpoint answered a Round with UNIMPLEMENTED. */
  private rounds = true;
  private current: SessionStream | undefined;
  /** Streams given up after a timeout, kept until their last call settles. */
  private readonly retired = new Set<SessionStream>();
  private nextId = 1;
  private closed = false;
  private readonly stats: TransportStats = {
    unaryCalls: 0,
    sessionCalls: 0,
    roundCalls: 0,
    roundsPlayed: 0,
    roundsByCall: 0,
    fallbacks: 0,
    streams: 0,
  };

  constructor(
    readonly address: string,
    private readonly callTimeoutMs = 10_000,
    opts: { session?: boolean } = {},
  ) {
    // GOSSIPCHECK_UNARY=1: every call unary, as a diagnostic (docs/performance.md).
    this.sessions = opts.session ?? process.env.GOSSIPCHECK_UNARY !== '1';
    this.client = new pb.GossipNodeClient(address, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_GRPC_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
    });
  }

  /**
   * Resolves once the channel is connected; rejects after `ms` or as soon as
   * `gaveUp()` says so. Waits in short slices so no long timer outlives it.
   */
  async waitForReady(ms: number, gaveUp: () => boolean = () => false): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      const slice = Math.min(200, end - Date.now());
      if (slice <= 0 || gaveUp()) throw new Error('not ready');
      const ok = await new Promise<boolean>((resolve) =>
        this.client.waitForReady(Date.now() + slice, (err) => resolve(!err)),
      );
      if (ok) return;
    }
  }

  private call<Req, Res>(method: string, fn: Unary<Req, Res>, field: CallField, req: Req): Promise<Res> {
    return this.send<Res>(method, field, req, (resolve, reject) => {
      this.stats.unaryCalls++;
      fn.call(
        this.client,
        req,
        new grpc.Metadata(),
        { deadline: Date.now() + this.callTimeoutMs },
        (err, res) => {
          if (!err) return resolve(res);
          if (err.code === grpc.status.DEADLINE_EXCEEDED)
            return reject(new CallTimeoutError(method, this.callTimeoutMs));
          reject(callError(method, err.code, err.details || err.message));
        },
      );
    });
  }

  /** What the calls so far went over, for the run's report. */
  callPaths(): TransportStats {
    return { ...this.stats };
  }

  /**
   * Sends one call on the Session; `fallback` settles it instead when the
   * endpoint does not serve it there (no Session, or UNIMPLEMENTED for it).
   */
  private send<Res>(
    method: string,
    field: CallField,
    req: unknown,
    fallback: (resolve: (res: Res) => void, reject: (err: Error) => void) => void,
  ): Promise<Res> {
    return new Promise((resolve, reject) => {
      if (!this.sessions || this.closed) return fallback(resolve, reject);
      const s = this.session();
      const id = this.nextId++;
      const timer = setTimeout(() => {
        s.pending.delete(id);
        reject(new CallTimeoutError(method, this.callTimeoutMs));
        // The endpoint may still be busy with this call: later calls go on a fresh stream.
        this.retire(s);
      }, this.callTimeoutMs);
      s.pending.set(id, {
        method,
        field,
        resolve: resolve as (res: never) => void,
        reject,
        timer,
        fallback: () => fallback(resolve, reject),
      });
      s.stream.write({ id, [field]: req });
    });
  }

  private session(): SessionStream {
    if (this.current) return this.current;
    const stream = this.client.session();
    const s: SessionStream = { stream, pending: new Map(), answered: false };
    this.current = s;
    this.stats.streams++;
    stream.on('data', (res: pb.SessionResponse) => {
      s.answered = true;
      const p = s.pending.get(res.id);
      if (!p) return; // late, after its timeout
      s.pending.delete(res.id);
      clearTimeout(p.timer);
      if (res.error?.code === grpc.status.UNIMPLEMENTED) {
        // Round is optional; any other method refused on a Session that serves is a silent slow path.
        if (p.field !== 'round') this.stats.fallbacks++;
        p.fallback();
      } else {
        // Answered on the Session, an error (a refusal) included.
        if (p.field === 'round') this.stats.roundCalls++;
        else this.stats.sessionCalls++;
        if (res.error) p.reject(callError(p.method, res.error.code, res.error.message));
        else if (res[p.field] !== undefined) p.resolve(res[p.field] as never);
        else p.reject(new Error(`${p.method}: the Session answer holds no ${p.field} result`));
      }
      if (s !== this.current && s.pending.size === 0) this.retire(s);
    });
    stream.on('error', (err: grpc.ServiceError) => this.broken(s, err.code, err.details || err.message));
    stream.on('end', () => this.broken(s, grpc.status.UNAVAILABLE, 'the endpoint ended the Session stream'));
    return s;
  }

  /** The stream is over: its calls fail, or go unary when the endpoint has no Session. */
  private broken(s: SessionStream, code: grpc.status, text: string): void {
    if (this.current === s) this.current = undefined;
    this.retired.delete(s);
    const pending = [...s.pending.values()];
    s.pending.clear();
    const unimplemented = code === grpc.status.UNIMPLEMENTED && !s.answered;
    if (unimplemented) this.sessions = false;
    for (const p of pending) {
      clearTimeout(p.timer);
      if (unimplemented && !this.closed) p.fallback();
      else p.reject(callError(p.method, code, text));
    }
  }

  /** Stops using `s` for new calls; cancels it once nothing waits on it. */
  private retire(s: SessionStream): void {
    if (this.current === s) this.current = undefined;
    if (s.pending.size > 0) {
      this.retired.add(s);
      return;
    }
    this.retired.delete(s);
    s.stream.removeAllListeners('end');
    s.stream.cancel();
  }

  async init(
    nodes: NodeInit[],
    params: Parameters,
    clock: ClockMode,
    harnessAddress = '',
  ): Promise<InitResult> {
    const res = await this.call('Init', this.client.init as Unary<pb.InitRequest, pb.InitResponse>, 'init', {
      nodes: nodes.map(nodeInitToPb),
      parameters: parametersToPb(params),
      clockMode: clock === 'realtime' ? pb.ClockMode.CLOCK_MODE_REALTIME : pb.ClockMode.CLOCK_MODE_LOCKSTEP,
      harnessAddress,
    });
    return {
      implementation: res.implementation,
      version: res.version,
      capabilities: capabilitiesFromPb(res.capabilities),
      contractVersion: res.contractVersion,
    };
  }

  async tick(nodes: NodeId[]): Promise<Envelope[]> {
    this.stats.roundsByCall++;
    const res = await this.call('Tick', this.client.tick as Unary<pb.TickRequest, pb.TickResponse>, 'tick', {
      nodes,
    });
    return res.envelopes.map(envelopeFromPb);
  }

  async deliver(envelopes: Envelope[]): Promise<Envelope[]> {
    const fn = this.client.deliver as Unary<pb.DeliverRequest, pb.DeliverResponse>;
    const res = await this.call('Deliver', fn, 'deliver', { envelopes: envelopes.map(envelopeToPb) });
    return res.envelopes.map(envelopeFromPb);
  }

  async update(writes: Write[]): Promise<UpdateResult> {
    const fn = this.client.update as Unary<pb.UpdateRequest, pb.UpdateResponse>;
    const res = await this.call('Update', fn, 'update', { writes });
    return {
      acks: res.acks.map((a) => ({ node: a.node, key: a.key, version: versionFromPb(a.version) })),
      envelopes: res.envelopes.map(envelopeFromPb),
    };
  }

  async read(nodes: NodeId[]): Promise<Snapshot[]> {
    const res = await this.call('Read', this.client.read as Unary<pb.ReadRequest, pb.ReadResponse>, 'read', {
      nodes,
    });
    return res.snapshots.map(snapshotFromPb);
  }

  async stop(nodes: NodeId[], mode: StopMode): Promise<Envelope[]> {
    const res = await this.call('Stop', this.client.stop as Unary<pb.StopRequest, pb.StopResponse>, 'stop', {
      nodes,
      mode: mode === 'clean' ? pb.StopMode.STOP_MODE_CLEAN : pb.StopMode.STOP_MODE_CRASH,
    });
    return (res.envelopes ?? []).map(envelopeFromPb);
  }

  /** Consecutive fault-free rounds on the Session; undefined when the endpoint does not play rounds. */
  async round(call: RoundCall): Promise<RoundResult | undefined> {
    if (!this.rounds) return undefined;
    const req: pb.RoundRequest = {
      nodes: call.nodes,
      due: call.due.map(envelopeToPb),
      hopLimit: call.hopLimit,
      maxEnvelopes: call.maxEnvelopes,
      onlyChanged: call.onlyChanged,
    };
    const res = await this.send<pb.RoundResponse | undefined>('Round', 'round', req, (resolve) =>
      resolve(undefined),
    );
    if (!res) {
      this.rounds = false;
      return undefined;
    }
    const failure = (method: string, e: pb.CallError | undefined) =>
      e && callError(method, e.code, e.message);
    this.stats.roundsPlayed += res.rounds.length;
    return res.rounds.map((p) => ({
      ticked: p.ticked.map(envelopeFromPb),
      tickError: failure('Tick', p.tickError),
      hops: p.hops.map((h) => ({
        delivered: h.delivered,
        envelopes: h.envelopes.map(envelopeFromPb),
        error: failure('Deliver', h.error),
      })),
      snapshots: p.snapshots.map(snapshotFromPb),
      readError: failure('Read', p.readError),
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of [this.current, ...this.retired]) {
      if (!s) continue;
      s.stream.removeAllListeners('end');
      s.stream.cancel();
    }
    this.client.close();
  }
}
