// The wire format of a scuttlebutt connection's byte stream (README.md): each
// envelope payload is one segment, a JSON header line [connection, seq, flags]
// followed by the text the library's stream wrote. validSegment() parses and
// checks a payload; segments() cuts what a stream wrote into envelopes.
import type { Envelope, NodeId } from '../../proto/contract.js';

export interface Segment {
  conn: string;
  seq: number;
  flags: number;
  data: string;
}

/** Header flags: the data starts inside a line / ends inside a line (a line split across segments). */
const STARTS_MID = 1;
const ENDS_MID = 2;

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

function encodeSegment(s: Segment): Uint8Array {
  return utf8.encode(`${JSON.stringify([s.conn, s.seq, s.flags])}\n${s.data}`);
}

/** Parses and checks a payload; the message says why it is not one of ours. */
function decodeSegment(payload: Uint8Array): Segment | string {
  let text: string;
  try {
    text = strictUtf8.decode(payload);
  } catch {
    return 'payload is not UTF-8';
  }
  const nl = text.indexOf('\n');
  if (nl < 0) return 'payload has no header line';
  let header: unknown;
  try {
    header = JSON.parse(text.slice(0, nl));
  } catch {
    return 'payload header is not JSON';
  }
  if (
    !Array.isArray(header) ||
    header.length !== 3 ||
    typeof header[0] !== 'string' ||
    !Number.isSafeInteger(header[1]) ||
    header[1] < 0 ||
    !Number.isInteger(header[2]) ||
    header[2] < 0 ||
    header[2] > 3
  )
    return 'payload header is not [connection, seq, flags]';
  const seg: Segment = { conn: header[0], seq: header[1], flags: header[2], data: text.slice(nl + 1) };
  // Every line that starts and ends in this segment must be JSON; a line split
  // across segments is checked by the library's parser once reassembled.
  const lines = seg.data.split('\n');
  const tail = lines.pop() ?? '';
  if (tail !== '' && !(seg.flags & ENDS_MID)) return 'payload data does not end with a newline';
  lines.forEach((line, i) => {
    if (i === 0 && seg.flags & STARTS_MID) return;
    JSON.parse(line);
  });
  return seg;
}

export function validSegment(payload: Uint8Array): Segment | string {
  try {
    return decodeSegment(payload);
  } catch {
    return 'payload line is not JSON';
  }
}

/** The key an update line carries, or undefined for the digest (clock) and "SYNC" lines. */
function updateKey(line: string): string | undefined {
  if (!line.startsWith('[')) return undefined;
  const parsed = JSON.parse(line) as unknown;
  if (Array.isArray(parsed) && Array.isArray(parsed[0]) && typeof parsed[0][0] === 'string')
    return parsed[0][0];
  return undefined;
}

/** The longest prefix of `s` within `budget` UTF-8 bytes, never splitting a code point. */
function prefixWithin(s: string, budget: number): string {
  let bytes = 0;
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    const w = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + w > budget) break;
    bytes += w;
    i += cp > 0xffff ? 2 : 1;
  }
  return s.slice(0, i);
}

/** What segments() reads and advances of one end of a connection (host.ts's Side). */
export interface SegmentedSide {
  conn: string;
  peer: NodeId;
  sendSeq: number;
}

/**
 * Cuts what a side wrote into envelopes within max_payload_bytes: the
 * digest (clock) and the end-of-history marker travel as "digest", updates
 * as "entries" listing the key of every update they hold (a line longer
 * than a payload is split, and each part lists its key).
 */
export function segments(from: NodeId, side: SegmentedSide, lines: string[], maxPayload: number): Envelope[] {
  const budget = maxPayload - byteLength(`${JSON.stringify([side.conn, 2 ** 53, 3])}\n`);
  const envs: Envelope[] = [];
  let data = '';
  let flags = 0;
  let keys: string[] = [];
  let hasClock = false;
  const emit = (endsMid: boolean) => {
    if (data === '') return;
    const f = flags | (endsMid ? ENDS_MID : 0);
    const seg: Segment = { conn: side.conn, seq: side.sendSeq++, flags: f, data };
    envs.push({
      from,
      to: side.peer,
      payload: encodeSegment(seg),
      kind: keys.length > 0 ? 'entries' : 'digest',
      keys,
    });
    data = '';
    flags = endsMid ? STARTS_MID : 0;
    keys = [];
    hasClock = false;
  };
  for (const line of lines) {
    const key = updateKey(line);
    const isClock = line.startsWith('{');
    // Digests and entries travel apart, in stream order.
    if ((key !== undefined && hasClock) || (isClock && keys.length > 0)) emit(false);
    if (byteLength(data) + byteLength(line) > budget) emit(false);
    let rest = line;
    while (rest !== '') {
      const room = budget - byteLength(data);
      const part = prefixWithin(rest, room);
      data += part;
      rest = rest.slice(part.length);
      if (key !== undefined && !keys.includes(key)) keys.push(key);
      if (isClock) hasClock = true;
      if (rest !== '') emit(true);
    }
  }
  emit(false);
  return envs;
}
