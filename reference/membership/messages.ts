// The SWIM messages of the reference (variant membership-swim). Every message
// piggybacks membership updates (`u`); none carries entry values.
import type { MemberStatus } from '../../proto/contract.js';

/** A membership update: member `m` has status `s` at incarnation `i`. */
export interface WireUpdate {
  m: string;
  s: MemberStatus;
  i: number;
}

/** Direct probe; `q` is the prober's sequence number, echoed by the ack. */
export interface PingMessage {
  t: 'ping';
  q: number;
  u: WireUpdate[];
}

export interface AckMessage {
  t: 'ack';
  q: number;
  u: WireUpdate[];
}

/** Indirect probe: "ping `x` for me and relay its ack with my sequence number `q`". */
export interface PingReqMessage {
  t: 'ping-req';
  q: number;
  x: string;
  u: WireUpdate[];
}

/** The sender's whole member list; `j` (join or anti-entropy request) asks for the receiver's in reply. */
export interface PushPullMessage {
  t: 'push-pull';
  j: boolean;
  u: WireUpdate[];
}

/** A graceful leave: `u` holds the leaver's own LEFT update. */
export interface LeaveMessage {
  t: 'leave';
  u: WireUpdate[];
}

export type MembershipMessage = PingMessage | AckMessage | PingReqMessage | PushPullMessage | LeaveMessage;
export type MembershipMessageType = MembershipMessage['t'];

export const MEMBERSHIP_TYPES: readonly MembershipMessageType[] = [
  'ping',
  'ack',
  'ping-req',
  'push-pull',
  'leave',
];

export function updateJson(u: WireUpdate): string {
  return `{"m":${JSON.stringify(u.m)},"s":${JSON.stringify(u.s)},"i":${u.i}}`;
}

function updatesJson(us: readonly WireUpdate[]): string {
  let body = '';
  for (let i = 0; i < us.length; i++) {
    if (i > 0) body += ',';
    body += updateJson(us[i]);
  }
  return `[${body}]`;
}

export function encodeMembership(msg: MembershipMessage): string {
  switch (msg.t) {
    case 'ping':
      return `{"t":"ping","q":${msg.q},"u":${updatesJson(msg.u)}}`;
    case 'ack':
      return `{"t":"ack","q":${msg.q},"u":${updatesJson(msg.u)}}`;
    case 'ping-req':
      return `{"t":"ping-req","q":${msg.q},"x":${JSON.stringify(msg.x)},"u":${updatesJson(msg.u)}}`;
    case 'push-pull':
      return `{"t":"push-pull","j":${msg.j},"u":${updatesJson(msg.u)}}`;
    case 'leave':
      return `{"t":"leave","u":${updatesJson(msg.u)}}`;
  }
}

export const MEMBERSHIP_FIELDS: Record<MembershipMessageType, readonly string[]> = {
  ping: ['t', 'q', 'u'],
  ack: ['t', 'q', 'u'],
  'ping-req': ['t', 'q', 'x', 'u'],
  'push-pull': ['t', 'j', 'u'],
  leave: ['t', 'u'],
};

const STATUSES: readonly string[] = ['alive', 'suspect', 'dead', 'left'];

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): boolean => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

/** Checks the fields of a membership message whose field names were already checked. */
export function checkMembership(raw: Obj, type: MembershipMessageType): string | null {
  if (type !== 'push-pull' && type !== 'leave' && !isCount(raw.q))
    return "field 'q' is not a sequence number";
  if (type === 'ping-req' && (typeof raw.x !== 'string' || raw.x === '')) return "field 'x' is not a node id";
  if (type === 'push-pull' && typeof raw.j !== 'boolean') return "field 'j' is not a boolean";
  const u = raw.u;
  if (!Array.isArray(u)) return "field 'u' is not an array";
  for (let i = 0; i < u.length; i++) {
    const x = u[i];
    const where = `u[${i}]`;
    if (!isObj(x)) return `${where} is not an object`;
    const keys = Object.keys(x);
    if (keys.length !== 3 || !('m' in x) || !('s' in x) || !('i' in x))
      return `${where} must have exactly the fields m, s, i`;
    if (typeof x.m !== 'string' || x.m === '') return `${where}.m is not a node id`;
    if (typeof x.s !== 'string' || !STATUSES.includes(x.s)) return `${where}.s is not a member status`;
    if (!isCount(x.i)) return `${where}.i is not an incarnation number`;
  }
  return null;
}
