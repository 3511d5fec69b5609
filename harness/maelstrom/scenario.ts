// One Maelstrom scenario, in realtime: spawn one process per node, `init`
// and `topology` every node (as Maelstrom does), run the client workload
// (broadcast / read, 50/50, values 0, 1, 2, ... as Maelstrom's broadcast
// workload) while the fault windows open and heal, let it settle, read every
// node a last time, kill everything. Everything that happens is recorded;
// verdicts come later, from the history alone (checks.ts).
import { performance } from 'node:perf_hooks';
import type { NodeId } from '../../proto/contract.js';
import { deriveSeed, Rng } from '../../shared/prng.js';
import type { LinkFault } from '../faults/schedule.js';
import { cutEdges } from '../faults/shapes.js';
import { envelopeToLine, lineToEnvelope } from './edge.js';
import { type ClientOp, type MaelstromEvent, Presence, type ScenarioSettings } from './history.js';
import { MaelstromNetwork } from './network.js';
import { type Exit, localLauncher, type NodeHandle, type NodeLauncher } from './node-process.js';
import {
  type Body,
  exitProblem,
  noInReplyTo,
  parseLine,
  quote,
  readNodeOutput,
  replyProblem,
  replyToNothing,
  unknownDestination,
  valueKey,
} from './protocol.js';

/** A fault window, in ms from the start of the workload phase. */
export interface FaultWindow {
  from: number;
  until: number;
  fault: LinkFault;
}

/**
 * A fault on one node's process, in ms from the start of the workload:
 * `pause` freezes it from `from` until `until` (its lines wait); `kill` ends
 * it abruptly at `from` and starts a fresh one at `until` (no durable state),
 * which gets `init` and `topology` again before node-to-node lines reach it.
 */
export interface NodeFaultWindow {
  from: number;
  until: number;
  node: NodeId;
  kind: 'pause' | 'kill';
}

export interface ScenarioSpec extends ScenarioSettings {
  name: string;
  /** The longest the settle phase waits for every acknowledged value to reach every node. */
  settleMs: number;
  /** Deadline of every client request (init, topology, broadcast, read). */
  timeoutMs: number;
  faults: FaultWindow[];
  /** Faults on node processes (pause, kill + restart); none by default. */
  nodeFaults?: NodeFaultWindow[];
  /** How node processes are started; default `/bin/sh -c command` on this host. */
  launcher?: NodeLauncher;
}

export interface ScenarioRun {
  events: MaelstromEvent[];
  /** Why the cluster never got to the workload (init / topology failed), or null. */
  startupFailure: string | null;
}

interface Pending {
  client: string;
  node: NodeId;
  op: ClientOp;
  msgId: number;
  timer: NodeJS.Timeout;
  resolve: (ok: boolean) => void;
}

