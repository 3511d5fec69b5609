// What travels between two gossipsub instances, and how the adapter labels it.
//
// Payload of one envelope: a 4-byte big-endian id of the receiving stream end
// (which connection the bytes belong to, as a TCP connection would say), then
// exactly the bytes gossipsub wrote on its stream: one length-prefixed RPC
// frame (unsigned varint length + protobuf RPC), unchanged.
//
// The data of a published gossipsub message is this adapter's write:
// JSON {"k": key, "v": value, "c": counter, "o": origin}.
import { RPC } from '@libp2p/gossipsub/message';
import { CONTROL_KIND, type Version } from '../../proto/contract.js';

export const HEADER_BYTES = 4;

/** A write as published on the topic. */
export interface Update {
  key: string;
  value: string;
  version: Version;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeUpdate(u: Update): Uint8Array {
  return utf8.encode(JSON.stringify({ k: u.key, v: u.value, c: u.version.counter, o: u.version.origin }));
}

/** The update a message's data carries, or undefined when it is not one of ours. */
export function decodeUpdate(data: Uint8Array | undefined): Update | undefined {
  if (!data) return undefined;
  try {
    const o: unknown = JSON.parse(utf8Decoder.decode(data));
    if (typeof o !== 'object' || o === null) return undefined;
    const r = o as Record<string, unknown>;
    if (typeof r.k !== 'string' || typeof r.v !== 'string' || typeof r.o !== 'string') return undefined;
    if (typeof r.c !== 'number' || !Number.isSafeInteger(r.c) || r.c < 1) return undefined;
    return { key: r.k, value: r.v, version: { counter: r.c, origin: r.o } };
  } catch {
    return undefined;
  }
}

/** Reads an unsigned LEB128 varint at `at`: [value, bytes used], or undefined if incomplete / too long. */
function readVarint(buf: Uint8Array, at: number): [number, number] | undefined {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 8 && at + i < buf.length; i++) {
    const b = buf[at + i];
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [value, i + 1];
    mul *= 128;
  }
  return undefined;
}

/**
 * Splits a byte buffer into complete length-prefixed frames (each with its
 * prefix). `rest` is what is left of an incomplete last frame.
 */
export function splitFrames(buf: Uint8Array): { frames: Uint8Array[]; rest: Uint8Array } {
  const frames: Uint8Array[] = [];
  let at = 0;
  while (at < buf.length) {
    const v = readVarint(buf, at);
    if (!v) break;
    const [len, used] = v;
    if (at + used + len > buf.length) break;
    frames.push(buf.subarray(at, at + used + len));
    at += used + len;
  }
  return { frames, rest: buf.subarray(at) };
}

export function framePayload(endId: number, frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + frame.length);
  new DataView(out.buffer).setUint32(0, endId >>> 0, false);
  out.set(frame, HEADER_BYTES);
  return out;
}

export interface ParsedPayload {
  endId: number;
  /** The frame as gossipsub wrote it (length prefix included). */
  frame: Uint8Array;
  rpc: RPC;
}

/** Parses an envelope payload: exactly one complete frame holding a valid RPC; else an error message. */
export function parsePayload(payload: Uint8Array): ParsedPayload | string {
  if (payload.length <= HEADER_BYTES) return `payload of ${payload.length} bytes is too short`;
  const endId = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0, false);
  const frame = payload.subarray(HEADER_BYTES);
  const { frames, rest } = splitFrames(frame);
  if (frames.length !== 1 || rest.length !== 0)
    return 'payload is not one length-prefixed gossipsub RPC frame';
  const v = readVarint(frame, 0)!;
  try {
    const rpc = RPC.decode(frame.subarray(v[1]));
    return { endId, frame, rpc };
  } catch (err) {
    return `payload is not a gossipsub RPC: ${(err as Error).message}`;
  }
}

/** Envelope kinds this adapter emits (see README.md, "Envelope kinds"). */
export type GossipsubKind = 'rumor' | 'control';

/**
 * The kind and keys of one RPC:
 * - any published message (mesh push, flood publish, or the answer to an
 *   IWANT): "rumor", keys = the keys of the updates it carries;
 * - else (IHAVE, IWANT, GRAFT, PRUNE, IDONTWANT, subscriptions: gossipsub's
 *   own mesh and gossip machinery, no values): the contract's value-free
 *   "control" kind. rpcParts says which of them a frame held.
 */
export function classify(rpc: RPC): { kind: GossipsubKind; keys: string[] } {
  if (rpc.messages.length > 0) {
    const keys = new Set<string>();
    for (const m of rpc.messages) {
      const u = decodeUpdate(m.data);
      if (u) keys.add(u.key);
    }
    return { kind: 'rumor', keys: [...keys].sort() };
  }
  return { kind: CONTROL_KIND, keys: [] };
}

/** Which parts an RPC holds, for the adapter's own traffic counters. */
export function rpcParts(rpc: RPC): string[] {
  const parts: string[] = [];
  if (rpc.messages.length) parts.push('message');
  if (rpc.subscriptions.length) parts.push('subscription');
  const c = rpc.control;
  if (c) {
    if (c.ihave.length) parts.push('ihave');
    if (c.iwant.length) parts.push('iwant');
    if (c.graft.length) parts.push('graft');
    if (c.prune.length) parts.push('prune');
    if (c.idontwant.length) parts.push('idontwant');
  }
  return parts;
}
