// The realtime runner: nodes run on their own timers (clock mode realtime);
// the harness writes, reads, injects the fault schedule at wall-clock times,
// heals, and waits for convergence. Every history event's `r` is the
// milliseconds since the run started (monotonic; see docs/chaos.md).
//
// Phases (each a 'phase' event): workload (writes every `writeEveryMs` at a
// random live node, reads of every node every `readEveryMs`, the schedule's
// faults at their times) -> heal (writes stop; anything still active is
// stopped) -> settle (reads until every node has held the same state for a
// few gossip periods and at least `observeMs` has passed, or until the
// longer of settleMs and observeMs passes) -> final reads (final=true),
// iptables counters (direct transport), end.
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Envelope, GossipEndpoint, InitResult, NodeId, Snapshot } from '../../proto/contract.js';
import { groupBy } from '../../shared/group.js';
import { deriveSeed, Rng } from '../../shared/prng.js';
import { type Spread, spreadOf } from '../../shared/spread.js';
import { NodeFault, type RealtimeBackend } from '../backends/realtime.js';
import { CallTimeoutError, GrpcEndpoint, NotConnectedError } from '../endpoint/grpc-client.js';
import { eventLabel, faultLabel } from '../faults/label.js';
import { applyToNetwork, Nemesis, type NodeAction, type Step, type Transition } from '../faults/nemesis.js';
import type { HistoryEvent } from '../history/events.js';
import { type CallResult, callWithDeadline } from '../runner/call.js';
import { directLinkFault } from './direct.js';
import { WallClockNetwork } from './network.js';
import type { Progress } from './progress.js';
import { NodeStates, type ReadMode } from './reads.js';
import { nodeInitOf, type RealtimeOutcome, type RealtimeSpec, runEvent } from './spec.js';

export type { RealtimeOutcome, RealtimeSpec } from './spec.js';

class Abort extends Error {}

/** Sampling interval of the harness's event loop delay (ms). */
const LOOP_RESOLUTION_MS = 10;

export class RealtimeRun {
  private readonly t0 = performance.now();
  private lastR = 0;
  /** By address (endpoint()). */
  private readonly endpoints = new Map<string, GrpcEndpoint>();
  private network: WallClockNetwork | null = null;
  private harnessAddress = '';
  /** Who is down or paused, each node's generation, the link faults in force. */
  private readonly nemesis: Nemesis;
  /**
   * Nodes the nemesis has taken back whose backend is not done yet (a restart
   * or join until Init answers, a resume until the backend resumed): not
   * read, not written to.
   */
  private readonly starting = new Set<NodeId>();
  private readonly states = new NodeStates();
  private phase = 'start';
  private writing = false;
  private reading = false;
  private seq = 0;
  private readonly rng: Rng;
  private abortReason: string | null = null;
  private harnessError: Error | null = null;
  private chain: Promise<void> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  private ended = false;

  constructor(
    private readonly spec: RealtimeSpec,
    private readonly backend: RealtimeBackend,
    private readonly sink: (e: HistoryEvent) => void,
    private readonly progress?: Progress,
  ) {
    this.rng = new Rng(deriveSeed(spec.seed, 'workload'));
    this.nemesis = new Nemesis(spec.nodes, spec.schedule, 0);
  }

  /** Down (crashed, left, not joined) or starting: not read, not written to. */
  private unavailable(node: NodeId): boolean {
    return this.nemesis.isDown(node) || this.starting.has(node);
  }

  /** Up, started and not paused: the nodes the workload and the reads use. */
  private reachable(): NodeId[] {
    return this.spec.nodes.filter((n) => !this.unavailable(n) && !this.nemesis.isPaused(n));
  }

  now(): number {
    return Math.round(performance.now() - this.t0);
  }

  /** Records `e` with a monotonic `r` (events are created and recorded at once). */
  private readonly record = (e: HistoryEvent): void => {
    // Calls still in flight when the run ended (an abort) answer into nothing.
    if (this.ended) return;
    if ('r' in e) {
      const r = Math.max(this.lastR, e.r);
      this.lastR = r;
      this.sink({ ...e, r } as HistoryEvent);
    } else this.sink(e);
  };

