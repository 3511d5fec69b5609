// Message <-> payload bytes. JSON written field by field in a fixed order, so
// the same message always yields the same bytes (lockstep runs replay byte for
// byte). Decoding trusts nothing: the payload comes from the network (or a
// fuzzing harness), so every field is checked and any defect is reported as a
// reason string, never thrown.
import {
  checkMembership,
  encodeMembership,
  MEMBERSHIP_FIELDS,
  type MembershipMessageType,
} from './membership/messages.js';
import type { Message, MessageType, WireEntry, WireFeedback, WireVersion } from './messages.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Scratch space for encodeInto: small messages are encoded into it, then copied out. */
const scratch = new Uint8Array(64 * 1024);

export function encode(msg: Message): Uint8Array {
  const text = encodeToString(msg);
  // The same UTF-8 bytes as encoder.encode(text), about 4x faster for small
  // messages; 3 bytes per UTF-16 unit is the most UTF-8 can take.
  if (text.length * 3 > scratch.length) return encoder.encode(text);
  const { written } = encoder.encodeInto(text, scratch);
  return scratch.slice(0, written);
}

export function encodeToString(msg: Message): string {
  // Each case writes its own type tag: the literal JSON.stringify(msg.t) would give.
  switch (msg.t) {
    case 'mail':
      return `{"t":"mail","entries":${entriesJson(msg.entries)}}`;
    case 'entries':
      return `{"t":"entries","entries":${entriesJson(msg.entries)}}`;
    case 'rumor':
      return `{"t":"rumor","entries":${entriesJson(msg.entries)}}`;
    case 'entries-want':
      return `{"t":"entries-want","entries":${entriesJson(msg.entries)},"want":${JSON.stringify(msg.want)}}`;
    case 'digest': {
      let body = '';
      for (let i = 0; i < msg.versions.length; i++) {
        if (i > 0) body += ',';
        body += versionJson(msg.versions[i]);
      }
      return `{"t":"digest","lo":${JSON.stringify(msg.lo)},"hi":${JSON.stringify(msg.hi)},"versions":[${body}]}`;
    }
    case 'want':
      return `{"t":"want","keys":${JSON.stringify(msg.keys)}}`;
    case 'feedback': {
      let body = '';
      for (let i = 0; i < msg.items.length; i++) {
        if (i > 0) body += ',';
        body += feedbackJson(msg.items[i]);
      }
      return `{"t":"feedback","items":[${body}]}`;
    }
    case 'pull':
      return '{"t":"pull"}';
    case 'pushsum':
      return `{"t":"pushsum","s":${JSON.stringify(msg.s)},"w":${JSON.stringify(msg.w)}}`;
    case 'ping':
    case 'ack':
    case 'ping-req':
    case 'push-pull':
    case 'leave':
      return encodeMembership(msg);
  }
}

export function entryJson(e: WireEntry): string {
  return `{"k":${JSON.stringify(e.k)},"v":${JSON.stringify(e.v)},"c":${e.c},"o":${JSON.stringify(e.o)}}`;
}

export function versionJson(e: WireVersion): string {
  return `{"k":${JSON.stringify(e.k)},"c":${e.c},"o":${JSON.stringify(e.o)}}`;
}

export function feedbackJson(e: WireFeedback): string {
  return `{"k":${JSON.stringify(e.k)},"c":${e.c},"o":${JSON.stringify(e.o)},"u":${e.u}}`;
}

function entriesJson(entries: readonly WireEntry[]): string {
  let body = '';
  for (let i = 0; i < entries.length; i++) {
    if (i > 0) body += ',';
    body += entryJson(entries[i]);
  }
  return `[${body}]`;
}

export type DecodeResult = { ok: true; msg: Message } | { ok: false; error: string };

export function decode(payload: Uint8Array): DecodeResult {
  let text: string;
  try {
    text = decoder.decode(payload);
  } catch {
    return fail('not valid UTF-8');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail('not valid JSON');
  }
  const error = checkMessage(raw);
  // checkMessage proved the shape, so the cast only names what was checked.
  return error === null ? { ok: true, msg: raw as Message } : fail(error);
}

function fail(error: string): DecodeResult {
  return { ok: false, error };
}

type Obj = Record<string, unknown>;

