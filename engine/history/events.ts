// The history: an append-only record of everything that happened in a run,
// one JSON object per line. The single source of truth for checkers and
// reports. Field order is fixed by construction so equal runs give equal bytes.
import type {
  Capabilities,
  MemberStatus,
  NodeId,
  Parameters,
  SirStatus,
  Version,
} from '../../proto/contract.js';
import type { Spread } from '../../shared/spread.js';
import type { LinkFault, TamperHow } from '../faults/schedule.js';

/** [key, value, counter, origin, status] — compact so histories stay small. */
export type ReadEntry = [
  key: string,
  value: string,
  counter: number,
  origin: NodeId,
  status: SirStatus | null,
];

/** [member, status, incarnation]: one member of a node's view (membership-swim). */
export type ReadMember = [member: NodeId, status: MemberStatus, incarnation: number];

/** 'unreachable' (realtime only): the destination did not answer the Deliver call (paused, killed, cut). */
export type DropReason = 'partition' | 'loss' | 'crashed' | 'unknown-node' | 'rejected' | 'unreachable';

/** Realtime (chaos) runs: cumulative packet and byte counts of one directed edge, from iptables. */
export type EdgeCount = [from: NodeId, to: NodeId, packets: number, bytes: number];

/** How a Maelstrom node was run: recorded in its history's header. */
export interface MaelstromSettings {
  command: string;
  topologyName: string;
  topology: Record<NodeId, NodeId[]>;
  latencyMs: number;
  durationMs: number;
  /** Client operations per second (all clients together). */
  rate: number;
  profile: string | null;
}

export type HistoryEvent =
  | {
      t: 'run';
      seed: number;
      /**
       * The time unit of every `r` in the history: 'lockstep',
       * a round; 'realtime' (chaos runs), milliseconds since the run started,
       * with `rounds` the planned length in ms and `hopLimit` 0. See docs/chaos.md.
       */
      mode: 'lockstep' | 'realtime';
      nodes: NodeId[];
      params: Parameters;
      rounds: number;
      hopLimit: number;
      /** Push-sum initial values, by node order; empty for other variants. */
      values: number[];
      /** The scenario label the run was started with, when one was given. */
      scenario?: string;
      /**
       * Each node's NodeInit.peers, by node, only when the peer graph is not the
       * full mesh (absent: every node's peers are all the other nodes).
       */
      peers?: Record<NodeId, NodeId[]>;
      /** A Maelstrom node's run (docs/maelstrom.md): the settings it ran with. */
      maelstrom?: MaelstromSettings;
    }
  | { t: 'init'; implementation: string; version: string; capabilities: Capabilities }
  | { t: 'round'; r: number }
  /** A link fault starts or stops; `edges` are the directed edges it cuts (partitions). */
  | { t: 'fault'; r: number; action: 'start' | 'stop'; fault: LinkFault; edges: [NodeId, NodeId][] }
  | { t: 'crash'; r: number; node: NodeId }
  | { t: 'restart'; r: number; node: NodeId; durable: boolean }
  | { t: 'pause'; r: number; node: NodeId; action: 'start' | 'stop' }
  /** membership: a node started late, through its seeds (Init at round r; not running before). */
  | { t: 'join'; r: number; node: NodeId }
  /** membership: a clean Stop (a graceful leave); the node is down until a restart. */
  | { t: 'leave'; r: number; node: NodeId }
  | { t: 'update'; r: number; node: NodeId; key: string; value: string }
  | { t: 'ack'; r: number; node: NodeId; key: string; version: Version }
  | { t: 'tick'; r: number; nodes: NodeId[] }
  /** An envelope a node sent; `id` is the harness's own sequence number. */
  | {
      t: 'send';
      r: number;
      hop: number;
      id: number;
      from: NodeId;
      to: NodeId;
      kind: string;
      keys: string[];
      bytes: number;
    }
  | { t: 'drop'; r: number; id: number; reason: DropReason }
  /** Held back until round `until` (delay fault, pause, or past the hop limit). */
  | { t: 'delay'; r: number; id: number; until: number }
  /** A duplicate of envelope `of`, travelling as `id`. */
  | { t: 'duplicate'; r: number; id: number; of: number }
  /** A damaged copy of envelope `of` (a tamper fault), travelling as `id` in the same batch. */
  | { t: 'tamper'; r: number; id: number; of: number; what: TamperHow['what'] }
  | { t: 'deliver'; r: number; hop: number; id: number }
  /**
   * A node's state, recorded at the end of a round only when it differs from
   * the node's previous read (and always at the end of the run, `final`).
   */
  | {
      t: 'read';
      r: number;
      node: NodeId;
      entries: ReadEntry[];
      estimate: number;
      sum: number;
      weight: number;
      final: boolean;
      /** membership-swim: the node's view, sorted by member (absent when the snapshot has none). */
      members?: ReadMember[];
      /**
       * Present only when the node listed its entries or view out of order
       * (recorded sorted all the same): what was out of order (contract/read-sorted).
       */
      unsorted?: string;
    }
  /** The IUT refused or failed a call; `op` is the GossipNode method. */
  | { t: 'error'; r: number; op: string; nodes: NodeId[]; message: string }
  | { t: 'end'; r: number; reason: 'completed' | 'aborted' }
  /**
   * Realtime only: a phase of a chaos run starts ('workload', 'heal',
   * 'settle', 'teardown').
   */
  | { t: 'phase'; r: number; phase: string }
  /**
   * Realtime, direct transport only: per directed edge, the packets and bytes
   * the host firewall let through (`passed`) and dropped for a partition
   * (`dropped`), cumulative since the cluster started (iptables counters).
   */
  | { t: 'counters'; r: number; passed: EdgeCount[]; dropped: EdgeCount[] }
  /**
   * Realtime, clientOps workload only (Maelstrom scenarios), just before
   * `end`: the harness's own share of the run (docs/maelstrom.md, "The
   * harness's own share"). `planned`: the operations `rate` asked for over
   * the workload; `issued`: those started (the others found every node with
   * an operation outstanding). `toNetwork`: ms from a line handed to the
   * endpoint's transport to the harness's acceptance of its frame (endpoints
   * that report it; count 0 otherwise); `fromNetwork`: ms from the time a
   * delivered envelope was due (its send plus any deliberate delay) to its
   * Deliver returning; `loopDelay`: the harness process's event loop delay
   * from the workload's start (ms).
   */
  | {
      t: 'harness';
      r: number;
      planned: number;
      issued: number;
      toNetwork: Spread;
      fromNetwork: Spread;
      loopDelay: Spread;
    }
  /** A stored copy cut short: the first `kept` of `total` events (`bytes` in all) are above. */
  | { t: 'truncated'; kept: number; total: number; bytes: number };

export type EventOf<T extends HistoryEvent['t']> = Extract<HistoryEvent, { t: T }>;
