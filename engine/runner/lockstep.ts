// The lockstep runner: the harness owns virtual time and drives every node
// through its endpoint, round by round, with the router as the network.
// Same spec + same endpoint behaviour => the same event sequence, byte for
// byte: everything is iterated in node order / placement order and nothing
// depends on timing (calls to different endpoints run concurrently, but their
// results are recorded in placement order).
//
// Per round r (events in this order):
//   round
//   schedule (engine/faults/nemesis.ts), stops first: fault stop / pause stop
//     (schedule order), then starts: fault start / pause start / crash /
//     restart / join / leave (schedule order)
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
  InitResult,
  NodeId,
  Snapshot,
  UpdateResult,
  Write,
} from '../../proto/contract.js';
import { deriveSeed, Rng } from '../../shared/prng.js';
import { applyToNetwork, Nemesis, type NodeAction } from '../faults/nemesis.js';
import type { LinkFault } from '../faults/schedule.js';
import type { HistoryEvent } from '../history/events.js';
import { destinationOf, type InFlight, Router } from '../router/router.js';
import { type Answers, calledAnswers, playedAnswers } from './answers.js';
import { type CallResult, callWithDeadline } from './call.js';
import { type DeliverAttempt, deliverGroup } from './deliver.js';
import { performOnEndpoint } from './node-control.js';
import { playableRounds } from './played.js';
import { ReadLog } from './reads.js';
import {
  type LockstepSpec,
  nodeInitOf,
  type Placement,
  type RunOutcome,
  roundCap,
  runEvent,
  validateSpec,
} from './spec.js';
import { badEnvelopes, badInit, badSnapshots, badUpdate, nodeList } from './wellformed.js';

export type { LockstepSpec, Placement, RunOutcome, WorkloadOp } from './spec.js';

type Op = 'Init' | 'Tick' | 'Deliver' | 'Update' | 'Read' | 'Stop' | 'Round';

/** Thrown inside the runner once an abort is recorded; never escapes runLockstep. */
class Aborted extends Error {}

class LockstepRun {
  private readonly router: Router;
  private readonly placementOf = new Map<NodeId, number>();
  /** Each node's position in spec.nodes. */
  private readonly indexOf: Map<NodeId, number>;
  /** Nodes of each placement, in node order. */
  private readonly placed: NodeId[][];
  /** Who is down or paused, each node's generation, the link faults in force. */
  private readonly nemesis: Nemesis;
  private readonly readLog: ReadLog;
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
  /** Rounds where the schedule (a transition) or the workload does something. */
  private readonly eventful = new Set<number>();

  constructor(
    private readonly spec: LockstepSpec,
    private readonly placements: Placement[],
    private readonly record: (e: HistoryEvent) => void,
  ) {
    this.router = new Router(spec.nodes, new Rng(deriveSeed(spec.seed, 'router')));
    this.indexOf = new Map(spec.nodes.map((n, i) => [n, i]));
    this.called = calledAnswers(spec.callTimeoutMs);
    // Round 0 is Init's: the schedule starts in round 1 at the earliest.
    this.nemesis = new Nemesis(spec.nodes, spec.schedule, 1);
    this.readLog = new ReadLog(record);
    for (const tr of this.nemesis.timeline) this.eventful.add(tr.at);
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
    // One placement (every node placed, validateSpec): all of them, without a lookup each.
    if (this.placements.length === 1) return [items.slice()];
    const groups: T[][] = this.placements.map(() => []);
    for (const item of items) groups[this.placementOf.get(nodeOf(item))!].push(item);
    return groups;
  }

