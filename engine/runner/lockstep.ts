// The lockstep runner: the harness owns virtual time and drives every node
// through its endpoint, round by round, with the router as the network.
// Same spec + same endpoint behaviour => the same event sequence, byte for
// byte: everything is iterated in node order / placement order and nothing
// depends on timing (calls to different endpoints run concurrently, but their
// results are recorded in placement order).
//
// Per round r (events in this order):
//   round
//   schedule, ends first: fault stop / pause stop (schedule order), then
//     starts: fault start / crash / restart / pause start (schedule order)
//   workload: update (one per write, workload order), ack (placement order),
//     then the envelopes the writes caused: send (hop 0) + router decisions
//   tick (one event, the live unpaused nodes), then send (hop 0) + decisions
//   hops h = 1..hopLimit: router drops/holds for the due batch, then per
//     placement deliver (or error + drop 'rejected'), then the replies: send
//     (hop h) + decisions; stop when nothing is due. Replies of the last hop
//     wait for round r+1 (delay until r+1).
//   read for every live node whose state changed (final=true for all live
//     nodes in the last round)
// then end.
import type {
  ClockMode,
  Envelope,
  GossipEndpoint,
  InitResult,
  NodeId,
  NodeInit,
  Parameters,
  Snapshot,
  UpdateResult,
  Write,
} from '../../proto/contract.js';
import { deriveSeed, Rng } from '../../shared/prng.js';
import type { FaultSchedule, LinkFault, MembershipEvent } from '../faults/schedule.js';
import { cutEdges } from '../faults/shapes.js';
import type { HistoryEvent, ReadEntry, ReadMember } from '../history/events.js';
import { snapshotOrderProblem } from '../history/snapshot-order.js';
import { destinationOf, type InFlight, Router } from '../router/router.js';
import { type Answers, calledAnswers, playedAnswers } from './answers.js';
import { type CallResult, callWithDeadline } from './call.js';

export interface WorkloadOp {
  round: number;
  node: NodeId;
  key: string;
  value: string;
}

export interface LockstepSpec {
  seed: number;
  nodes: NodeId[];
  peers: Record<NodeId, NodeId[]>;
  /** Membership runs: each node's NodeInit.seeds (absent: none). */
  seeds?: Record<NodeId, NodeId[]>;
  params: Parameters;
  rounds: number;
  hopLimit: number;
  workload: WorkloadOp[];
  schedule: FaultSchedule;
  /** Membership runs: joins and graceful leaves, applied after the schedule's starts. */
  membership?: MembershipEvent[];
  initialValues: Record<NodeId, number>;
  callTimeoutMs: number;
  /** A label for the run (e.g. "partition/halves"), copied to the 'run' event. */
  scenario?: string;
  /** Envelopes a round may carry before the run aborts; 0 or absent: `envelopeCap`. */
  maxEnvelopesPerRound?: number;
}

/**
 * The default cap on envelopes per round: a safety limit that keeps a
 * flooding IUT from exhausting the harness's memory, not a conformance bound.
 * Honest traffic is far below it: each node starts at most fanout (+1 for
 * hybrid's anti-entropy) exchanges a round, each exchange cascades at most
 * hopLimit + 1 messages, and a digest split by max_payload_bytes gives a
 * factor the 64 covers; direct mail adds n-1 per write.
 */
export function envelopeCap(n: number, fanout: number, hopLimit: number, writes: number): number {
  return 64 * n * (fanout + 2) * (hopLimit + 1) + (n - 1) * writes;
}

export interface Placement {
  endpoint: GossipEndpoint;
  nodes: NodeId[];
}

export interface RunOutcome {
  completed: boolean;
  reason?: string;
  /** Rounds fully run. */
  rounds: number;
}

/**
 * Rounds one Round call may carry: short enough that a call stays far inside
 * its deadline (--timeout), long enough that quiet stretches cost few calls.
 */
const MAX_PLAYED_ROUNDS = 16;

type Op = 'Init' | 'Tick' | 'Deliver' | 'Update' | 'Read' | 'Stop' | 'Round';

/** Whether every node's peers are exactly all the other nodes (the 'run' event then lists no peers). */
export function fullMesh(spec: Pick<LockstepSpec, 'nodes' | 'peers'>): boolean {
  return spec.nodes.every((id) => {
    const peers = new Set(spec.peers[id] ?? []);
    return (
      peers.size === spec.nodes.length - 1 &&
      !peers.has(id) &&
      spec.nodes.every((p) => p === id || peers.has(p))
    );
  });
}

/** One Deliver call of a hop: the envelopes handed over and the answer. */
interface DeliverAttempt {
  items: InFlight[];
  res: CallResult<Envelope[]>;
}

