// The GossipNode contract in domain terms. The generated proto types stay at
// the gRPC boundary (proto/convert.ts); everything inside the kit speaks these.

export type NodeId = string;

export const VARIANTS = [
  'direct-mail',
  'anti-entropy-push',
  'anti-entropy-pull',
  'anti-entropy-push-pull',
  'rumor-push',
  'rumor-pull',
  'hybrid',
  'push-sum',
  'membership-swim',
] as const;
export type Variant = (typeof VARIANTS)[number];

/** Variant families: which mechanism spreads updates, hence which bounds and checks apply. */
export const ANTI_ENTROPY_VARIANTS: readonly Variant[] = [
  'anti-entropy-push',
  'anti-entropy-pull',
  'anti-entropy-push-pull',
];
export const RUMOR_VARIANTS: readonly Variant[] = ['rumor-push', 'rumor-pull'];
/** Variants whose nodes run the SIR rumor states and a loss-of-interest rule. */
export const SIR_VARIANTS: readonly Variant[] = [...RUMOR_VARIANTS, 'hybrid'];
/** Variants that replicate a key-value store (not push-sum aggregation, not membership). */
export const KV_VARIANTS: readonly Variant[] = ['direct-mail', ...ANTI_ENTROPY_VARIANTS, ...SIR_VARIANTS];

export const isSirVariant = (v: Variant): boolean => SIR_VARIANTS.includes(v);

/** Node ids of an n-node cluster: n0, n1, … (by index, so shrinking n keeps inputs valid). */
export const nodeIds = (n: number): NodeId[] => Array.from({ length: n }, (_, i) => `n${i}`);

export const LOSS_OF_INTEREST = ['feedback-counter', 'feedback-coin', 'blind-counter', 'blind-coin'] as const;
export type LossOfInterest = (typeof LOSS_OF_INTEREST)[number];

/**
 * Envelope `kind` labels, per variant: part of the contract, since checks
 * count traffic by them (proto/gossipcheck/v1/gossip.proto, Envelope). Kinds
 * marked `values` carry entry values and list their keys in `keys`; the
 * others carry none and have empty `keys`.
 */
/**
 * Layered control traffic, in every variant's vocabulary (an additive change
 * of the contract): what a library sends for its own machinery rather than
 * for the variant's exchange, such as SWIM probes under a key-value variant
 * or gossipsub's GRAFT / PRUNE / IHAVE / IWANT. It carries no values, so it
 * lists no keys (contract/envelope-kind), and its volume has its own bound
 * (bounds/control-traffic), so relabelling traffic as control cannot hide it.
 */
export const CONTROL_KIND = 'control';
const AE_KINDS = { digest: false, want: false, entries: true, 'entries-want': true } as const;
const RUMOR_KINDS = { rumor: true, feedback: false, pull: false } as const;
const withControl = (kinds: Readonly<Record<string, boolean>>): Readonly<Record<string, boolean>> => ({
  ...kinds,
  [CONTROL_KIND]: false,
});
export const ENVELOPE_KINDS: Record<Variant, Readonly<Record<string, boolean>>> = {
  'direct-mail': withControl({ mail: true }),
  'anti-entropy-push': withControl(AE_KINDS),
  'anti-entropy-pull': withControl(AE_KINDS),
  'anti-entropy-push-pull': withControl(AE_KINDS),
  'rumor-push': withControl(RUMOR_KINDS),
  'rumor-pull': withControl(RUMOR_KINDS),
  hybrid: withControl({ ...RUMOR_KINDS, ...AE_KINDS }),
  'push-sum': withControl({ pushsum: false }),
  'membership-swim': withControl({
    ping: false,
    ack: false,
    'ping-req': false,
    'push-pull': false,
    leave: false,
  }),
};

export type ClockMode = 'lockstep' | 'realtime';
export type StopMode = 'crash' | 'clean';
export type SirStatus = 'susceptible' | 'infective' | 'removed';

