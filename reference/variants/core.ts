// The interface every sans-I/O variant core implements. A core owns its
// protocol state and turns one event (tick, message, client write) into state
// changes plus messages handed to an Outbox; it never touches sockets, timers
// or the clock, so the same core runs in-process, behind gRPC and in docker.
import type {
  LossOfInterest,
  Member,
  MembershipParams,
  NodeId,
  SirStatus,
  Variant,
  Version,
} from '../../proto/contract.js';
import type { Rng } from '../../shared/prng.js';
import type { Message, MessageType } from '../messages.js';
import type { Store } from '../store.js';

/** Where a core puts what it sends; implemented by the node (encoding, envelopes). */
export interface Outbox {
  send(to: NodeId, msg: Message): void;
}

/** Validated parameters, as a core sees them. */
export interface CoreParams {
  variant: Variant;
  fanout: number;
  lossOfInterest: LossOfInterest;
  rumorK: number;
  antiEntropyEvery: number;
  /** membership-swim only. */
  membership?: MembershipParams;
}

/** Everything a core may use: its identity, topology, randomness and store. */
export interface CoreContext {
  id: NodeId;
  /** Origin of this node's own writes: its id, plus the generation after a restart. */
  writer: string;
  peers: readonly NodeId[];
  /** NodeInit.seeds (membership: whom to join through). */
  seeds?: readonly NodeId[];
  params: CoreParams;
  rng: Rng;
  store: Store;
  initialValue: number;
}

export interface Core {
  /** Whether a message of this type belongs to this variant (others are rejected before delivery). */
  accepts(type: MessageType): boolean;
  /** One gossip period. */
  tick(out: Outbox): void;
  receive(from: NodeId, msg: Message, out: Outbox): void;
  /** A client write; returns the version it got. */
  write(key: string, value: string, out: Outbox): Version;
  /** SIR status of a key the store holds, for variants that declare it. */
  status(key: string): SirStatus | undefined;
  /** Push-sum mass (zeros elsewhere). */
  mass(): { sum: number; weight: number };
  /** Membership: the node's view, sorted by id (absent for other variants). */
  view?(): Member[];
  /** Membership: a clean stop (a graceful leave); sends what tells the group. */
  leave?(out: Outbox): void;
}

/** Told when the store took a newer version of a key (rumor cores make it hot). */
export interface LearnListener {
  learned(key: string): void;
}

export const NO_MASS: { readonly sum: number; readonly weight: number } = { sum: 0, weight: 0 };
