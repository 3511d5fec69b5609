// Keeps outgoing payloads within max_payload_bytes. The common case encodes
// once and fits; only an oversize message is split into several messages of
// the same meaning (lists cut into parts, a digest cut into key ranges). An
// item too large to fit even alone can never be sent and is dropped.
import { encode, encodeToString, entryJson, feedbackJson, versionJson } from './codec.js';
import type { DigestMessage, Message, WireEntry, WireVersion } from './messages.js';

export interface Encoded {
  msg: Message;
  payload: Uint8Array;
}

export function encodeFitting(msg: Message, max: number, out: Encoded[]): void {
  const payload = encode(msg);
  if (payload.length <= max) {
    out.push({ msg, payload });
    return;
  }
  switch (msg.t) {
    case 'mail':
    case 'entries':
    case 'rumor': {
      const { t, entries } = msg;
      split(
        entries,
        entryJson,
        max,
        { t, entries: [] },
        (s, e) => ({ t, entries: entries.slice(s, e) }),
        out,
      );
      return;
    }
    case 'entries-want':
      // Two messages of the simpler kinds mean the same as one combined reply.
      encodeFitting({ t: 'entries', entries: msg.entries }, max, out);
      encodeFitting({ t: 'want', keys: msg.want }, max, out);
      return;
    case 'want': {
      const keys = msg.keys;
      split(
        keys,
        jsonString,
        max,
        { t: 'want', keys: [] },
        (s, e) => ({ t: 'want', keys: keys.slice(s, e) }),
        out,
      );
      return;
    }
    case 'feedback': {
      const items = msg.items;
      split(
        items,
        feedbackJson,
        max,
        { t: 'feedback', items: [] },
        (s, e) => ({ t: 'feedback', items: items.slice(s, e) }),
        out,
      );
      return;
    }
    case 'digest':
      splitDigest(msg, max, out);
      return;
    case 'pull':
    case 'pushsum':
      // Indivisible and tiny: only an absurdly small limit gets here.
      return;
  }
}

/** Each part covers the key range (lo, hi] so the receiver never reads a missing key as "the sender lacks it". */
function splitDigest(msg: DigestMessage, max: number, out: Encoded[]): void {
  const sorted: WireVersion[] = msg.versions.slice().sort(byKey);
  const n = sorted.length;
  const lo0 = msg.lo;
  const hi0 = msg.hi;
  split(
    sorted,
    versionJson,
    max,
    { t: 'digest', lo: lo0, hi: hi0, versions: [] },
    (s, e) => ({
      t: 'digest',
      lo: s === 0 ? lo0 : sorted[s - 1].k,
      hi: e === n ? hi0 : sorted[e - 1].k,
      versions: sorted.slice(s, e),
    }),
    out,
  );
}

function byKey(a: WireVersion | WireEntry, b: WireVersion | WireEntry): number {
  return a.k < b.k ? -1 : a.k > b.k ? 1 : 0;
}

function jsonString(s: string): string {
  return JSON.stringify(s);
}

function split<T>(
  items: readonly T[],
  json: (item: T) => string,
  max: number,
  empty: Message,
  build: (start: number, end: number) => Message,
  out: Encoded[],
): void {
  const base = utf8Length(encodeToString(empty));
  let i = 0;
  while (i < items.length) {
    // Greedy estimate: list items are joined by commas, so sizes add up.
    let size = base;
    let j = i;
    while (j < items.length) {
      const add = utf8Length(json(items[j])) + (j > i ? 1 : 0);
      if (size + add > max && j > i) break;
      size += add;
      j++;
    }
    // Verify the real encoding (digest bounds add bytes the estimate leaves out).
    for (;;) {
      const part = build(i, j);
      const payload = encode(part);
      if (payload.length <= max) {
        out.push({ msg: part, payload });
        i = j;
        break;
      }
      if (j - i > 1) {
        j--;
        continue;
      }
      i = j; // a single item that cannot fit alone: dropped
      break;
    }
  }
}

/** UTF-8 byte length of a string without encoding it. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