  private fail(op: string, nodes: NodeId[], message: string): never {
    this.record({ t: 'error', r: this.now(), op, nodes, message });
    this.abortReason ??= `${op} (${nodes.join(', ')}): ${message}`;
    throw new Abort(message);
  }

  /**
   * The node refused a valid Update or Read (a ContractError, not a timeout):
   * it broke the contract, so the run ends with that as its reason. Timeouts,
   * lost connections and refusals from a node the harness has taken down
   * stay errors the run goes on past: a paused, killed or overloaded node may
   * miss a deadline.
   */
  private refused(op: string, node: NodeId, message: string): void {
    // Once the run is over, later refusals (calls already in flight) are noise.
    if (this.abortReason) return;
    this.record({ t: 'error', r: this.now(), op, nodes: [node], message });
    // A node the harness took down (or is restarting) may refuse a call that
    // was in flight then: the harness's doing, an error like a timeout.
    if (!this.unavailable(node)) this.abortReason = `${op} (${node}): ${message}`;
  }

  private setPhase(phase: string): void {
    this.phase = phase;
    this.record({ t: 'phase', r: this.now(), phase });
    this.progress?.note(`[${phase}] ${(this.now() / 1000).toFixed(1)}s`);
  }

  /**
   * The client of the endpoint hosting `node`: one per address, so the nodes
   * of one endpoint process share its Session stream and the network
   * delivers to all of them in one call.
   */
  private endpoint(node: NodeId): GrpcEndpoint {
    const address = this.backend.address(node);
    let e = this.endpoints.get(address);
    if (!e) {
      e = new GrpcEndpoint(address, this.spec.callTimeoutMs);
      this.endpoints.set(address, e);
    }
    return e;
  }