function isObject(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Exactly these own fields, no more, no fewer. */
function checkFields(o: Obj, fields: readonly string[], where: string): string | null {
  const own = Object.keys(o);
  for (const f of fields) if (!Object.hasOwn(o, f)) return `${where} lacks field '${f}'`;
  if (own.length !== fields.length) {
    for (const f of own) if (!fields.includes(f)) return `${where} has unexpected field '${f}'`;
  }
  return null;
}

const FIELDS: Record<MessageType, readonly string[]> = {
  mail: ['t', 'entries'],
  digest: ['t', 'lo', 'hi', 'versions'],
  entries: ['t', 'entries'],
  want: ['t', 'keys'],
  'entries-want': ['t', 'entries', 'want'],
  rumor: ['t', 'entries'],
  feedback: ['t', 'items'],
  pull: ['t'],
  pushsum: ['t', 's', 'w'],
  ...MEMBERSHIP_FIELDS,
};

function checkMessage(raw: unknown): string | null {
  if (!isObject(raw)) return 'not a JSON object';
  const t = raw.t;
  if (typeof t !== 'string') return "field 't' (message type) is missing or not a string";
  if (!Object.hasOwn(FIELDS, t)) return `unknown message type ${JSON.stringify(t)}`;
  const type = t as MessageType;
  const fieldError = checkFields(raw, FIELDS[type], `message '${type}'`);
  if (fieldError) return fieldError;
  switch (type) {
    case 'mail':
    case 'entries':
    case 'rumor':
      return checkList(raw.entries, 'entries', checkEntry);
    case 'entries-want':
      return checkList(raw.entries, 'entries', checkEntry) ?? checkList(raw.want, 'want', checkString);
    case 'digest':
      return (
        checkBound(raw.lo, 'lo') ??
        checkBound(raw.hi, 'hi') ??
        checkList(raw.versions, 'versions', checkVersion)
      );
    case 'want':
      return checkList(raw.keys, 'keys', checkString);
    case 'feedback':
      return checkList(raw.items, 'items', checkFeedback);
    case 'pull':
      return null;
    case 'pushsum':
      return checkFinite(raw.s, 's') ?? checkWeight(raw.w);
    case 'ping':
    case 'ack':
    case 'ping-req':
    case 'push-pull':
    case 'leave':
      return checkMembership(raw, type satisfies MembershipMessageType);
  }
}

function checkList(
  x: unknown,
  name: string,
  item: (x: unknown, where: string) => string | null,
): string | null {
  if (!Array.isArray(x)) return `field '${name}' is not an array`;
  for (let i = 0; i < x.length; i++) {
    const error = item(x[i], `${name}[${i}]`);
    if (error) return error;
  }
  return null;
}

function checkString(x: unknown, where: string): string | null {
  return typeof x === 'string' ? null : `${where} is not a string`;
}

function checkBound(x: unknown, where: string): string | null {
  return x === null || typeof x === 'string' ? null : `field '${where}' is neither null nor a string`;
}

function checkCounter(x: unknown, where: string): string | null {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 1
    ? null
    : `${where} is not a positive integer version counter`;
}

function checkVersionFields(o: Obj, where: string): string | null {
  return checkString(o.k, `${where}.k`) ?? checkCounter(o.c, `${where}.c`) ?? checkString(o.o, `${where}.o`);
}

function checkEntry(x: unknown, where: string): string | null {
  if (!isObject(x)) return `${where} is not an object`;
  return (
    checkFields(x, ['k', 'v', 'c', 'o'], where) ??
    checkVersionFields(x, where) ??
    checkString(x.v, `${where}.v`)
  );
}

function checkVersion(x: unknown, where: string): string | null {
  if (!isObject(x)) return `${where} is not an object`;
  return checkFields(x, ['k', 'c', 'o'], where) ?? checkVersionFields(x, where);
}

function checkFeedback(x: unknown, where: string): string | null {
  if (!isObject(x)) return `${where} is not an object`;
  return (
    checkFields(x, ['k', 'c', 'o', 'u'], where) ??
    checkVersionFields(x, where) ??
    (typeof x.u === 'boolean' ? null : `${where}.u is not a boolean`)
  );
}

function checkFinite(x: unknown, name: string): string | null {
  return typeof x === 'number' && Number.isFinite(x) ? null : `field '${name}' is not a finite number`;
}

function checkWeight(x: unknown): string | null {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0
    ? null
    : "field 'w' is not a finite, non-negative number";
}
