// The realtime runner: nodes run on their own timers (clock mode realtime);
// the harness writes, reads, injects the fault schedule at wall-clock times,
// heals, and waits for convergence. Every history event's `r` is the
// milliseconds since the run started (monotonic; see docs/chaos.md).
//
// Phases (each a 'phase' event): workload (writes every `writeEveryMs` at a
// random live node, reads of every node every `readEveryMs`, the schedule's
// faults at their times) -> heal (writes stop; anything still active is
// stopped) -> settle (reads until every node holds the same state, or
// `settleMs` passes) -> final reads (final=true), iptables counters (direct
// transport), end.
import type {
  Envelope,
  GossipEndpoint,
  InitResult,
  NodeId,
  NodeInit,
  Parameters,
  Snapshot,
} from '../../proto/contract.js';
import { deriveSeed, Rng } from '../../shared/prng.js';
import { GrpcEndpoint } from '../endpoint/grpc-client.js';
import { type FaultSchedule, faultLabel, type LinkFault } from '../faults/schedule.js';
import { cutEdges } from '../faults/shapes.js';
import type { EdgeCount, HistoryEvent, MaelstromSettings, ReadEntry, ReadMember } from '../history/events.js';
import { callWithDeadline } from '../runner/call.js';
import { WallClockNetwork } from './network.js';
import type { Progress } from './progress.js';
import type { TransportKind } from './schedule.js';

export interface RealtimeSpec {
  seed: number;
  nodes: NodeId[];
  peers: Record<NodeId, NodeId[]>;
  params: Parameters;
  transport: TransportKind;
  durationMs: number;
  settleMs: number;
  schedule: FaultSchedule;
  writeEveryMs: number;
  readEveryMs: number;
  keys: number;
  callTimeoutMs: number;
  startupTimeoutMs: number;
  scenario?: string;
  /**
   * The workload, when not the periodic one above: Maelstrom's broadcast
   * workload (docs/maelstrom.md). `rate` client operations per second, each
   * at a random node with no operation outstanding (not killed), 50/50 a
   * write of a fresh key or a read; every read of the workload is recorded,
   * as the client operation it is. The settle phase reads every node every
   * `readEveryMs`, as in periodic runs.
   */
  clientOps?: { rate: number };
  /** A delay every envelope takes, ms (Maelstrom's --latency; WallClockNetwork baseLatencyMs). */
  baseLatencyMs?: number;
  /** The header's record of a Maelstrom run's settings. */
  maelstrom?: MaelstromSettings;
}

/** What the runner needs from where the nodes run (the docker backend). */
export interface RealtimeBackend {
  /** HOST:PORT of a node's GossipNode endpoint. */
  address(node: NodeId): string;
  /** Where nodes reach the harness (harness transport). */
  harnessHost: string;
  pause(node: NodeId): Promise<void>;
  unpause(node: NodeId): Promise<void>;
  kill(node: NodeId): Promise<void>;
  /** Starts a killed node again; resolves to its (possibly new) address. */
  restart(node: NodeId): Promise<string>;
  /** Direct transport: cut / heal directed edges (iptables). */
  cut?(edges: [NodeId, NodeId][]): Promise<void>;
  heal?(edges: [NodeId, NodeId][]): Promise<void>;
  /** Direct transport: a link fault other than a partition starts (on) or stops (iptables loss). */
  linkFault?(fault: LinkFault, on: boolean): Promise<void>;
  counters?(): Promise<{ passed: EdgeCount[]; dropped: EdgeCount[] }>;
  /** The node's last output lines, for error messages. */
  logs?(node: NodeId): Promise<string>;
}

export interface RealtimeOutcome {
  completed: boolean;
  reason?: string;
  converged: boolean;
  /** ms from the heal until every node held the same state (undefined: never). */
  convergedAfterHealMs?: number;
  elapsedMs: number;
}

class Abort extends Error {}

/**
 * A backend's error that is the node's doing, not the harness's (the process
 * backend's Stop refused or its process gone): the run aborts with it as the
 * reason (run/completed FAIL), where any other backend error is a harness error.
 */
export class NodeFault extends Error {
  constructor(
    readonly op: string,
    message: string,
  ) {
    super(message);
  }
}

type Action = { at: number; order: number; label: string; run: () => Promise<void> };