/** A placement's share of a hop; `before`, `after` and `retry` only for a probe (see deliverGroup). */
interface DeliverOutcome {
  nodes: NodeId[];
  first: DeliverAttempt;
  before?: CallResult<Snapshot[]>;
  after?: CallResult<Snapshot[]>;
  retry?: DeliverAttempt;
}

/** Thrown inside the runner once an abort is recorded; never escapes runLockstep. */
class Aborted extends Error {}

const isStr = (x: unknown): x is string => typeof x === 'string';
const isNum = (x: unknown): x is number => typeof x === 'number';
const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

function badEnvelopes(x: unknown): string | undefined {
  if (!Array.isArray(x)) return 'envelopes are not a list';
  for (const e of x) {
    if (!isObj(e)) return 'an envelope is not an object';
    if (!isStr(e.from) || !isStr(e.to)) return 'an envelope has no from/to node';
    if (!(e.payload instanceof Uint8Array)) return `envelope ${e.from} -> ${e.to} has no byte payload`;
    if (!isStr(e.kind)) return `envelope ${e.from} -> ${e.to} has no kind`;
    if (!Array.isArray(e.keys) || !e.keys.every(isStr)) return `envelope ${e.from} -> ${e.to} has bad keys`;
  }
  return undefined;
}

function badVersion(v: unknown): boolean {
  return !isObj(v) || !isNum(v.counter) || !isStr(v.origin);
}

function badUpdate(x: unknown): string | undefined {
  if (!isObj(x) || !Array.isArray(x.acks)) return 'no list of acks';
  for (const a of x.acks) {
    if (!isObj(a) || !isStr(a.node) || !isStr(a.key) || badVersion(a.version)) return 'a malformed ack';
  }
  return badEnvelopes(x.envelopes);
}

function badSnapshots(x: unknown): string | undefined {
  if (!Array.isArray(x)) return 'snapshots are not a list';
  for (const s of x) {
    if (!isObj(s) || !isStr(s.node)) return 'a snapshot has no node';
    if (!Array.isArray(s.entries)) return `snapshot of ${s.node} has no entries`;
    for (const e of s.entries) {
      if (!isObj(e) || !isStr(e.key) || !isStr(e.value) || badVersion(e.version)) {
        return `snapshot of ${s.node} has a malformed entry`;
      }
    }
    if (!isNum(s.estimate) || !isNum(s.sum) || !isNum(s.weight))
      return `snapshot of ${s.node} has bad numbers`;
  }
  return undefined;
}

function badInit(x: unknown): string | undefined {
  if (!isObj(x) || !isStr(x.implementation) || !isStr(x.version)) return 'no implementation/version';
  const c = x.capabilities;
  if (!isObj(c) || !Array.isArray(c.variants) || !Array.isArray(c.lossOfInterest)) return 'no capabilities';
  return undefined;
}

/** At most 10 node ids, for messages (the event's `nodes` has them all). */
function nodeList(nodes: readonly NodeId[]): string {
  const shown = nodes.slice(0, 10).join(', ');
  return nodes.length > 10 ? `${shown} and ${nodes.length - 10} more` : shown;
}

const roundStart = (x: number): number => Math.max(1, x);

/** What a read showed of a node, to record the next read only when it differs. */
interface ReadState {
  entries: ReadEntry[];
  /** Membership view, when the snapshot has one. */
  members?: ReadMember[];
  estimate: number;
  sum: number;
  weight: number;
}

/** Equal as JSON text: non-finite numbers all serialise as null, and 0 as -0. */
function sameNumber(a: number, b: number): boolean {
  return a === b || (!Number.isFinite(a) && !Number.isFinite(b));
}

/**
 * True when `a` and `b` would serialise to the same JSON (the history's
 * equality), compared field by field instead of building the text per node.
 */
function sameState(a: ReadState | undefined, b: ReadState): boolean {
  if (a === undefined || a.entries.length !== b.entries.length) return false;
  if (a.members !== b.members && JSON.stringify(a.members) !== JSON.stringify(b.members)) return false;
  if (!sameNumber(a.estimate, b.estimate) || !sameNumber(a.sum, b.sum) || !sameNumber(a.weight, b.weight))
    return false;
  for (let i = 0; i < a.entries.length; i++) {
    const x = a.entries[i];
    const y = b.entries[i];
    if (x[0] !== y[0] || x[1] !== y[1] || !sameNumber(x[2], y[2]) || x[3] !== y[3]) return false;
    // Status is not validated (an in-process IUT may return anything): compare as JSON unless identical.
    if (x[4] !== y[4] && JSON.stringify(x[4]) !== JSON.stringify(y[4])) return false;
  }
  return true;
}

