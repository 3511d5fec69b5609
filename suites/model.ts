// The suites' data model. A case is a requirement with a stable id, a level
// and the source of its bound, plus a generator of inputs and a check of one
// input against an IUT. Inputs are plain JSON so a counterexample can be
// saved, shrunk and replayed.
import type * as fc from 'fast-check';
import type { Level, Verdict, VerdictKind } from '../checks/verdict.js';
import type { HistoryView } from '../checks/view.js';
import type { LinkFault, PartitionShape } from '../engine/faults/schedule.js';
import type { HistoryEvent } from '../engine/history/events.js';
import type { Capabilities, GossipEndpoint, LossOfInterest, Variant } from '../proto/contract.js';

/** Nodes are named by index (n0, n1, ...) so shrinking n keeps inputs valid. */
export interface WriteInput {
  round: number;
  node: number;
  key: string;
  value: string;
}

/**
 * A fault of a case input: the fault schedule's vocabulary (engine/faults/schedule.ts)
 * with nodes by index and a partition's groups by a seed (`pick`), so that
 * shrinking keeps it valid; suites/scenario.ts turns it into schedule events.
 * `crash` is a crash and its restart at `restartAt`; `link` holds the
 * schedule's own link fault.
 */
export type FaultInput =
  | { type: 'partition'; shape: PartitionShape; from: number; until: number; pick: number }
  /** One given node cut off from all others, both ways. */
  | { type: 'isolate'; node: number; from: number; until: number }
  /** Any link fault but a partition, as the schedule holds it (no edge selector: nodes go by index here). */
  | { type: 'link'; fault: InputLinkFault; from: number; until: number }
  | { type: 'crash'; node: number; at: number; restartAt: number; durable: boolean }
  | { type: 'pause'; node: number; from: number; until: number };

/** The link faults a case input names directly. */
export type InputLinkFault = Exclude<LinkFault, { kind: 'partition' }>;

export type TopologyKind = 'full' | 'ring' | 'grid' | 'regular' | 'small-world' | 'star';

/** A peer graph: its kind and one parameter (suites/generators/topology.ts says what it means). */
export interface TopologyInput {
  kind: TopologyKind;
  param: number;
}

/** A cluster: its size, peer graph and the variant parameters. */
export interface ClusterInput {
  n: number;
  /** The peer graph, materialised from the seed (absent: the full mesh). */
  topology?: TopologyInput;
  /** Parameters.max_payload_bytes sent in Init (absent: the contract's default). */
  maxPayloadBytes?: number;
  fanout: number;
  rumorK: number;
  lossOfInterest: LossOfInterest;
  antiEntropyEvery: number;
  /** Seeds node PRNGs and the router. */
  seed: number;
}

/** One lockstep scenario: a cluster, a workload and a fault schedule. */
export interface ScenarioInput extends ClusterInput {
  writes: WriteInput[];
  faults: FaultInput[];
  /** Push-sum initial values, by node index (cycled when n is larger). */
  values: number[];
}

/** What checking one input gives. */
export interface Outcome {
  verdict: VerdictKind;
  /** The check verdicts the case is made of, for evidence. */
  checks: Verdict[];
  /** The lockstep history, when the case ran one. */
  events: HistoryEvent[];
  /** The view of `events` the case's checks read, if it built one: the contract's checks reuse it. */
  view?: HistoryView;
}

export interface CaseContext {
  endpoint: GossipEndpoint;
  capabilities: Capabilities;
  callTimeoutMs: number;
  /** Every lockstep run lasts at least this many rounds. */
  minRounds: number;
  /** Envelopes a round may carry before the run aborts (0: derived from n and fanout). */
  maxEnvelopesPerRound?: number;
  /** Set once the IUT stopped answering: later checks fail at once instead of waiting out deadlines. */
  broken?: string;
}

/** What generators may depend on: the declared capabilities and the size limit. */
export interface GenContext {
  capabilities: Capabilities;
  minNodes: number;
  maxNodes: number;
}

export interface CaseDef<I = ScenarioInput> {
  /** Stable hierarchical id, e.g. "convergence/after-partition/halves". */
  id: string;
  requirement: string;
  level: Level;
  /** Where the bound comes from (paper, formula, declared parameter). */
  source: string;
  /** Variants the case applies to. */
  variants: readonly Variant[];
  /** Why the IUT cannot be checked by this case (a missing capability), or null. */
  unsupported?(caps: Capabilities, variant: Variant): string | null;
  /** Fewer nodes cannot exercise the case at all (a ring of 3 cuts no edge): below it, UNSUPPORTED. */
  requiresNodes?: number;
  /** Inputs for one variant; shrinking goes toward smaller, shorter, fewer. */
  arbitrary(variant: Variant, gen: GenContext): fc.Arbitrary<I>;
  /** Why an input read back from a file is not one this case can run (names the field), or null. */
  validate(input: unknown): string | null;
  /** Ids of the checks the case's verdict is made of: each must judge something for a PASS. */
  checkIds?: readonly string[];
  /** Property executions shrinking one failure may take (default SHRINK_BUDGET, suites/property.ts). */
  shrinkBudget?: number;
  /** Checks one input against the IUT. */
  check(input: I, variant: Variant, ctx: CaseContext): Promise<Outcome>;
}
