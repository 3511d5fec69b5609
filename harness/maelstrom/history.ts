// The history of one Maelstrom scenario run, JSONL, realtime form: every `r`
// is milliseconds since the run started (0.1 ms resolution), as the header's
// `mode: 'realtime'` says (the 'run' event's field of the same name). Network
// events are the kit's (harness/history/events.ts): send, delay, duplicate,
// tamper and drop come from the Router exactly as in lockstep and realtime
// runs, deliver from the network (network.ts); fault, crash, restart, pause,
// error, phase and end are the kit's shapes too. The Maelstrom client
// operations are Jepsen-style `invoke` / `complete` pairs. The header is the
// kit's `run` event (seed, mode, nodes, scenario), its Maelstrom settings under
// `maelstrom`. These kinds live here, not in HistoryEvent:
// a Maelstrom history is judged by checks.ts (see there why not by the
// lockstep checkers).
import type { NodeId } from '../../proto/contract.js';
import type { EventOf } from '../history/events.js';
import type { Topology } from './topology.js';

export type ClientOp = 'init' | 'topology' | 'broadcast' | 'read';

/** What a scenario runs with; its history's header records exactly these. */
export interface ScenarioSettings {
  command: string;
  seed: number;
  nodes: NodeId[];
  topologyName: string;
  topology: Topology;
  latencyMs: number;
  durationMs: number;
  /** Client operations per second (all clients together). */
  rate: number;
  profile: string | null;
}

export type MaelstromEvent =
  | {
      t: 'run';
      seed: number;
      mode: 'realtime';
      nodes: NodeId[];
      scenario: string;
      maelstrom: Omit<ScenarioSettings, 'seed' | 'nodes'>;
    }
  | EventOf<'phase'>
  | EventOf<'fault'>
  /**
   * Every line between two parties (node -> node, node -> client, client ->
   * node). `hop` is 0, `kind` is body.type, `bytes` the line length, `keys`
   * the broadcast values the line hands its destination as valueKeys:
   * protocol.ts carriedValues for node -> node, [value] for a client's
   * broadcast, [] for everything else.
   */
  | EventOf<'send'>
  /** The Router held a line until `until` ms (the base latency, a delay fault). */
  | EventOf<'delay'>
  /** A duplicate fault: a second copy of line `of`, travelling as `id`. */
  | EventOf<'duplicate'>
  /** A tamper fault: a damaged copy of line `of` (no Maelstrom scenario uses one yet). */
  | EventOf<'tamper'>
  | EventOf<'drop'>
  | EventOf<'deliver'>
  | EventOf<'crash'>
  /** A killed node started again (a fresh process / container: `durable` false). */
  | EventOf<'restart'>
  /** A node frozen (docker pause / SIGSTOP) and thawed. */
  | EventOf<'pause'>
  /** A protocol violation: `op` says where ('stdout', 'init', 'broadcast', ...); `message` quotes the line. */
  | EventOf<'error'>
  /** The harness (client `client`) sends a request to `node`; `value` for a broadcast. */
  | {
      t: 'invoke';
      r: number;
      client: string;
      node: NodeId;
      op: ClientOp;
      msgId: number;
      value?: unknown;
      final?: boolean;
    }
  /** The answer to an invoke (or none: 'timeout'); `messages` for a read_ok. */
  | {
      t: 'complete';
      r: number;
      client: string;
      node: NodeId;
      op: ClientOp;
      msgId: number;
      status: 'ok' | 'error' | 'timeout';
      messages?: unknown[];
      error?: string;
    }
  /** The last lines a node wrote to stderr (its log), at the end of the run. */
  | { t: 'stderr'; r: number; node: NodeId; tail: string }
  | EventOf<'end'>;

/**
 * When each broadcast value became present at each node, from the delivery
 * log alone: a value is present at node N from the first delivery to N of a
 * message that carries it — the client's `broadcast` itself, or a
 * node-to-node message whose body carries it (send.keys), or a duplicate of
 * such a message (the same line, delivered again). Fed in history order; the
 * scenario runner and the checker share it.
 */
export class Presence {
  private readonly sends = new Map<number, { to: NodeId; keys: string[] }>();
  /** valueKey -> node -> first time present. */
  readonly at = new Map<string, Map<NodeId, number>>();

  constructor(private readonly nodes: readonly NodeId[]) {}

  feed(e: MaelstromEvent): void {
    if (e.t === 'send') {
      if (e.keys.length > 0) this.sends.set(e.id, { to: e.to, keys: e.keys });
    } else if (e.t === 'duplicate') {
      const s = this.sends.get(e.of);
      if (s) this.sends.set(e.id, s);
    } else if (e.t === 'drop') {
      this.sends.delete(e.id);
    } else if (e.t === 'restart') {
      // A fresh node holds nothing: its presence starts again.
      for (const m of this.at.values()) m.delete(e.node);
    } else if (e.t === 'deliver') {
      const s = this.sends.get(e.id);
      if (!s) return;
      this.sends.delete(e.id);
      for (const k of s.keys) this.mark(k, s.to, e.r);
    }
  }

  mark(key: string, node: NodeId, r: number): void {
    let m = this.at.get(key);
    if (!m) {
      m = new Map();
      this.at.set(key, m);
    }
    if (!m.has(node)) m.set(node, r);
  }

  /** The time `key` reached the last of `nodes`, or null while some node lacks it. */
  everywhere(key: string, nodes: readonly NodeId[] = this.nodes): number | null {
    const m = this.at.get(key);
    if (!m) return null;
    let last = 0;
    for (const n of nodes) {
      const r = m.get(n);
      if (r === undefined) return null;
      last = Math.max(last, r);
    }
    return last;
  }

  missing(key: string, nodes: readonly NodeId[] = this.nodes): NodeId[] {
    const m = this.at.get(key);
    return nodes.filter((n) => !m?.has(n));
  }
}