function validate(spec: LockstepSpec, placements: Placement[]): void {
  const known = new Set(spec.nodes);
  if (known.size !== spec.nodes.length) throw new Error('spec.nodes has duplicates');
  if (!Number.isInteger(spec.rounds) || spec.rounds < 0)
    throw new Error('spec.rounds must be an integer >= 0');
  if (!Number.isInteger(spec.hopLimit) || spec.hopLimit < 1)
    throw new Error('spec.hopLimit must be an integer >= 1');
  if (!(spec.callTimeoutMs > 0)) throw new Error('spec.callTimeoutMs must be > 0');
  const placed = new Set<NodeId>();
  const endpoints = new Set<GossipEndpoint>();
  for (const p of placements) {
    if (endpoints.has(p.endpoint)) throw new Error('an endpoint appears in two placements');
    endpoints.add(p.endpoint);
    for (const n of p.nodes) {
      if (!known.has(n)) throw new Error(`placement names unknown node ${n}`);
      if (placed.has(n)) throw new Error(`node ${n} is placed twice`);
      placed.add(n);
    }
  }
  for (const n of spec.nodes) if (!placed.has(n)) throw new Error(`node ${n} has no placement`);
  for (const op of spec.workload)
    if (!known.has(op.node)) throw new Error(`workload names unknown node ${op.node}`);
  for (const ev of spec.schedule) {
    if (ev.type !== 'link' && !known.has(ev.node)) throw new Error(`schedule names unknown node ${ev.node}`);
  }
  for (const ev of spec.membership ?? []) {
    if (!known.has(ev.node)) throw new Error(`membership event names unknown node ${ev.node}`);
  }
}

class LockstepRun {
  private readonly router: Router;
  private readonly placementOf = new Map<NodeId, number>();
  /** Nodes of each placement, in node order. */
  private readonly placed: NodeId[][];
  private readonly crashed = new Set<NodeId>();
  private readonly paused = new Set<NodeId>();
  private readonly lastRead = new Map<NodeId, ReadState>();
  private unknownSources = new Set<NodeId>();
  /** What clean stops (leaves) of this round sent, routed after the round's faults are set. */
  private stopSent: Envelope[] = [];
  private r = 0;
  /** Rounds fully run. */
  private done = 0;
  /** Envelopes sent in this round so far, and the cap. */
  private sentThisRound = 0;
  private roundCap = 0;
  /** The endpoint's own calls, under the spec's deadline. */
  private readonly called: Answers;
  /** Set once the endpoint said it does not play whole rounds. */
  private noRounds = false;
  /** Rounds where the schedule, membership or workload does something. */
  private readonly eventful = new Set<number>();

  constructor(
    private readonly spec: LockstepSpec,
    private readonly placements: Placement[],
    private readonly record: (e: HistoryEvent) => void,
  ) {
    this.router = new Router(spec.nodes, new Rng(deriveSeed(spec.seed, 'router')));
    this.called = calledAnswers(spec.callTimeoutMs);
    for (const ev of spec.schedule) {
      if (ev.type === 'link' || ev.type === 'pause') this.eventful.add(roundStart(ev.from)).add(ev.until);
      else this.eventful.add(roundStart(ev.at));
    }
    for (const ev of spec.membership ?? []) this.eventful.add(roundStart(ev.at));
    for (const op of spec.workload) this.eventful.add(op.round);
    placements.forEach((p, i) => {
      for (const n of p.nodes) this.placementOf.set(n, i);
    });
    this.placed = placements.map((_, i) => spec.nodes.filter((n) => this.placementOf.get(n) === i));
  }

  /** Records an error and the aborted end, then unwinds to runLockstep. */
  private fail(op: Op, nodes: NodeId[], message: string): never {
    const full = nodes.length > 0 ? `${message} (nodes: ${nodeList(nodes)})` : message;
    this.record({ t: 'error', r: this.r, op, nodes, message: full });
    this.record({ t: 'end', r: this.r, reason: 'aborted' });
    throw new Aborted(`round ${this.r}: ${full}`);
  }

  private call<T>(fn: () => Promise<T>, op: Op): Promise<CallResult<T>> {
    return callWithDeadline(fn, this.spec.callTimeoutMs, op);
  }

  /** Groups `items` by the placement of `nodeOf(item)`, keeping their order. */
  private group<T>(items: readonly T[], nodeOf: (item: T) => NodeId): T[][] {
    const groups: T[][] = this.placements.map(() => []);
    for (const item of items) groups[this.placementOf.get(nodeOf(item))!].push(item);
    return groups;
  }