/** Variant parameters shared by every node of one Init. */
export interface Parameters {
  variant: Variant;
  /** Peers contacted per gossip period. */
  fanout: number;
  /** Realtime mode only. */
  periodMs: number;
  lossOfInterest: LossOfInterest;
  /** k of the loss-of-interest rule (counter limit, or coin 1/k). */
  rumorK: number;
  /** Hybrid: one anti-entropy exchange every this many periods. */
  antiEntropyEvery: number;
  /** Largest payload a node accepts or sends. */
  maxPayloadBytes: number;
  /** membership-swim only (absent elsewhere, so other runs' histories are unchanged). */
  membership?: MembershipParams;
}

/** SWIM parameters (gossip.proto MembershipParameters). */
export interface MembershipParams {
  /** Ticks per protocol period (>= 2). */
  probePeriod: number;
  /** k: members asked for an indirect probe. */
  indirectProbes: number;
  /** Periods a suspicion lasts before the suspect is declared dead. */
  suspicionPeriods: number;
  /** lambda: each update is piggybacked ceil(lambda * log2(n + 1)) times. */
  retransmitMult: number;
  /** Periods between push-pull exchanges of the whole member list. */
  pushPullPeriods: number;
}

export const MEMBER_STATUSES = ['alive', 'suspect', 'dead', 'left'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** One member in a node's view. */
export interface Member {
  id: NodeId;
  status: MemberStatus;
  incarnation: number;
}

export const DEFAULT_MAX_PAYLOAD_BYTES = 1 << 20;

/**
 * The smallest valid Parameters of `variant` (fanout 1, k 1, every period,
 * the default payload limit), with `overrides` on top: for a capability
 * probe, and for runs whose cases set only what they judge.
 */
export function minimalParameters(variant: Variant, overrides: Partial<Parameters> = {}): Parameters {
  return {
    variant,
    fanout: 1,
    periodMs: 0,
    lossOfInterest: 'feedback-counter',
    rumorK: 1,
    antiEntropyEvery: 1,
    maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
    ...overrides,
  };
}

/**
 * A write whose key and value (UTF-8) take more than max_payload_bytes minus
 * this many bytes may be refused by Update with INVALID_ARGUMENT (nothing of
 * the batch applied); any smaller write MUST be accepted and shipped, split
 * across envelopes if need be. The harness generates only writes that fit
 * (docs/contract.md, Sizes).
 */
export const WRITE_OVERHEAD_BYTES = 256;

/** The largest key + value (UTF-8 bytes) a node must accept under a payload limit (0: the default). */
export function maxWriteBytes(maxPayloadBytes: number): number {
  return (maxPayloadBytes > 0 ? maxPayloadBytes : DEFAULT_MAX_PAYLOAD_BYTES) - WRITE_OVERHEAD_BYTES;
}

export interface NodeInit {
  id: NodeId;
  /** Peers this node may contact; uniform random among them. */
  peers: NodeId[];
  seeds: NodeId[];
  /** Seed of the node's PRNG (kept below 2^53 so it survives uint64 <-> number). */
  rngSeed: number;
  /** Push-sum initial value. */
  initialValue: number;
  /** Restart from the durable state kept by the last crash. */
  restoreDurable: boolean;
  /** Restarts of this node so far in the run (0 or absent at first start). */
  generation?: number;
}

export interface Capabilities {
  variants: Variant[];
  lossOfInterest: LossOfInterest[];
  lockstep: boolean;
  realtime: boolean;
  rumorStatus: boolean;
  pushSum: boolean;
  membership: boolean;
  durableRestart: boolean;
}

/**
 * Why an IUT declaring `caps` cannot run `variant` in `clock` mode with this
 * loss-of-interest rule, or undefined when it can.
 */
export function missingCapability(
  caps: Capabilities,
  variant: Variant,
  clock: ClockMode,
  lossOfInterest?: LossOfInterest,
): string | undefined {
  if (!caps.variants.includes(variant))
    return `variant ${variant} not declared (declared: ${caps.variants.join(', ') || 'none'})`;
  if (!caps[clock]) return `${clock} clock mode not declared`;
  if (variant === 'push-sum' && !caps.pushSum) return 'pushSum capability not declared';
  if (lossOfInterest !== undefined && isSirVariant(variant) && !caps.lossOfInterest.includes(lossOfInterest))
    return `loss of interest ${lossOfInterest} not declared (declared: ${caps.lossOfInterest.join(', ') || 'none'})`;
  return undefined;
}

export interface InitResult {
  implementation: string;
  version: string;
  capabilities: Capabilities;
  /** The contract version the endpoint implements ('' : none declared, 1.0). */
  contractVersion?: string;
}

/**
 * The contract version this kit implements, and every change since 1.0 that
 * a node written against an earlier version may break, with the cases that
 * judge it (docs/contract.md, "Contract versions"). Additive changes (a new
 * optional call or kind) are listed too: a node need not use them.
 */
export const CONTRACT_VERSION = '1.4';
export const CONTRACT_CHANGES: readonly { version: string; change: string; cases: readonly string[] }[] = [
  {
    version: '1.1',
    change:
      "every envelope's kind from its variant's vocabulary (push-sum: pushsum), and the keys of every value it carries",
    cases: ['contract/envelope-kind', 'contract/declared-keys', 'contract/addressing'],
  },
  {
    version: '1.2',
    change: 'Read entries sorted by key; a restart with restore_durable recovers the whole store',
    cases: ['contract/read-sorted', 'contract/durable-restart'],
  },
  { version: '1.3', change: 'the value-free control kind in every vocabulary (additive)', cases: [] },
  {
    version: '1.4',
    change:
      'realtime: a learned value arrives in an envelope listing its key (contract/declared-keys in time form)',
    cases: ['contract/declared-keys'],
  },
];

const versionParts = (v: string): number[] => (v || '1.0').split('.').map((x) => Number(x) || 0);

/**
 * One line for a node that declares a contract older than the kit's (or none):
 * the rules newer than its version, and which of `failed` (case ids) they
 * judge; null when it declares the kit's version or a newer one.
 */
export function contractNote(declared: string, failed: readonly string[]): string | null {
  if (!olderContract(declared, CONTRACT_VERSION)) return null;
  const newer = CONTRACT_CHANGES.filter((c) => olderContract(declared, c.version));
  const cases = new Set(newer.flatMap((c) => c.cases));
  const hit = [...new Set(failed.filter((id) => cases.has(id)))];
  const changes = newer.map((c) => `${c.version}: ${c.change}`).join('; ');
  return `the node declares contract ${declared || 'none (1.0)'}, the kit judges by ${CONTRACT_VERSION}; newer rules: ${changes}. ${hit.length ? `Failures that follow from them: ${hit.join(', ')}` : 'No failure of this run follows from them'} (docs/contract.md, "Contract versions")`;
}

/** Whether version `a` is older than `b` ('' is 1.0). */
export function olderContract(a: string, b: string): boolean {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  return false;
}

/** One message between two nodes; the harness never parses `payload`. */
export interface Envelope {
  from: NodeId;
  to: NodeId;
  payload: Uint8Array;
  /** Message kind label, for counting. */
  kind: string;
  /** Keys whose entries (values) the envelope carries. */
  keys: string[];
}

/** Last-writer-wins version: higher counter wins, then the greater origin id. */
export interface Version {
  counter: number;
  origin: NodeId;
}

export interface Write {
  node: NodeId;
  key: string;
  value: string;
}

export interface Ack {
  node: NodeId;
  key: string;
  version: Version;
}

export interface Entry {
  key: string;
  value: string;
  version: Version;
  /** Present where the implementation declares `rumorStatus`. */
  status?: SirStatus;
}

export interface Snapshot {
  node: NodeId;
  /** Sorted by key. */
  entries: Entry[];
  estimate: number;
  sum: number;
  weight: number;
  members: NodeId[];
  /** membership-swim: the node's whole view, sorted by id (absent or empty elsewhere). */
  memberView?: Member[];
}

export interface UpdateResult {
  acks: Ack[];
  envelopes: Envelope[];
}

export type ContractErrorCode = 'invalid-argument' | 'not-found' | 'failed-precondition' | 'unavailable';

/** A request the endpoint refuses; maps to a gRPC status at the boundary. */
export class ContractError extends Error {
  constructor(
    readonly code: ContractErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ContractError';
  }
}

/**
 * The GossipNode service as the harness sees it. Implemented in-process by the
 * reference host and over gRPC by the client in engine/endpoint/.
 * Every call is batched over many nodes.
 */
export interface GossipEndpoint {
  /**
   * `harnessAddress` (realtime only): where the harness serves HarnessNetwork;
   * the nodes stream what they send there. Empty or absent: the nodes talk to
   * each other directly (the direct transport).
   */
  init(nodes: NodeInit[], params: Parameters, clock: ClockMode, harnessAddress?: string): Promise<InitResult>;
  tick(nodes: NodeId[]): Promise<Envelope[]>;
  deliver(envelopes: Envelope[]): Promise<Envelope[]>;
  update(writes: Write[]): Promise<UpdateResult>;
  read(nodes: NodeId[]): Promise<Snapshot[]>;
  /** A clean stop may send envelopes (a membership leave); the harness routes them. */
  // biome-ignore lint/suspicious/noConfusingVoidType: endpoints that send nothing on Stop keep returning Promise<void>
  stop(nodes: NodeId[], mode: StopMode): Promise<Envelope[] | undefined | void>;
  close(): Promise<void>;
  /**
   * Optional: plays one fault-free lockstep round in one call (gossip.proto,
   * RoundRequest). Resolves undefined when the endpoint cannot, having done
   * nothing; the harness then drives the round call by call.
   */
  round?(call: RoundCall): Promise<RoundResult | undefined>;
  /** Optional: what the calls so far went over (an endpoint over gRPC has it; in-process has none). */
  callPaths?(): TransportStats;
}

/**
 * What the harness's calls to an endpoint went over (docs/implementers-guide.md,
 * "Session"): counted by the gRPC client, shown in the run's report.
 */
export interface TransportStats {
  /** Calls answered by the unary RPCs (no Session, or a method the Session refused). */
  unaryCalls: number;
  /** Calls answered on a Session stream (Round calls apart). */
  sessionCalls: number;
  /** Round calls the endpoint answered, and the lockstep rounds it played in them. */
  roundCalls: number;
  roundsPlayed: number;
  /** Lockstep rounds the harness drove call by call (one Tick each). */
  roundsByCall: number;
  /** Calls that an endpoint which served the Session answered UNIMPLEMENTED on it, so they went unary. */
  fallbacks: number;
  /** Session streams opened: one, and another after each call that timed out. */
  streams: number;
}

/** The path the calls took: `unary`, `Session`, or `Session + Round`. */
export function transportPath(t: TransportStats): string {
  if (t.roundCalls > 0) return 'Session + Round';
  return t.sessionCalls > 0 ? 'Session' : 'unary';
}

/** Two endpoints' counts together (a run's workers each have their own). */
export function addTransport(a: TransportStats, b: TransportStats): TransportStats {
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof TransportStats)[]) out[k] += b[k];
  return out;
}

