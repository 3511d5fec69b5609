// Conversions between the generated proto types (the wire) and the domain
// types of proto/contract.ts. Enum values follow the order of VARIANTS and
// LOSS_OF_INTEREST (proto value = index + 1), so a new variant is added once.
import {
  type Capabilities,
  ContractError,
  type Entry,
  type Envelope,
  LOSS_OF_INTEREST,
  type LossOfInterest,
  MEMBER_STATUSES,
  type Member,
  type MembershipParams,
  type NodeInit,
  type Parameters,
  type SirStatus,
  type Snapshot,
  VARIANTS,
  type Variant,
  type Version,
} from './contract.js';
import * as pb from './gen/gossipcheck/v1/gossip.js';

const SIR: readonly SirStatus[] = ['susceptible', 'infective', 'removed'];

function fromEnum<T>(table: readonly T[], value: number, what: string): T {
  const v = table[value - 1];
  if (v === undefined) throw new ContractError('invalid-argument', `unknown ${what} enum value ${value}`);
  return v;
}

/** Enum lists from a foreign endpoint: unknown values are ignored, not fatal. */
function fromEnumList<T>(table: readonly T[], values: number[]): T[] {
  return values.map((v) => table[v - 1]).filter((v): v is T => v !== undefined);
}

export const variantToPb = (v: Variant): pb.Variant => VARIANTS.indexOf(v) + 1;
export const variantFromPb = (v: pb.Variant): Variant => fromEnum(VARIANTS, v, 'Variant');
const loiToPb = (l: LossOfInterest): pb.LossOfInterest => LOSS_OF_INTEREST.indexOf(l) + 1;

function membershipToPb(m: MembershipParams | undefined): pb.MembershipParameters | undefined {
  return m && { ...m };
}

/** Absent on the wire (or all zero) is no membership parameters at all. */
function membershipFromPb(m: pb.MembershipParameters | undefined): MembershipParams | undefined {
  if (!m) return undefined;
  const { probePeriod, indirectProbes, suspicionPeriods, retransmitMult, pushPullPeriods } = m;
  return { probePeriod, indirectProbes, suspicionPeriods, retransmitMult, pushPullPeriods };
}

const memberToPb = (m: Member): pb.Member => ({
  id: m.id,
  status: MEMBER_STATUSES.indexOf(m.status) + 1,
  incarnation: m.incarnation,
});

/** A member of unknown status is kept as alive would hide it: it is dropped instead. */
function memberViewFromPb(view: pb.Member[]): Member[] {
  const out: Member[] = [];
  for (const m of view) {
    const status = MEMBER_STATUSES[m.status - 1];
    if (status !== undefined) out.push({ id: m.id, status, incarnation: m.incarnation });
  }
  return out;
}

export function parametersToPb(p: Parameters): pb.Parameters {
  return {
    membership: membershipToPb(p.membership),
    variant: variantToPb(p.variant),
    fanout: p.fanout,
    periodMs: p.periodMs,
    lossOfInterest: loiToPb(p.lossOfInterest),
    rumorK: p.rumorK,
    antiEntropyEvery: p.antiEntropyEvery,
    maxPayloadBytes: p.maxPayloadBytes,
  };
}

export function parametersFromPb(p: pb.Parameters | undefined): Parameters {
  if (!p) throw new ContractError('invalid-argument', 'InitRequest.parameters is missing');
  const membership = membershipFromPb(p.membership);
  return {
    ...(membership ? { membership } : {}),
    variant: variantFromPb(p.variant),
    fanout: p.fanout,
    periodMs: p.periodMs,
    // Unspecified loss of interest defaults to Demers' feedback + counter.
    lossOfInterest:
      p.lossOfInterest === 0
        ? 'feedback-counter'
        : fromEnum(LOSS_OF_INTEREST, p.lossOfInterest, 'LossOfInterest'),
    rumorK: p.rumorK,
    antiEntropyEvery: p.antiEntropyEvery,
    maxPayloadBytes: p.maxPayloadBytes,
  };
}

export const nodeInitToPb = (n: NodeInit): pb.NodeInit => ({ ...n, generation: n.generation ?? 0 });
export const nodeInitFromPb = (n: pb.NodeInit): NodeInit => ({
  id: n.id,
  peers: n.peers,
  seeds: n.seeds,
  rngSeed: n.rngSeed,
  initialValue: n.initialValue,
  restoreDurable: n.restoreDurable,
  generation: n.generation,
});

export function capabilitiesToPb(c: Capabilities): pb.Capabilities {
  return {
    variants: c.variants.map(variantToPb),
    lossOfInterest: c.lossOfInterest.map(loiToPb),
    lockstep: c.lockstep,
    realtime: c.realtime,
    rumorStatus: c.rumorStatus,
    pushSum: c.pushSum,
    membership: c.membership,
    durableRestart: c.durableRestart,
  };
}

export function capabilitiesFromPb(c: pb.Capabilities | undefined): Capabilities {
  const x = c ?? pb.Capabilities.fromPartial({});
  return {
    variants: fromEnumList(VARIANTS, x.variants),
    lossOfInterest: fromEnumList(LOSS_OF_INTEREST, x.lossOfInterest),
    lockstep: x.lockstep,
    realtime: x.realtime,
    rumorStatus: x.rumorStatus,
    pushSum: x.pushSum,
    membership: x.membership,
    durableRestart: x.durableRestart,
  };
}

export const envelopeToPb = (e: Envelope): pb.Envelope => ({
  from: e.from,
  to: e.to,
  payload: Buffer.from(e.payload.buffer, e.payload.byteOffset, e.payload.byteLength),
  kind: e.kind,
  keys: e.keys,
});

export const envelopeFromPb = (e: pb.Envelope): Envelope => ({
  from: e.from,
  to: e.to,
  payload: e.payload,
  kind: e.kind,
  keys: e.keys,
});

const versionToPb = (v: Version): pb.Version => ({ counter: v.counter, origin: v.origin });
export const versionFromPb = (v: pb.Version | undefined): Version => ({
  counter: v?.counter ?? 0,
  origin: v?.origin ?? '',
});

function entryToPb(e: Entry): pb.Entry {
  return {
    key: e.key,
    value: e.value,
    version: versionToPb(e.version),
    status: e.status === undefined ? pb.SirStatus.SIR_STATUS_UNSPECIFIED : SIR.indexOf(e.status) + 1,
  };
}

function entryFromPb(e: pb.Entry): Entry {
  const entry: Entry = { key: e.key, value: e.value, version: versionFromPb(e.version) };
  const status = SIR[e.status - 1];
  if (status !== undefined) entry.status = status;
  return entry;
}

export const snapshotToPb = (s: Snapshot): pb.Snapshot => ({
  ...s,
  entries: s.entries.map(entryToPb),
  memberView: (s.memberView ?? []).map(memberToPb),
});
export const snapshotFromPb = (s: pb.Snapshot): Snapshot => {
  const { memberView, ...rest } = s;
  const snap: Snapshot = { ...rest, entries: s.entries.map(entryFromPb) };
  if (memberView.length > 0) snap.memberView = memberViewFromPb(memberView);
  return snap;
};

export const ackToPb = (a: { node: string; key: string; version: Version }): pb.Ack => ({
  node: a.node,
  key: a.key,
  version: versionToPb(a.version),
});