  /**
   * Init of `nodes`, all at endpoint `e` (at startup one call for all of them,
   * so they start together: at n = 1,000 one endpoint process otherwise
   * starts a thousand nodes one call at a time while the first ones gossip).
   */
  private async initNodes(
    nodes: NodeId[],
    restoreDurable = false,
    e = this.endpoint(nodes[0]),
  ): Promise<InitResult> {
    const startBy = Date.now() + this.spec.startupTimeoutMs;
    try {
      await e.waitForReady(this.spec.startupTimeoutMs);
    } catch {
      const logs = (await this.backend.logs?.(nodes[0])) ?? '';
      this.fail(
        'Init',
        nodes,
        `node did not serve GossipNode at ${e.address} within ${this.spec.startupTimeoutMs} ms${logs ? `: ${logs.trim().split('\n').slice(-3).join(' | ')}` : ''}`,
      );
    }
    for (;;) {
      try {
        return await e.init(
          nodes.map((n) => nodeInitOf(this.spec, n, restoreDurable, this.nemesis.generation(n))),
          this.spec.params,
          'realtime',
          this.harnessAddress,
        );
      } catch (err) {
        // Init is part of starting: a port that took the connection before the node
        // served it (a published port, a proxy) drops the call unsent, and a node
        // still starting on a busy host may answer late. Either is asked again
        // within the startup time (a second Init at startup replaces the first).
        const starting = err instanceof NotConnectedError || err instanceof CallTimeoutError;
        if (!starting || Date.now() + 250 > startBy) this.fail('Init', nodes, (err as Error).message);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  // ---- workload and reads ----

  private async write(): Promise<void> {
    // A membership run's workload is the faults alone: a SWIM node keeps no store.
    if (this.writing || this.spec.params.variant === 'membership-swim') return;
    if (this.spec.writeLimit !== undefined && this.seq >= this.spec.writeLimit) return;
    const candidates = this.reachable();
    if (candidates.length === 0) return;
    this.writing = true;
    const node = candidates[this.rng.int(candidates.length)];
    await this.writeAt(node, `k${this.rng.int(this.spec.keys)}`);
    this.writing = false;
  }

  /** One write at `node`, its value the next in sequence; the acks recorded, the envelopes routed. */
  private async writeAt(node: NodeId, key: string): Promise<void> {
    const value = `v${++this.seq}`;
    this.record({ t: 'update', r: this.now(), node, key, value });
    const res = await callWithDeadline(
      () => this.endpoint(node).update([{ node, key, value }]),
      this.spec.callTimeoutMs,
      'Update',
    );
    if (!res.ok) {
      if (res.rejected) this.refused('Update', node, res.message);
      else this.record({ t: 'error', r: this.now(), op: 'Update', nodes: [node], message: res.message });
      return;
    }
    for (const a of res.value.acks)
      this.record({ t: 'ack', r: this.now(), node: a.node, key: a.key, version: a.version });
    if (this.network && res.value.envelopes.length) this.network.accept(res.value.envelopes as Envelope[]);
  }

  /** Client operations outstanding, by node (clientOps workload: one at a time per node). */
  private readonly busy = new Set<NodeId>();
  /** clientOps workload: operations due so far, and those of them started (the harness event). */
  private clientOpsDue = 0;
  private clientOpsStarted = 0;

  /** clientOps workload: every operation the workload plans, `rate` per second over its length. */
  private plannedOps(rate: number): number {
    return Math.floor((this.spec.durationMs * rate) / 1000);
  }

  /** clientOps workload: issues every operation due by now at `rate` per second since `start`. */
  private issueClientOps(start: number, rate: number): void {
    const due = Math.min(this.plannedOps(rate), Math.floor(((this.now() - start) * rate) / 1000));
    while (this.clientOpsDue < due) {
      this.clientOpsDue++;
      const idle = this.spec.nodes.filter((n) => !this.unavailable(n) && !this.busy.has(n));
      if (idle.length === 0) continue;
      this.clientOpsStarted++;
      const node = idle[this.rng.int(idle.length)];
      this.busy.add(node);
      const op = this.rng.chance(0.5)
        ? this.writeAt(node, `k${this.seq + 1}`)
        : this.readNodes([node], { record: 'always' });
      void op.finally(() => this.busy.delete(node));
    }
  }

  /** Reads every reachable node; records those whose state changed (all of them when `final`). */
  private async readAll(final = false): Promise<void> {
    if (this.reading && !final) return;
    this.reading = true;
    const nodes = this.reachable();
    await this.readNodes(nodes, { record: final ? 'final' : 'changed' });
    this.reading = false;
  }

  /**
   * Reads `nodes` and records each read: when its state changed, always (a
   * client operation), or as the final read of the run.
   */
  private async readNodes(nodes: NodeId[], o: { record: ReadMode }): Promise<void> {
    const results = await this.readEach(nodes);
    const r = this.now();
    nodes.forEach((node, i) => {
      const res = results[i];
      if (!res.ok) {
        if (res.rejected) this.refused('Read', node, res.message);
        // A failed client read is recorded like a failed write: it was an operation.
        else if (o.record !== 'changed')
          this.record({ t: 'error', r, op: 'Read', nodes: [node], message: res.message });
        return;
      }
      const s: Snapshot | undefined = res.value;
      const read = s && this.states.observe(node, s, r, o.record);
      if (read) this.record(read);
    });
  }

  /**
   * Each node's Read answer: one call per endpoint for all the nodes it hosts
   * (snapshots matched by node, as lockstep does). A failed call is asked
   * again node by node, so every node's answer is the one it gives alone.
   */
  private async readEach(nodes: NodeId[]): Promise<CallResult<Snapshot | undefined>[]> {
    const read = (e: GrpcEndpoint, ids: NodeId[]) =>
      callWithDeadline(() => e.read(ids), this.spec.callTimeoutMs, 'Read');
    const groups = groupBy(
      nodes.map((_, i) => i),
      (i) => this.endpoint(nodes[i]),
    );
    const out: CallResult<Snapshot | undefined>[] = new Array(nodes.length);
    /** The answers of a call for `ids` to their places (a one-node call's snapshot whatever its id, as before). */
    const place = (idx: number[], ids: NodeId[], res: CallResult<Snapshot[]>) => {
      const byNode = res.ok && ids.length > 1 ? new Map(res.value.map((x) => [x.node, x])) : null;
      idx.forEach((i, k) => {
        out[i] = res.ok ? { ok: true, value: byNode ? byNode.get(ids[k]) : res.value[0] } : res;
      });
    };
    await Promise.all(
      [...groups].map(async ([e, idx]) => {
        const ids = idx.map((i) => nodes[i]);
        const res = await read(e, ids);
        // A Read changes nothing, so any failed call is asked again node by node: one node that
        // hangs or refuses costs the others nothing but the wait.
        if (res.ok || ids.length === 1) return place(idx, ids, res);
        const each = await Promise.all(ids.map((id) => read(e, [id])));
        for (const [k, i] of idx.entries()) place([i], [ids[k]], each[k]);
      }),
    );
    return out;
  }

  /** [nodes holding the most common state, nodes that are up]. */
  convergedShare(): [number, number] {
    return this.states.share(this.spec.nodes.filter((n) => !this.nemesis.isDown(n)));
  }

  private allConverged(): boolean {
    const [k, n] = this.convergedShare();
    // After the heal no node is crashed or paused; those that left (or never joined) are not waited for.
    const up = this.spec.nodes.filter((m) => !this.nemesis.isDown(m));
    const same =
      n === up.length &&
      k === n &&
      this.nemesis.crashedNodes().length === 0 &&
      this.nemesis.pausedNodes().length === 0 &&
      this.starting.size === 0;
    if (!same || this.spec.params.variant !== 'membership-swim') return same;
    return this.states.allAlive(up);
  }

  activeFaultLabels(): string[] {
    return [
      ...this.nemesis.linkFaults().map(faultLabel),
      ...this.nemesis.pausedNodes().map((n) => `pause ${n}`),
      ...this.nemesis.crashedNodes().map((n) => `crash ${n}`),
    ];
  }

  // ---- the fault schedule: the nemesis's steps on the network and the backend ----

  private onNetwork(a: NodeAction): void {
    if (this.network) applyToNetwork(this.network, a);
  }

  /** Performs one step: the network, the backend and the history, in the order each needs. */
  private async perform(step: Step): Promise<void> {
    const record = () => this.record({ ...step.event, r: this.now() });
    const direct = this.spec.transport === 'direct';
    if (step.link) {
      this.network?.setFaults(this.nemesis.linkFaults());
      if (step.link.action === 'start') record();
      if (direct) await directLinkFault(this.backend, step.link, () => this.recordCounters());
      if (step.link.action === 'stop') record();
      return;
    }
    const a = step.node;
    if (!a) return record();
    const node = a.node;
    switch (a.do) {
      case 'pause':
      case 'crash':
        this.onNetwork(a);
        record();
        return a.do === 'pause' ? this.backend.pause(node) : this.backend.crash(node);
      case 'resume':
        this.starting.add(node);
        // A node crashed while paused has no process to resume: its restart starts a fresh one.
        if (!this.nemesis.isDown(node)) await this.backend.resume(node);
        this.starting.delete(node);
        this.onNetwork(a);
        return record();
      case 'restart':
      case 'join': {
        this.starting.add(node);
        if (a.do === 'restart') {
          const before = this.backend.address(node);
          const address = await this.backend.restart(node);
          // The client of an address no node has any more is closed (a container's new address).
          const old = this.endpoints.get(before);
          if (old && before !== address && !this.spec.nodes.some((n) => this.backend.address(n) === before)) {
            await old.close();
            this.endpoints.delete(before);
          }
        }
        // The network takes the node back before Init: what its peers send while it
        // starts (a handshake, a subscription) must reach it, not be dropped as 'crashed'.
        this.onNetwork(a);
        record();
        await this.initNodes([node], a.do === 'restart' && a.durable);
        this.starting.delete(node);
        this.states.forget(node);
        return;
      }
      case 'leave': {
        record();
        const res = await callWithDeadline(
          () => this.endpoint(node).stop([node], 'clean'),
          this.spec.callTimeoutMs,
          'Stop',
        );
        this.onNetwork(a);
        if (!res.ok) this.fail('Stop', [node], res.message);
        // What a graceful leave sends (its goodbyes) is routed like any envelope.
        if (this.network && res.value.length) this.network.accept(res.value as Envelope[]);
        return;
      }
    }
  }

  /** A timer per transition, `start` ms after the run's start; steps run one at a time. */
  private schedule(transitions: readonly Transition[], start: number): void {
    for (const tr of transitions) {
      // A fault's end due at the workload's end or later is left to healAll,
      // after the last operation was answered: a fault that lasts the workload
      // heals in quiet, with no write after it (docs/maelstrom.md).
      if (tr.edge === 'stop' && tr.at >= this.spec.durationMs) continue;
      const t = setTimeout(
        () => {
          this.chain = this.chain.then(async () => {
            if (this.abortReason) return;
            const step = this.nemesis.apply(tr, this.now());
            if (!step) return;
            this.progress?.note(`  ${(this.now() / 1000).toFixed(1)}s ${eventLabel(tr.event, tr.edge)}`);
            try {
              await this.perform(step);
            } catch (err) {
              if (err instanceof Abort) return;
              if (err instanceof NodeFault) {
                this.record({ t: 'error', r: this.now(), op: err.op, nodes: [], message: err.message });
                this.abortReason ??= `${err.op}: ${err.message}`;
                return;
              }
              // A docker / iptables failure: the harness's fault, not the IUT's.
              this.harnessError ??= err instanceof Error ? err : new Error(String(err));
              this.abortReason ??= `harness error: ${this.harnessError.message}`;
            }
          });
        },
        Math.max(0, start + tr.at - this.now()),
      );
      this.timers.push(t);
    }
  }

  /** Stops whatever is still in force (late schedule, or an early end). */
  private async healAll(): Promise<void> {
    for (const step of this.nemesis.heal(this.now())) await this.perform(step);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, Math.max(0, ms)));
  }

  private async recordCounters(): Promise<void> {
    if (!this.backend.counters) return;
    const c = await this.backend.counters();
    this.record({ t: 'counters', r: this.now(), passed: c.passed, dropped: c.dropped });
  }

  /**
   * clientOps workload: the harness's own share, recorded before `end`
   * (events.ts 'harness'): operations planned and started, its delay on a
   * line's way in (the backend's, when it measures it) and out (the network's),
   * and its event loop's delay.
   */
  private recordHarness(loop: IntervalHistogram | null): void {
    const ops = this.spec.clientOps;
    if (!ops) return;
    loop?.disable();
    // The histogram holds each whole timer interval (ns): the delay is what exceeds the resolution.
    const ns = (x: number) => Math.max(0, Math.round((x - LOOP_RESOLUTION_MS * 1e6) / 1e5) / 10);
    const loopDelay: Spread = loop
      ? {
          count: loop.count,
          p50: ns(loop.percentile(50)),
          p99: ns(loop.percentile(99)),
          p995: ns(loop.percentile(99.5)),
          max: ns(loop.max),
        }
      : spreadOf([]);
    this.record({
      t: 'harness',
      r: this.now(),
      planned: this.plannedOps(ops.rate),
      issued: this.clientOpsStarted,
      toNetwork: spreadOf(this.backend.toNetworkMs?.() ?? []),
      fromNetwork: this.network?.late.spread() ?? spreadOf([]),
      loopDelay,
    });
  }

  async run(): Promise<RealtimeOutcome> {
    const { spec } = this;
    // The harness's own event loop delay (10 ms sampling) from the workload on, for the harness event.
    const loop = spec.clientOps ? monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS }) : null;
    this.record(runEvent(spec));
    const ticker = setInterval(() => {
      this.progress?.status({
        phase: this.phase,
        elapsedMs: this.now(),
        faults: this.activeFaultLabels(),
        converged: this.convergedShare(),
        ...(this.network ? { inFlight: this.network.inFlight() } : {}),
      });
    }, 200);
    let healAt = 0;
    let convergedAt: number | undefined;
    try {
      if (spec.transport === 'harness') {
        this.network = new WallClockNetwork({
          nodes: spec.nodes,
          seed: spec.seed,
          now: () => this.now(),
          record: this.record,
          endpointOf: (n) => (this.nemesis.isDown(n) ? undefined : (this.endpoint(n) as GossipEndpoint)),
          callTimeoutMs: spec.callTimeoutMs,
          baseLatencyMs: spec.baseLatencyMs,
        });
        const port = await this.network.listen(
          this.backend.harnessHost === '127.0.0.1' ? '127.0.0.1' : '0.0.0.0',
        );
        this.harnessAddress = `${this.backend.harnessHost}:${port}`;
        // Nodes that join later are down until their join: what is sent to them is dropped.
        for (const n of this.nemesis.down()) this.network.crash(n);
      }
      this.setPhase('init');
      // Nodes that join later are down (and not Init'ed) until their join.
      const up = spec.nodes.filter((n) => !this.nemesis.isDown(n));
      // The startup Init of every node of an endpoint may take longer than one call may (memberlist
      // at n = 300 takes over 2 s): it has a client of its own, with the startup time as its deadline.
      const inits = await Promise.all(
        [...groupBy(up, (n) => this.endpoint(n)).entries()].map(async ([e, g]) => {
          const starter = new GrpcEndpoint(e.address, spec.startupTimeoutMs);
          try {
            return await this.initNodes(g, false, starter);
          } finally {
            await starter.close();
          }
        }),
      );
      const first = inits[0];
      this.record({
        t: 'init',
        implementation: first.implementation,
        version: first.version,
        capabilities: first.capabilities,
      });
      if (this.backend.counters) await this.recordCounters();
      const start = this.now();
      loop?.enable();
      if (this.network) this.network.workloadFrom = start;
      this.setPhase('workload');
      // Schedule times are relative to the workload's start.
      this.schedule(this.nemesis.timeline, start);
      const ops = spec.clientOps;
      const writer = ops
        ? setInterval(() => this.issueClientOps(start, ops.rate), Math.max(1, Math.min(20, 1000 / ops.rate)))
        : setInterval(() => void this.write(), spec.writeEveryMs);
      // The clientOps workload's reads are its own; the settle phase reads every node.
      const reader = ops ? undefined : setInterval(() => void this.readAll(), spec.readEveryMs);
      this.timers.push(writer, ...(reader ? [reader] : []));
      while (this.now() < start + spec.durationMs && !this.abortReason) await this.sleep(50);
      clearInterval(writer);
      while (this.writing || this.busy.size > 0) await this.sleep(10);
      // Let every scheduled action due by now finish, then heal what is left.
      if (!this.abortReason) await this.sleep(Math.max(0, start + spec.durationMs - this.now()));
      for (const t of this.timers) clearTimeout(t);
      await this.chain;
      if (this.harnessError) throw this.harnessError;
      if (this.abortReason) throw new Abort(this.abortReason);
      this.setPhase('heal');
      await this.healAll();
      healAt = this.now();
      this.setPhase('settle');
      const observeUntil = healAt + (spec.observeMs ?? 0);
      // Convergence must hold a few gossip periods, not just happen once: a
      // node that moves on after agreeing (a refute bumping an incarnation
      // after a heal) sends the run back to settling, up to the deadline.
      const holdMs = Math.min(2000, 5 * spec.params.periodMs);
      const deadline = Math.max(healAt + spec.settleMs, observeUntil + holdMs);
      while (this.now() < deadline) {
        await this.sleep(spec.readEveryMs);
        await this.readAll();
        if (this.abortReason) throw new Abort(this.abortReason);
        if (!this.allConverged()) convergedAt = undefined;
        else {
          convergedAt ??= this.now();
          // Held since holdMs, and at least holdMs past observeUntil: the final read comes no
          // earlier than it did when the hold was a plain wait after the loop.
          if (this.now() - convergedAt >= holdMs && this.now() >= observeUntil + holdMs) break;
        }
      }
      if (reader) clearInterval(reader);
      while (this.reading) await this.sleep(10);
      await this.readAll(true);
      if (convergedAt !== undefined && !this.allConverged()) convergedAt = undefined;
      if (this.abortReason) throw new Abort(this.abortReason);
      if (this.backend.counters) await this.recordCounters();
      this.recordHarness(loop);
      this.record({ t: 'end', r: this.now(), reason: 'completed' });
      this.ended = true;
      return {
        completed: true,
        converged: convergedAt !== undefined,
        ...(convergedAt !== undefined ? { convergedAfterHealMs: convergedAt - healAt } : {}),
        elapsedMs: this.now(),
        ...(this.network ? { network: this.network.figures() } : {}),
      };
    } catch (err) {
      if (!(err instanceof Abort)) throw err;
      this.recordHarness(loop);
      this.record({ t: 'end', r: this.now(), reason: 'aborted' });
      this.ended = true;
      return {
        completed: false,
        reason: this.abortReason ?? err.message,
        converged: false,
        elapsedMs: this.now(),
        ...(this.network ? { network: this.network.figures() } : {}),
      };
    } finally {
      loop?.disable();
      clearInterval(ticker);
      for (const t of this.timers) clearTimeout(t);
      this.progress?.done();
      await this.network?.close();
      for (const e of this.endpoints.values()) await e.close();
    }
  }
}