/** Consecutive fault-free lockstep rounds for an endpoint to play in one call (gossip.proto, RoundRequest). */
export interface RoundCall {
  /** Live nodes: ticked, read, and the only destinations delivered to. */
  nodes: NodeId[];
  /** Envelopes due at the first round's hop 1 ahead of the Tick's. */
  due: Envelope[];
  hopLimit: number;
  /** One entry per round to play: the envelopes that round may send. */
  maxEnvelopes: number[];
  /** Leave out snapshots equal to the last one returned for the node. */
  onlyChanged: boolean;
}

/** One hop of a played round: the batch's size and what its Deliver returned (or its error). */
export interface RoundHop {
  delivered: number;
  envelopes: Envelope[];
  error?: Error;
}

export interface PlayedRound {
  ticked: Envelope[];
  /** The Tick failed: nothing else was done. */
  tickError?: Error;
  hops: RoundHop[];
  snapshots: Snapshot[];
  readError?: Error;
}

/** The rounds played, in order; fewer than asked when one failed or sent too much. */
export type RoundResult = PlayedRound[];

export function compareVersions(a: Version, b: Version): number {
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  if (a.origin === b.origin) return 0;
  return a.origin < b.origin ? -1 : 1;
}

/**
 * How the Maelstrom adapter names the node it serves (`maelstrom node (<command>)`):
 * its envelopes carry the node's own message types as kinds, not the
 * contract's vocabulary, so checks of the vocabulary do not apply to it.
 */
export const MAELSTROM_NODE = 'maelstrom node';