const ADMIN = 'c0';
const round1 = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runMaelstromScenario(spec: ScenarioSpec): Promise<ScenarioRun> {
  const t0 = performance.now();
  const now = () => round1(performance.now() - t0);
  const events: MaelstromEvent[] = [];
  const presence = new Presence(spec.nodes);
  const record = (e: MaelstromEvent) => {
    events.push(e);
    presence.feed(e);
  };
  const nodeSet = new Set(spec.nodes);
  const clients = spec.nodes.map((_, i) => `c${i + 1}`);
  const clientSet = new Set([ADMIN, ...clients]);
  const rng = new Rng(deriveSeed(spec.seed, `maelstrom/${spec.name}`));
  const netRng = new Rng(deriveSeed(spec.seed, `maelstrom/${spec.name}/network`));
  const procs = new Map<NodeId, NodeHandle>();
  const launch = spec.launcher ?? localLauncher(spec.command);
  const generations = new Map<NodeId, number>();
  /** Nodes being killed on purpose (a kill fault): their exit is a crash, not a violation. */
  const killing = new Set<NodeId>();
  const pending = new Map<string, Pending>();
  const expired = new Set<string>();
  const acked = new Set<string>();
  let nextMsgId = 0;
  let tearingDown = false;

  const violation = (op: string, node: NodeId, message: string) =>
    record({ t: 'error', r: now(), op, nodes: [node], message });

  record({
    t: 'run',
    seed: spec.seed,
    mode: 'realtime',
    nodes: spec.nodes,
    scenario: spec.name,
    maelstrom: {
      command: spec.command,
      topologyName: spec.topologyName,
      topology: spec.topology,
      latencyMs: spec.latencyMs,
      durationMs: spec.durationMs,
      rate: spec.rate,
      profile: spec.profile,
    },
  });

  const complete = (
    p: Pending,
    status: 'ok' | 'error' | 'timeout',
    extra: { messages?: unknown[]; error?: string },
  ) => {
    const key = `${p.client}:${p.msgId}`;
    pending.delete(key);
    clearTimeout(p.timer);
    record({
      t: 'complete',
      r: now(),
      client: p.client,
      node: p.node,
      op: p.op,
      msgId: p.msgId,
      status,
      ...extra,
    });
    p.resolve(status === 'ok');
  };

  const onClientLine = (client: string, node: NodeId, text: string) => {
    // The line was parsed when the node wrote it; no fault touches a client edge.
    const parsed = parseLine(text);
    if (!parsed.ok) {
      violation(
        'client',
        node,
        `${node} sent client ${client} a line that is ${parsed.reason}: ${quote(text)}`,
      );
      return;
    }
    const env = parsed.env;
    const inReplyTo = env.body.in_reply_to;
    if (inReplyTo === undefined) {
      violation('client', node, noInReplyTo(node, client, env.body, text));
      return;
    }
    const key = `${client}:${inReplyTo}`;
    const p = pending.get(key);
    if (!p) {
      if (!expired.has(key)) violation('client', node, replyToNothing(node, client, text));
      return;
    }
    const problem = replyProblem(p.op, env.body, text);
    if (problem !== null) complete(p, 'error', { error: problem });
    else if (p.op === 'read') complete(p, 'ok', { messages: env.body.messages as unknown[] });
    else complete(p, 'ok', {});
  };

  const isNode = (id: string) => nodeSet.has(id);
  const net = new MaelstromNetwork({
    nodes: spec.nodes,
    clients: [ADMIN, ...clients],
    rng: netRng,
    latencyMs: spec.latencyMs,
    now,
    record,
    deliver: (to, env) => {
      const text = envelopeToLine(env);
      if (nodeSet.has(to)) procs.get(to)?.write(text);
      else onClientLine(to, env.from, text);
    },
  });

  const onLine = (node: NodeId, raw: string) => {
    const out = readNodeOutput(node, raw);
    if (out.kind === 'blank') return;
    if (out.kind === 'violation') {
      violation('stdout', node, out.message);
      return;
    }
    const { env, text } = out;
    if (nodeSet.has(env.dest) || clientSet.has(env.dest)) {
      net.send(lineToEnvelope(node, env.dest, text, env.body, isNode));
    } else {
      const known = `nodes ${spec.nodes[0]}..${spec.nodes.at(-1)}, clients c0..${clients.at(-1)}`;
      violation('stdout', node, unknownDestination(node, env.dest, known, text));
    }
  };

  const onExit = (node: NodeId, generation: number, exit: Exit) => {
    if (tearingDown || generations.get(node) !== generation) return;
    net.crash(node);
    record({ t: 'crash', r: now(), node });
    if (killing.has(node)) {
      for (const p of [...pending.values()])
        if (p.node === node) complete(p, 'timeout', { error: `${node} exited (killed by the harness)` });
      return;
    }
    violation('process', node, exitProblem(node, exit, procs.get(node)?.stderrTail(5) ?? ''));
    for (const p of [...pending.values()])
      if (p.node === node) complete(p, 'timeout', { error: `${node} exited` });
  };

  const invoke = (
    client: string,
    node: NodeId,
    op: ClientOp,
    body: Body,
    extra: { value?: unknown; final?: boolean } = {},
  ) =>
    new Promise<boolean>((resolve) => {
      const msgId = ++nextMsgId;
      const key = `${client}:${msgId}`;
      const full: Body = { ...body, type: op, msg_id: msgId };
      const text = JSON.stringify({ src: client, dest: node, body: full });
      record({ t: 'invoke', r: now(), client, node, op, msgId, ...extra });
      const p: Pending = {
        client,
        node,
        op,
        msgId,
        resolve,
        timer: setTimeout(() => {
          expired.add(key);
          complete(p, 'timeout', { error: `no reply within ${spec.timeoutMs} ms` });
        }, spec.timeoutMs),
      };
      pending.set(key, p);
      if (net.isCrashed(node)) {
        complete(p, 'timeout', { error: `${node} exited` });
        return;
      }
      net.send(lineToEnvelope(client, node, text, full, isNode));
    });

  const phase = (name: string) => record({ t: 'phase', r: now(), phase: name });
  const start = (node: NodeId) => {
    const generation = (generations.get(node) ?? -1) + 1;
    generations.set(node, generation);
    procs.set(
      node,
      launch(
        node,
        generation,
        (line) => {
          if (generations.get(node) === generation) onLine(node, line);
        },
        (exit) => onExit(node, generation, exit),
      ),
    );
  };
  const keepStderr = (node: NodeId) => {
    const tail = procs.get(node)?.stderrTail();
    if (tail) record({ t: 'stderr', r: now(), node, tail });
  };
  /** Node-fault actions in flight; teardown waits for them. */
  const nodeOps = new Set<Promise<void>>();
  const nodeOp = (what: string, node: NodeId, op: () => Promise<void>) => {
    const p = op()
      .catch((err: unknown) => {
        if (!tearingDown)
          violation(
            'harness',
            node,
            `${what} ${node} failed: ${err instanceof Error ? err.message : String(err)}`,
          );
      })
      .finally(() => nodeOps.delete(p));
    nodeOps.add(p);
  };
  const startNodeFault = (f: NodeFaultWindow) =>
    nodeOp(f.kind, f.node, async () => {
      if (tearingDown) return;
      if (f.kind === 'pause') {
        await procs.get(f.node)?.pause();
        record({ t: 'pause', r: now(), node: f.node, action: 'start' });
        return;
      }
      killing.add(f.node);
      await procs.get(f.node)?.kill();
      keepStderr(f.node);
    });
  const stopNodeFault = (f: NodeFaultWindow) =>
    nodeOp(f.kind === 'pause' ? 'resume' : 'restart', f.node, async () => {
      if (tearingDown) return;
      if (f.kind === 'pause') {
        await procs.get(f.node)?.resume();
        record({ t: 'pause', r: now(), node: f.node, action: 'stop' });
        return;
      }
      // Wait for the kill to land (its exit marks the node crashed).
      while (!net.isCrashed(f.node) && !tearingDown) await sleep(10);
      if (tearingDown) return;
      killing.delete(f.node);
      net.restart(f.node);
      record({ t: 'restart', r: now(), node: f.node, durable: false });
      start(f.node);
      const ok =
        (await invoke(ADMIN, f.node, 'init', { type: 'init', node_id: f.node, node_ids: spec.nodes })) &&
        (await invoke(ADMIN, f.node, 'topology', { type: 'topology', topology: spec.topology }));
      net.booted(f.node);
      if (!ok && !tearingDown)
        violation('restart', f.node, `${f.node} did not answer init / topology after its restart`);
    });
  const faultTimers: NodeJS.Timeout[] = [];
  let generator: NodeJS.Timeout | null = null;
  let startupFailure: string | null = null;

  try {
    phase('startup');
    for (const node of spec.nodes) start(node);
    const rpcAll = async (op: 'init' | 'topology', bodyFor: (n: NodeId) => Body) => {
      const oks = await Promise.all(spec.nodes.map((n) => invoke(ADMIN, n, op, bodyFor(n))));
      const bad = spec.nodes.filter((_, i) => !oks[i]);
      if (bad.length === 0) return null;
      const why = events
        .filter(
          (e): e is Extract<MaelstromEvent, { t: 'complete' }> =>
            e.t === 'complete' && e.op === op && e.status !== 'ok',
        )
        .map((e) => `${e.node}: ${e.error ?? e.status}`);
      return `${op} failed at ${bad.length} of ${spec.nodes.length} node(s): ${why.slice(0, 3).join('; ')}`;
    };
    startupFailure = await rpcAll('init', (n) => ({ type: 'init', node_id: n, node_ids: spec.nodes }));
    if (startupFailure === null)
      startupFailure = await rpcAll('topology', () => ({ type: 'topology', topology: spec.topology }));
    if (startupFailure !== null) return { events, startupFailure };

    phase('workload');
    const w0 = performance.now();
    for (const win of spec.faults) {
      faultTimers.push(
        setTimeout(() => {
          net.addFault(win.fault);
          record({
            t: 'fault',
            r: now(),
            action: 'start',
            fault: win.fault,
            edges: cutEdges(win.fault, spec.nodes),
          });
        }, win.from),
        setTimeout(
          () => {
            net.removeFault(win.fault);
            record({
              t: 'fault',
              r: now(),
              action: 'stop',
              fault: win.fault,
              edges: cutEdges(win.fault, spec.nodes),
            });
          },
          Math.min(win.until, spec.durationMs),
        ),
      );
    }
    for (const f of spec.nodeFaults ?? []) {
      faultTimers.push(
        setTimeout(() => startNodeFault(f), f.from),
        setTimeout(() => stopNodeFault(f), Math.min(f.until, spec.durationMs)),
      );
    }
    let nextValue = 0;
    const busy = new Set<string>();
    const issue = () => {
      const idle = clients.filter((c, i) => !busy.has(c) && !net.isCrashed(spec.nodes[i]));
      if (idle.length === 0) return;
      const client = idle[rng.int(idle.length)];
      const node = spec.nodes[clients.indexOf(client)];
      busy.add(client);
      const done = () => busy.delete(client);
      if (rng.chance(0.5)) {
        const value = nextValue++;
        invoke(client, node, 'broadcast', { type: 'broadcast', message: value }, { value }).then((ok) => {
          if (ok) acked.add(valueKey(value));
          done();
        });
      } else {
        invoke(client, node, 'read', { type: 'read' }).then(done);
      }
    };
    const periodMs = 1000 / spec.rate;
    let issued = 0;
    // Catch up on timer drift: issue as many ops as the rate allows by now.
    generator = setInterval(
      () => {
        const due = Math.floor((performance.now() - w0) / periodMs);
        while (issued < due) {
          issued++;
          issue();
        }
      },
      Math.max(1, Math.min(periodMs, 20)),
    );
    await sleep(spec.durationMs);
    clearInterval(generator);
    generator = null;

    phase('settle');
    const settleEnd = performance.now() + spec.settleMs;
    const live = () => spec.nodes.filter((n) => !net.isCrashed(n));
    const settled = () => {
      if ([...pending.values()].some((p) => p.client !== ADMIN)) return false;
      const nodes = live();
      for (const k of acked) if (presence.everywhere(k, nodes) === null) return false;
      return true;
    };
    while (performance.now() < settleEnd && !settled()) await sleep(20);

    phase('final-read');
    await Promise.all(
      live().map((n) => invoke(clients[spec.nodes.indexOf(n)], n, 'read', { type: 'read' }, { final: true })),
    );
    return { events, startupFailure: null };
  } finally {
    if (generator) clearInterval(generator);
    for (const t of faultTimers) clearTimeout(t);
    tearingDown = true;
    phase('teardown');
    net.close();
    for (const p of [...pending.values()]) complete(p, 'timeout', { error: 'run ended' });
    await Promise.allSettled([...nodeOps]);
    await Promise.all([...procs.values()].map((p) => p.stop()));
    for (const node of procs.keys()) keepStderr(node);
    record({ t: 'end', r: now(), reason: startupFailure ? 'aborted' : 'completed' });
  }
}