  /** Restarts per node so far: each restart is a new generation with its own seed. */
  private readonly generations = new Map<NodeId, number>();

  private nodeInit(id: NodeId, restoreDurable: boolean, restart = false): NodeInit {
    const generation = (this.generations.get(id) ?? 0) + (restart ? 1 : 0);
    this.generations.set(id, generation);
    return {
      id,
      peers: (this.spec.peers[id] ?? []).slice(),
      seeds: (this.spec.seeds?.[id] ?? []).slice(),
      rngSeed: deriveSeed(this.spec.seed, generation ? `node:${id}#${generation}` : `node:${id}`),
      initialValue: this.spec.initialValues[id] ?? 0,
      restoreDurable,
      generation,
    };
  }

  private sortedNodes(nodes: Iterable<NodeId>): NodeId[] {
    const set = new Set(nodes);
    return this.spec.nodes.filter((n) => set.has(n));
  }

  /**
   * Sends `envs` into the network at `hop`, recording what happened. The
   * 'error' for a source addressing an unknown node (once per source and
   * round) follows the whole batch, so the batch's sends stay contiguous.
   */
  private sendAll(envs: readonly Envelope[], hop: number, op: Op): void {
    this.sentThisRound += envs.length;
    if (this.sentThisRound > this.roundCap) {
      this.fail(
        op,
        [],
        `the nodes sent ${this.sentThisRound} envelopes in round ${this.r} (this ${op} returned ${envs.length}), over the cap of ${this.roundCap} per round (--max-envelopes; default 64·n·(fanout+2)·(hops+1) + (n-1)·writes)`,
      );
    }
    const errors: HistoryEvent[] = [];
    for (const env of envs) {
      for (const e of this.router.send(env, hop)) {
        this.record(e);
        if (e.t === 'drop' && e.reason === 'unknown-node' && !this.unknownSources.has(env.from)) {
          this.unknownSources.add(env.from);
          errors.push({
            t: 'error',
            r: this.r,
            op,
            nodes: [env.from],
            message: `node ${env.from} sent an envelope to unknown node ${JSON.stringify(env.to)}`,
          });
        }
      }
    }
    for (const e of errors) this.record(e);
  }

  async init(): Promise<void> {
    const { spec } = this;
    const clock: ClockMode = 'lockstep';
    // Nodes that join later are down until their join.
    const late = new Set<NodeId>();
    for (const ev of spec.membership ?? []) if (ev.type === 'join') late.add(ev.node);
    for (const n of spec.nodes) {
      if (late.has(n)) {
        this.crashed.add(n);
        this.router.crash(n);
      }
    }
    const results = await Promise.all(
      this.placements.map((p, i) =>
        this.call(
          () =>
            p.endpoint.init(
              this.placed[i].filter((n) => !late.has(n)).map((n) => this.nodeInit(n, false)),
              spec.params,
              clock,
            ),
          'Init',
        ),
      ),
    );
    let first: InitResult | undefined;
    results.forEach((res, i) => {
      if (!res.ok) this.fail('Init', this.placed[i], res.message);
      const bad = badInit(res.value);
      if (bad) this.fail('Init', this.placed[i], `Init returned ${bad}`);
      first ??= res.value;
    });
    if (first) {
      this.record({
        t: 'init',
        implementation: first.implementation,
        version: first.version,
        capabilities: first.capabilities,
      });
    }
  }

  private activeFaults(r: number): LinkFault[] {
    const faults: LinkFault[] = [];
    for (const ev of this.spec.schedule) {
      if (ev.type === 'link' && roundStart(ev.from) <= r && r < ev.until) faults.push(ev.fault);
    }
    return faults;
  }