  /** `nodes` once each, in node order: by index when few, by a pass over every node when many. */
  private sortedNodes(nodes: Iterable<NodeId>): NodeId[] {
    const set = new Set(nodes);
    if (set.size * 16 > this.spec.nodes.length) return this.spec.nodes.filter((n) => set.has(n));
    const at = (n: NodeId) => this.indexOf.get(n)!;
    return [...set].filter((n) => this.indexOf.has(n)).sort((a, b) => at(a) - at(b));
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
    const late = new Set(this.nemesis.down());
    for (const n of late) this.router.crash(n);
    const results = await Promise.all(
      this.placements.map((p, i) =>
        this.call(
          () =>
            p.endpoint.init(
              this.placed[i].filter((n) => !late.has(n)).map((n) => nodeInitOf(this.spec, n, false, 0)),
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

  /** The schedule's transitions due in round r, through the nemesis: recorded, then performed. */
  private async applySchedule(r: number): Promise<void> {
    for (const tr of this.nemesis.due(r)) {
      const step = this.nemesis.apply(tr, r);
      if (!step) continue;
      this.record(step.event);
      if (step.node) await this.perform(step.node);
    }
  }

  /** A node action on the network and on the node's endpoint. */
  private async perform(a: NodeAction): Promise<void> {
    applyToNetwork(this.router, a);
    await performOnEndpoint(a, {
      endpoint: this.placements[this.placementOf.get(a.node)!].endpoint,
      spec: this.spec,
      call: (fn, op) => this.call(fn, op),
      fail: (op, nodes, message) => this.fail(op, nodes, message),
      forget: (node) => this.readLog.forget(node),
      sent: (envs) => this.stopSent.push(...envs),
    });
  }

  /** Live: not down; `awake`: nor paused. */
  private live(awake: boolean): NodeId[] {
    return this.spec.nodes.filter((n) => !this.nemesis.isDown(n) && !(awake && this.nemesis.isPaused(n)));
  }

  private async updates(r: number): Promise<void> {
    const writes: Write[] = this.spec.workload
      .filter((op) => op.round === r && !this.nemesis.isDown(op.node) && !this.nemesis.isPaused(op.node))
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
    const live = this.live(true);
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
          groups[i].length > 0
            ? deliverGroup(p, this.sortedNodes(groups[i].map(destinationOf)), groups[i], hop, answers)
            : undefined,
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

  /** Records the reads of a probe (mid-round, only what changed since the node's last recorded read). */
  private recordSnapshots(r: number, nodes: NodeId[], res: CallResult<Snapshot[]>): void {
    if (!res.ok) this.fail('Read', nodes, res.message);
    const bad = badSnapshots(res.value);
    if (bad) this.fail('Read', nodes, `Read returned ${bad}`);
    const byNode = new Map(res.value.map((x) => [x.node, x]));
    for (const node of nodes) {
      const snap = byNode.get(node);
      if (!snap) this.fail('Read', [node], `Read returned no snapshot for node ${node}`);
      this.readLog.recordRead(r, node, snap, false);
    }
  }

  /** `omitted`: a played round's snapshots leave out the nodes unchanged since their last read. */
  private async reads(r: number, final: boolean, answers: Answers, omitted = false): Promise<void> {
    const live = this.live(false);
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
      if (!s && omitted && this.readLog.has(node)) continue;
      if (!s) this.fail('Read', [node], `Read returned no snapshot for node ${node}`);
      this.readLog.recordRead(r, node, s, final);
    }
  }

  /** Round r up to its writes: the round event, the schedule, the network's faults, leaves' and writes' sends. */
  private async startRound(r: number): Promise<LinkFault[]> {
    this.r = r;
    this.unknownSources = new Set();
    this.sentThisRound = 0;
    this.roundCap = roundCap(this.spec, r);
    this.record({ t: 'round', r });
    await this.applySchedule(r);
    const faults = this.nemesis.linkFaults();
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
   * Plays the rounds from r (started) in one call where `playable` allows,
   * and replays the answer through tick/hops/reads, so the history is the
   * one the calls would give. Returns the rounds played; 0: round r is still
   * to be driven call by call.
   */
  private async playRounds(r: number, faults: readonly LinkFault[]): Promise<number> {
    const endpoint0 = this.placements[0].endpoint;
    const k =
      this.placements.length !== 1 || !endpoint0.round || this.noRounds
        ? 0
        : playableRounds({
            r,
            rounds: this.spec.rounds,
            faults: faults.length,
            paused: this.nemesis.pausedNodes().length,
            due: this.router.peekDue(),
            inFlight: this.router.inFlight(),
            eventful: this.eventful,
          });
    if (k === 0) return 0;
    const endpoint = this.placements[0].endpoint;
    const live = this.live(false);
    const caps = [this.roundCap - this.sentThisRound];
    for (let u = r + 1; u < r + k; u++) caps.push(roundCap(this.spec, u));
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
    this.record(runEvent(spec));
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
  validateSpec(spec, placements);
  return new LockstepRun(spec, placements, record).run(signal);
}