export class RealtimeRun {
  private readonly t0 = performance.now();
  private lastR = 0;
  private readonly endpoints = new Map<NodeId, GrpcEndpoint>();
  private network: WallClockNetwork | null = null;
  private harnessAddress = '';
  private readonly active: LinkFault[] = [];
  private readonly paused = new Set<NodeId>();
  private readonly crashed = new Set<NodeId>();
  /** Restarts per node: the NodeInit generation (a restarted node must not reuse its versions). */
  private readonly generations = new Map<NodeId, number>();
  /** Killed or restarting: not read, not written to. */
  private readonly down = new Set<NodeId>();
  private readonly lastState = new Map<NodeId, string>();
  /** Per node, what "the same state" means for convergence, as comparable text: the store, or (membership) the view. */
  private readonly sameStateKey = new Map<NodeId, string>();
  /** Per node, its last membership view (membership runs). */
  private readonly lastView = new Map<NodeId, ReadMember[]>();
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

  private nodeInit(id: NodeId): NodeInit {
    return {
      id,
      peers: (this.spec.peers[id] ?? []).slice(),
      seeds: [],
      rngSeed: deriveSeed(this.spec.seed, `node:${id}`),
      initialValue: 0,
      restoreDurable: false,
      generation: this.generations.get(id) ?? 0,
    };
  }

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
    // A node the harness killed (or is restarting) may refuse a call that was
    // in flight then: the harness's doing, an error like a timeout.
    if (this.down.has(node)) {
      this.record({ t: 'error', r: this.now(), op, nodes: [node], message });
      return;
    }
    this.record({ t: 'error', r: this.now(), op, nodes: [node], message });
    this.abortReason = `${op} (${node}): ${message}`;
  }

  private setPhase(phase: string): void {
    this.phase = phase;
    this.record({ t: 'phase', r: this.now(), phase });
    this.progress?.note(`[${phase}] ${(this.now() / 1000).toFixed(1)}s`);
  }

  private endpoint(node: NodeId): GrpcEndpoint {
    let e = this.endpoints.get(node);
    if (!e) {
      e = new GrpcEndpoint(this.backend.address(node), this.spec.callTimeoutMs);
      this.endpoints.set(node, e);
    }
    return e;
  }

  private async initNode(node: NodeId): Promise<InitResult> {
    const e = this.endpoint(node);
    try {
      await e.waitForReady(this.spec.startupTimeoutMs);
    } catch {
      const logs = (await this.backend.logs?.(node)) ?? '';
      this.fail(
        'Init',
        [node],
        `node did not serve GossipNode at ${e.address} within ${this.spec.startupTimeoutMs} ms${logs ? `: ${logs.trim().split('\n').slice(-3).join(' | ')}` : ''}`,
      );
    }
    try {
      return await e.init([this.nodeInit(node)], this.spec.params, 'realtime', this.harnessAddress);
    } catch (err) {
      this.fail('Init', [node], (err as Error).message);
    }
  }

  // ---- workload and reads ----

  private async write(): Promise<void> {
    // A membership run's workload is the faults alone: a SWIM node keeps no store.
    if (this.writing || this.spec.params.variant === 'membership-swim') return;
    const candidates = this.spec.nodes.filter((n) => !this.down.has(n) && !this.paused.has(n));
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
  private clientOpsIssued = 0;

  /** clientOps workload: issues every operation due by now at `rate` per second since `start`. */
  private issueClientOps(start: number, rate: number): void {
    const due = Math.floor(((this.now() - start) * rate) / 1000);
    while (this.clientOpsIssued < due) {
      this.clientOpsIssued++;
      const idle = this.spec.nodes.filter((n) => !this.down.has(n) && !this.busy.has(n));
      if (idle.length === 0) continue;
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
    const nodes = this.spec.nodes.filter((n) => !this.down.has(n) && !this.paused.has(n));
    await this.readNodes(nodes, { record: final ? 'final' : 'changed' });
    this.reading = false;
  }

  /**
   * Reads `nodes` and records each read: when its state changed, always (a
   * client operation), or as the final read of the run.
   */
  private async readNodes(nodes: NodeId[], o: { record: 'changed' | 'always' | 'final' }): Promise<void> {
    const final = o.record === 'final';
    const results = await Promise.all(
      nodes.map((n) => callWithDeadline(() => this.endpoint(n).read([n]), this.spec.callTimeoutMs, 'Read')),
    );
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
      const s: Snapshot | undefined = res.value[0];
      if (!s) return;
      const entries: ReadEntry[] = s.entries
        .map((e): ReadEntry => [e.key, e.value, e.version.counter, e.version.origin, e.status ?? null])
        .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      const members: ReadMember[] | undefined = s.memberView?.length
        ? s.memberView.map((m): ReadMember => [m.id, m.status, m.incarnation])
        : undefined;
      const state = JSON.stringify([entries, s.estimate, s.sum, s.weight, members ?? null]);
      this.sameStateKey.set(
        node,
        members ? JSON.stringify(members) : JSON.stringify(entries.map((e) => e.slice(0, 4))),
      );
      if (members) this.lastView.set(node, members);
      else this.lastView.delete(node);
      if (o.record === 'changed' && this.lastState.get(node) === state) return;
      this.lastState.set(node, state);
      this.record({
        t: 'read',
        r,
        node,
        entries,
        estimate: s.estimate,
        sum: s.sum,
        weight: s.weight,
        final,
        ...(members ? { members } : {}),
      });
    });
  }

  /** [nodes holding the most common entries, live nodes]. */
  convergedShare(): [number, number] {
    const live = this.spec.nodes.filter((n) => !this.crashed.has(n));
    const counts = new Map<string, number>();
    for (const n of live) {
      const k = this.sameStateKey.get(n) ?? '';
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return [Math.max(0, ...counts.values()), live.length];
  }

  private allConverged(): boolean {
    const [k, n] = this.convergedShare();
    const same = n === this.spec.nodes.length && k === n && this.paused.size === 0 && this.down.size === 0;
    if (!same || this.spec.params.variant !== 'membership-swim') return same;
    // One view is not enough: it must hold every member alive (all are up after the heal).
    const members = this.lastView.get(this.spec.nodes[0]) ?? [];
    return this.spec.nodes.every((m) => members.some(([id, status]) => id === m && status === 'alive'));
  }

  activeFaultLabels(): string[] {
    return [
      ...this.active.map(faultLabel),
      ...[...this.paused].map((n) => `pause ${n}`),
      ...[...this.crashed].map((n) => `killed ${n}`),
    ];
  }

  // ---- the fault schedule ----

  private actions(): Action[] {
    const out: Action[] = [];
    const { nodes } = this.spec;
    const direct = this.spec.transport === 'direct';
    this.spec.schedule.forEach((ev) => {
      switch (ev.type) {
        case 'link': {
          const edges = cutEdges(ev.fault, nodes);
          const label = faultLabel(ev.fault);
          out.push({
            at: ev.from,
            order: 1,
            label: `start ${label}`,
            run: async () => {
              this.active.push(ev.fault);
              this.network?.setFaults(this.active);
              this.record({ t: 'fault', r: this.now(), action: 'start', fault: ev.fault, edges });
              if (direct && edges.length) await this.backend.cut?.(edges);
              if (direct && ev.fault.kind !== 'partition') await this.backend.linkFault?.(ev.fault, true);
            },
          });
          out.push({
            at: ev.until,
            order: 0,
            label: `stop ${label}`,
            run: async () => this.stopLink(ev.fault, edges),
          });
          break;
        }
        case 'pause':
          out.push({
            at: ev.from,
            order: 1,
            label: `pause ${ev.node}`,
            run: async () => {
              this.paused.add(ev.node);
              this.network?.pause(ev.node, ev.until);
              this.record({ t: 'pause', r: this.now(), node: ev.node, action: 'start' });
              await this.backend.pause(ev.node);
            },
          });
          out.push({ at: ev.until, order: 0, label: `unpause ${ev.node}`, run: () => this.unpause(ev.node) });
          break;
        case 'crash':
          out.push({
            at: ev.at,
            order: 1,
            label: `kill ${ev.node}`,
            run: async () => {
              if (this.crashed.has(ev.node)) return;
              this.crashed.add(ev.node);
              this.down.add(ev.node);
              this.network?.crash(ev.node);
              this.record({ t: 'crash', r: this.now(), node: ev.node });
              await this.backend.kill(ev.node);
            },
          });
          break;
        case 'restart':
          out.push({ at: ev.at, order: 0, label: `restart ${ev.node}`, run: () => this.restart(ev.node) });
          break;
      }
    });
    return out.sort((a, b) => a.at - b.at || a.order - b.order);
  }

  private async stopLink(fault: LinkFault, edges: [NodeId, NodeId][]): Promise<void> {
    const i = this.active.indexOf(fault);
    if (i < 0) return;
    this.active.splice(i, 1);
    this.network?.setFaults(this.active);
    if (this.spec.transport === 'direct' && edges.length) {
      // The DROP rules' counters go with them: record what they dropped first.
      await this.recordCounters();
      await this.backend.heal?.(edges);
    }
    if (this.spec.transport === 'direct' && fault.kind !== 'partition' && this.backend.linkFault) {
      await this.recordCounters();
      await this.backend.linkFault(fault, false);
    }
    this.record({ t: 'fault', r: this.now(), action: 'stop', fault, edges });
  }

  private async unpause(node: NodeId): Promise<void> {
    if (!this.paused.has(node)) return;
    await this.backend.unpause(node);
    this.paused.delete(node);
    this.network?.resume(node);
    this.record({ t: 'pause', r: this.now(), node, action: 'stop' });
  }

  private async restart(node: NodeId): Promise<void> {
    if (!this.crashed.has(node)) return;
    this.generations.set(node, (this.generations.get(node) ?? 0) + 1);
    const address = await this.backend.restart(node);
    const old = this.endpoints.get(node);
    if (old && old.address !== address) {
      await old.close();
      this.endpoints.delete(node);
    }
    // The network takes the node back before Init: what its peers send while it
    // starts (a handshake, a subscription) must reach it, not be dropped as 'crashed'.
    this.crashed.delete(node);
    this.network?.restart(node);
    this.record({ t: 'restart', r: this.now(), node, durable: false });
    await this.initNode(node);
    this.down.delete(node);
    this.lastState.delete(node);
    this.sameStateKey.delete(node);
    this.lastView.delete(node);
  }

  private schedule(actions: Action[]): void {
    for (const a of actions) {
      const t = setTimeout(
        () => {
          this.chain = this.chain.then(async () => {
            if (this.abortReason) return;
            this.progress?.note(`  ${(this.now() / 1000).toFixed(1)}s ${a.label}`);
            try {
              await a.run();
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
        Math.max(0, a.at - this.now()),
      );
      this.timers.push(t);
    }
  }

  /** Stops whatever is still active (late schedule, or an early end). */
  private async healAll(): Promise<void> {
    for (const f of this.active.slice()) await this.stopLink(f, cutEdges(f, this.spec.nodes));
    for (const n of [...this.paused]) await this.unpause(n);
    for (const n of [...this.crashed]) await this.restart(n);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, Math.max(0, ms)));
  }

  private async recordCounters(): Promise<void> {
    if (!this.backend.counters) return;
    const c = await this.backend.counters();
    this.record({ t: 'counters', r: this.now(), passed: c.passed, dropped: c.dropped });
  }

  async run(): Promise<RealtimeOutcome> {
    const { spec } = this;
    this.record({
      t: 'run',
      seed: spec.seed,
      mode: 'realtime',
      nodes: spec.nodes.slice(),
      params: spec.params,
      rounds: spec.durationMs,
      hopLimit: 0,
      values: [],
      ...(spec.scenario !== undefined ? { scenario: spec.scenario } : {}),
      ...(spec.maelstrom ? { maelstrom: spec.maelstrom } : {}),
    });
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
          endpointOf: (n) => (this.crashed.has(n) ? undefined : (this.endpoint(n) as GossipEndpoint)),
          callTimeoutMs: spec.callTimeoutMs,
          baseLatencyMs: spec.baseLatencyMs,
        });
        const port = await this.network.listen(
          this.backend.harnessHost === '127.0.0.1' ? '127.0.0.1' : '0.0.0.0',
        );
        this.harnessAddress = `${this.backend.harnessHost}:${port}`;
      }
      this.setPhase('init');
      const inits = await Promise.all(spec.nodes.map((n) => this.initNode(n)));
      const first = inits[0];
      this.record({
        t: 'init',
        implementation: first.implementation,
        version: first.version,
        capabilities: first.capabilities,
      });
      if (this.backend.counters) await this.recordCounters();
      const start = this.now();
      this.setPhase('workload');
      // Schedule times are relative to the workload's start.
      this.schedule(this.actions().map((a) => ({ ...a, at: a.at + start })));
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
      const deadline = healAt + spec.settleMs;
      while (this.now() < deadline) {
        await this.sleep(spec.readEveryMs);
        await this.readAll();
        if (this.abortReason) throw new Abort(this.abortReason);
        if (this.allConverged()) {
          convergedAt = this.now();
          break;
        }
      }
      if (reader) clearInterval(reader);
      while (this.reading) await this.sleep(10);
      // A few more gossip periods: convergence must hold, not just happen once.
      if (convergedAt !== undefined) await this.sleep(Math.min(2000, 5 * spec.params.periodMs));
      await this.readAll(true);
      if (this.abortReason) throw new Abort(this.abortReason);
      if (this.backend.counters) await this.recordCounters();
      this.record({ t: 'end', r: this.now(), reason: 'completed' });
      this.ended = true;
      return {
        completed: true,
        converged: convergedAt !== undefined,
        ...(convergedAt !== undefined ? { convergedAfterHealMs: convergedAt - healAt } : {}),
        elapsedMs: this.now(),
      };
    } catch (err) {
      if (!(err instanceof Abort)) throw err;
      this.record({ t: 'end', r: this.now(), reason: 'aborted' });
      this.ended = true;
      return {
        completed: false,
        reason: this.abortReason ?? err.message,
        converged: false,
        elapsedMs: this.now(),
      };
    } finally {
      clearInterval(ticker);
      for (const t of this.timers) clearTimeout(t);
      this.progress?.done();
      await this.network?.close();
      for (const e of this.endpoints.values()) await e.close();
    }
  }
}