  private async applySchedule(r: number): Promise<void> {
    const { spec } = this;
    for (const ev of spec.schedule) {
      if (ev.type === 'link' && ev.until === r && roundStart(ev.from) < ev.until) {
        this.record({
          t: 'fault',
          r,
          action: 'stop',
          fault: ev.fault,
          edges: cutEdges(ev.fault, spec.nodes),
        });
      } else if (ev.type === 'pause' && ev.until === r && roundStart(ev.from) < ev.until) {
        this.paused.delete(ev.node);
        this.router.resume(ev.node);
        this.record({ t: 'pause', r, node: ev.node, action: 'stop' });
      }
    }
    for (const ev of spec.schedule) {
      switch (ev.type) {
        case 'link':
          if (roundStart(ev.from) === r && r < ev.until) {
            this.record({
              t: 'fault',
              r,
              action: 'start',
              fault: ev.fault,
              edges: cutEdges(ev.fault, spec.nodes),
            });
          }
          break;
        case 'pause':
          if (roundStart(ev.from) === r && r < ev.until) {
            this.paused.add(ev.node);
            this.router.pause(ev.node, ev.until);
            this.record({ t: 'pause', r, node: ev.node, action: 'start' });
          }
          break;
        case 'crash':
          if (roundStart(ev.at) === r && !this.crashed.has(ev.node)) {
            this.crashed.add(ev.node);
            // The node's next read is recorded whatever it holds: a restarted node
            // that caught up within its first round must still show up as read.
            this.lastRead.delete(ev.node);
            this.router.crash(ev.node);
            this.record({ t: 'crash', r, node: ev.node });
            const endpoint = this.placements[this.placementOf.get(ev.node)!].endpoint;
            const res = await this.call(() => endpoint.stop([ev.node], 'crash'), 'Stop');
            if (!res.ok) this.fail('Stop', [ev.node], res.message);
          }
          break;
        case 'restart':
          if (roundStart(ev.at) === r) {
            this.record({ t: 'restart', r, node: ev.node, durable: ev.durable });
            const endpoint = this.placements[this.placementOf.get(ev.node)!].endpoint;
            const init = [this.nodeInit(ev.node, ev.durable, true)];
            const res = await this.call(() => endpoint.init(init, spec.params, 'lockstep'), 'Init');
            if (!res.ok) this.fail('Init', [ev.node], res.message);
            this.crashed.delete(ev.node);
            this.router.restart(ev.node);
          }
          break;
      }
    }
    for (const ev of spec.membership ?? []) {
      switch (ev.type) {
        case 'join':
          if (roundStart(ev.at) === r && this.crashed.has(ev.node)) {
            this.record({ t: 'join', r, node: ev.node });
            const endpoint = this.placements[this.placementOf.get(ev.node)!].endpoint;
            const init = [this.nodeInit(ev.node, false)];
            const res = await this.call(() => endpoint.init(init, spec.params, 'lockstep'), 'Init');
            if (!res.ok) this.fail('Init', [ev.node], res.message);
            this.crashed.delete(ev.node);
            this.router.restart(ev.node);
          }
          break;
        case 'leave':
          if (roundStart(ev.at) === r && !this.crashed.has(ev.node)) {
            this.record({ t: 'leave', r, node: ev.node });
            const endpoint = this.placements[this.placementOf.get(ev.node)!].endpoint;
            const res = await this.call(() => endpoint.stop([ev.node], 'clean'), 'Stop');
            if (!res.ok) this.fail('Stop', [ev.node], res.message);
            const sent = res.value ?? [];
            const bad = badEnvelopes(sent);
            if (bad) this.fail('Stop', [ev.node], `Stop returned bad envelopes: ${bad}`);
            // Sent once the round's faults are in place (after beginRound).
            this.stopSent.push(...sent);
            this.crashed.add(ev.node);
            this.lastRead.delete(ev.node);
            this.router.crash(ev.node);
          }
          break;
      }
    }
  }

  private async updates(r: number): Promise<void> {
    const writes: Write[] = this.spec.workload
      .filter((op) => op.round === r && !this.crashed.has(op.node) && !this.paused.has(op.node))
      .map((op) => ({ node: op.node, key: op.key, value: op.value }));
    if (writes.length === 0) return;
    for (const w of writes) this.record({ t: 'update', r, node: w.node, key: w.key, value: w.value });
    const groups = this.group(writes, (w) => w.node);
    const results = await Promise.all(
      this.placements.map((p, i) =>
        groups[i].length > 0 ? this.call(() => p.endpoint.update(groups[i]), 'Update') : undefined,
      ),
    );
    const done: UpdateResult[] = [];
    results.forEach((res, i) => {
      if (!res) return;
      const nodes = this.sortedNodes(groups[i].map((w) => w.node));
      if (!res.ok) this.fail('Update', nodes, res.message);
      const bad = badUpdate(res.value);
      if (bad) this.fail('Update', nodes, `Update returned ${bad}`);
      done.push(res.value);
    });
    for (const res of done) {
      for (const a of res.acks) this.record({ t: 'ack', r, node: a.node, key: a.key, version: a.version });
    }
    for (const res of done) this.sendAll(res.envelopes, 0, 'Update');
  }

  private async tick(r: number, answers: Answers): Promise<void> {
    const live = this.spec.nodes.filter((n) => !this.crashed.has(n) && !this.paused.has(n));
    this.record({ t: 'tick', r, nodes: live });
    const groups = this.group(live, (n) => n);
    const results = await Promise.all(
      this.placements.map((p, i) => (groups[i].length > 0 ? answers.tick(p.endpoint, groups[i]) : undefined)),
    );
    const sent: Envelope[][] = [];
    results.forEach((res, i) => {
      if (!res) return;
      if (!res.ok) this.fail('Tick', groups[i], res.message);
      const bad = badEnvelopes(res.value);
      if (bad) this.fail('Tick', groups[i], `Tick returned bad envelopes: ${bad}`);
      sent.push(res.value);
    });
    for (const envs of sent) this.sendAll(envs, 0, 'Tick');
  }

  private async hops(r: number, answers: Answers): Promise<void> {
    for (let hop = 1; hop <= this.spec.hopLimit; hop++) {
      const { events, batch } = this.router.takeDue();
      for (const e of events) this.record(e);
      if (batch.length === 0) return;
      const groups = this.group(batch, destinationOf);
      const outcomes = await Promise.all(
        this.placements.map((p, i) =>
          groups[i].length > 0 ? this.deliverGroup(p, groups[i], hop, answers) : undefined,
        ),
      );
      for (const o of outcomes) {
        if (!o) continue;
        for (const a of [o.first, o.retry]) {
          if (!a) continue;
          if (!a.res.ok && !a.res.rejected) this.fail('Deliver', o.nodes, a.res.message);
          if (a.res.ok) {
            const bad = badEnvelopes(a.res.value);
            if (bad) this.fail('Deliver', o.nodes, `Deliver returned bad envelopes: ${bad}`);
          }
        }
      }
      const replies: Envelope[][] = [];
      const attempt = (a: DeliverAttempt, nodes: NodeId[], dropped: InFlight[]) => {
        if (a.res.ok) {
          for (const item of a.items) this.record({ t: 'deliver', r, hop, id: item.id });
          replies.push(a.res.value);
          return;
        }
        this.record({
          t: 'error',
          r,
          op: 'Deliver',
          nodes,
          message: `${a.res.message} (nodes: ${nodeList(nodes)})`,
        });
        for (const item of dropped) this.record({ t: 'drop', r, id: item.id, reason: 'rejected' });
      };
      for (const o of outcomes) {
        if (!o) continue;
        if (o.before) this.recordSnapshots(r, o.nodes, o.before);
        // A refused batch with tampered copies is tried again without them: only the copies are lost.
        attempt(
          o.first,
          o.nodes,
          o.retry || o.after ? o.first.items.filter((x) => x.tampered) : o.first.items,
        );
        if (o.after) this.recordSnapshots(r, o.nodes, o.after);
        if (o.retry) attempt(o.retry, o.nodes, o.retry.items);
      }
      for (const envs of replies) this.sendAll(envs, hop, 'Deliver');
    }
    for (const e of this.router.carryOver()) this.record(e);
  }

  /**
   * Delivers one placement's share of a hop. A share holding tampered copies
   * (a tamper fault) is a probe: the nodes are read before and, when the
   * batch is refused, after (a refused batch must change nothing), and what
   * was valid in it is delivered again on its own (and must be accepted).
   */
  private async deliverGroup(
    p: Placement,
    items: InFlight[],
    hop: number,
    answers: Answers,
  ): Promise<DeliverOutcome> {
    const nodes = this.sortedNodes(items.map(destinationOf));
    const deliver = async (batch: InFlight[]): Promise<DeliverAttempt> => ({
      items: batch,
      res: await answers.deliver(
        p.endpoint,
        batch.map((item) => item.env),
        hop,
      ),
    });
    if (!items.some((item) => item.tampered)) return { nodes, first: await deliver(items) };
    const read = () => answers.read(p.endpoint, nodes);
    const before = await read();
    const first = await deliver(items);
    if (first.res.ok || !first.res.rejected) return { nodes, first, before };
    const after = await read();
    const valid = items.filter((item) => !item.tampered);
    return { nodes, first, before, after, retry: valid.length > 0 ? await deliver(valid) : undefined };
  }

  /** Records the reads of a probe (mid-round, only what changed since the node's last recorded read). */
  private recordSnapshots(r: number, nodes: NodeId[], res: CallResult<Snapshot[]>): void {
    if (!res.ok) this.fail('Read', nodes, res.message);
    const bad = badSnapshots(res.value);
    if (bad) this.fail('Read', nodes, `Read returned ${bad}`);
    const byNode = new Map(res.value.map((x) => [x.node, x]));
    for (const node of nodes) {
      const snap = byNode.get(node);
      if (!snap) this.fail('Read', [node], `Read returned no snapshot for node ${node}`);
      this.recordRead(r, node, snap, false);
    }
  }

  /** `omitted`: a played round's snapshots leave out the nodes unchanged since their last read. */
  private async reads(r: number, final: boolean, answers: Answers, omitted = false): Promise<void> {
    const live = this.spec.nodes.filter((n) => !this.crashed.has(n));
    const groups = this.group(live, (n) => n);
    const results = await Promise.all(
      this.placements.map((p, i) => (groups[i].length > 0 ? answers.read(p.endpoint, groups[i]) : undefined)),
    );
    const byNode = new Map<NodeId, Snapshot>();
    results.forEach((res, i) => {
      if (!res) return;
      if (!res.ok) this.fail('Read', groups[i], res.message);
      const bad = badSnapshots(res.value);
      if (bad) this.fail('Read', groups[i], `Read returned ${bad}`);
      for (const s of res.value) byNode.set(s.node, s);
    });
    for (const node of live) {
      const s = byNode.get(node);
      if (!s && omitted && this.lastRead.has(node)) continue;
      if (!s) this.fail('Read', [node], `Read returned no snapshot for node ${node}`);
      this.recordRead(r, node, s, final);
    }
  }

  /** Records `node`'s snapshot when it differs from the node's last recorded read (always when `final`). */
  private recordRead(r: number, node: NodeId, s: Snapshot, final: boolean): void {
    const unsorted = snapshotOrderProblem(s);
    const entries: ReadEntry[] = s.entries
      .map((e): ReadEntry => [e.key, e.value, e.version.counter, e.version.origin, e.status ?? null])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const state: ReadState = { entries, estimate: s.estimate, sum: s.sum, weight: s.weight };
    const view = Array.isArray(s.memberView) && s.memberView.length > 0 ? s.memberView : undefined;
    if (view) {
      state.members = view
        .map((m): ReadMember => [String(m.id), m.status, Number(m.incarnation)])
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    }
    if (!final && !unsorted && sameState(this.lastRead.get(node), state)) return;
    // A copy: the recorded event's entries go to `record`, which may keep or change them.
    this.lastRead.set(node, {
      ...state,
      entries: entries.map((e): ReadEntry => [e[0], e[1], e[2], e[3], e[4]]),
    });
    const members = state.members;
    this.record({
      t: 'read',
      r,
      node,
      entries,
      estimate: s.estimate,
      sum: s.sum,
      weight: s.weight,
      final,
      ...(members ? { members: members.map((m): ReadMember => [m[0], m[1], m[2]]) } : {}),
      ...(unsorted ? { unsorted } : {}),
    });
  }

  /** The cap on envelopes in round r (--max-envelopes, or envelopeCap for its writes). */
  private capOf(r: number): number {
    const { spec } = this;
    return (
      spec.maxEnvelopesPerRound ||
      envelopeCap(
        spec.nodes.length,
        spec.params.fanout,
        spec.hopLimit,
        spec.workload.filter((w) => w.round === r).length,
      )
    );
  }

  /** Round r up to its writes: the round event, the schedule, the network's faults, leaves' and writes' sends. */
  private async startRound(r: number): Promise<LinkFault[]> {
    this.r = r;
    this.unknownSources = new Set();
    this.sentThisRound = 0;
    this.roundCap = this.capOf(r);
    this.record({ t: 'round', r });
    await this.applySchedule(r);
    const faults = this.activeFaults(r);
    this.router.beginRound(r, faults);
    if (this.stopSent.length > 0) {
      const sent = this.stopSent;
      this.stopSent = [];
      this.sendAll(sent, 0, 'Stop');
    }
    await this.updates(r);
    return faults;
  }

  /**
   * How many rounds from r (started) the endpoint may play in one call: 0
   * unless there is one endpoint that plays rounds, no link fault, pause or
   * tampered copy in r; then r and the quiet rounds after it (no schedule,
   * membership or write event, no fault; not the last round), while nothing
   * the endpoint cannot see is held in the network.
   */
  private playable(r: number, faults: readonly LinkFault[]): number {
    const endpoint = this.placements[0].endpoint;
    if (this.placements.length !== 1 || !endpoint.round || this.noRounds) return 0;
    if (faults.length > 0 || this.paused.size > 0) return 0;
    const due = this.router.peekDue();
    if (due.some((item) => item.tampered)) return 0;
    let k = 1;
    if (this.router.inFlight() === due.length) {
      while (k < MAX_PLAYED_ROUNDS && r + k < this.spec.rounds && this.quiet(r + k)) k++;
    }
    return k;
  }

  private quiet(r: number): boolean {
    return !this.eventful.has(r) && this.activeFaults(r).length === 0;
  }

  /**
   * Plays the rounds from r (started) in one call where `playable` allows,
   * and replays the answer through tick/hops/reads, so the history is the
   * one the calls would give. Returns the rounds played; 0: round r is still
   * to be driven call by call.
   */
  private async playRounds(r: number, faults: readonly LinkFault[]): Promise<number> {
    const k = this.playable(r, faults);
    if (k === 0) return 0;
    const endpoint = this.placements[0].endpoint;
    const live = this.spec.nodes.filter((n) => !this.crashed.has(n));
    const caps = [this.roundCap - this.sentThisRound];
    for (let u = r + 1; u < r + k; u++) caps.push(this.capOf(u));
    const onlyChanged = r !== this.spec.rounds;
    const call = {
      nodes: live,
      due: this.router.peekDue().map((item) => item.env),
      hopLimit: this.spec.hopLimit,
      maxEnvelopes: caps.map((c) => Math.min(0xffffffff, c)),
      onlyChanged,
    };
    // A failed Round cannot tell which of its calls failed; the message says what it held.
    const held = `Tick, Deliver or Read of ${k > 1 ? `rounds ${r}..${r + k - 1}` : `round ${r}`}`;
    const res = await callWithDeadline(() => endpoint.round!(call), this.spec.callTimeoutMs, held);
    if (!res.ok) {
      this.record({ t: 'tick', r, nodes: live });
      this.fail(
        'Round',
        live,
        `${res.message} (played in one Round call; GOSSIPCHECK_UNARY=1 makes every call on its own, to tell which)`,
      );
    }
    if (res.value === undefined) {
      this.noRounds = true;
      return 0;
    }
    const played = res.value;
    for (let i = 0; i < k; i++) {
      const u = r + i;
      if (i > 0) await this.startRound(u);
      const round = played[i];
      if (!round) this.fail('Round', live, `the endpoint's Round played ${played.length} of ${k} rounds`);
      const answers = playedAnswers(round);
      await this.tick(u, answers);
      await this.hops(u, answers);
      const extra = answers.hopsLeft();
      if (extra > 0)
        this.fail('Round', live, `the endpoint's Round played ${extra} hop(s) more than the network routed`);
      await this.reads(u, u === this.spec.rounds, answers, onlyChanged);
      this.done = u;
    }
    if (played.length > k)
      this.fail('Round', live, `the endpoint's Round played ${played.length} of ${k} rounds`);
    return k;
  }

  async run(signal: AbortSignal | undefined): Promise<RunOutcome> {
    const { spec } = this;
    this.record({
      t: 'run',
      seed: spec.seed,
      mode: 'lockstep',
      nodes: spec.nodes.slice(),
      params: spec.params,
      rounds: spec.rounds,
      hopLimit: spec.hopLimit,
      values:
        Object.keys(spec.initialValues).length > 0 ? spec.nodes.map((n) => spec.initialValues[n] ?? 0) : [],
      ...(spec.scenario !== undefined ? { scenario: spec.scenario } : {}),
      ...(fullMesh(spec)
        ? {}
        : { peers: Object.fromEntries(spec.nodes.map((n) => [n, (spec.peers[n] ?? []).slice()])) }),
    });
    try {
      await this.init();
      if (spec.rounds === 0) await this.reads(0, true, this.called);
      for (let r = 1; r <= spec.rounds; r++) {
        if (signal?.aborted) {
          this.record({ t: 'end', r: this.done, reason: 'aborted' });
          return {
            completed: false,
            reason: `aborted by the caller after round ${this.done}`,
            rounds: this.done,
          };
        }
        const faults = await this.startRound(r);
        const played = await this.playRounds(r, faults);
        if (played === 0) {
          await this.tick(r, this.called);
          await this.hops(r, this.called);
          await this.reads(r, r === spec.rounds, this.called);
        } else r += played - 1;
        this.done = r;
      }
    } catch (err) {
      if (err instanceof Aborted) return { completed: false, reason: err.message, rounds: this.done };
      throw err;
    }
    this.record({ t: 'end', r: spec.rounds, reason: 'completed' });
    return { completed: true, rounds: this.done };
  }
}

/**
 * Runs `spec` in lockstep over the nodes `placements` host, calling `record`
 * for every history event. Resolves (never rejects) on IUT failures, with
 * `completed: false` and a reason; throws only for an invalid spec or
 * placements (programmer errors). `signal` is honoured between rounds.
 */
export async function runLockstep(
  spec: LockstepSpec,
  placements: Placement[],
  record: (e: HistoryEvent) => void,
  signal?: AbortSignal,
): Promise<RunOutcome> {
  validate(spec, placements);
  return new LockstepRun(spec, placements, record).run(signal);
}
