// The in-process driver's network queue for one hop, compact enough for
// n = 10^6: about a million envelopes wait between the tick and their delivery
// (the runner's order: every node ticks, then everything sent is delivered).
// Kept as one object per envelope (a Uint8Array, its ArrayBuffer, the queue
// slots) they were most of the heap and most of the GC work at that size. Here
// sender and receiver are Int32Array slots and the payloads are copied end to
// end into one byte arena, so a queue of a million envelopes is a handful of
// objects. Without `wire` the message objects themselves are queued.
import type { Message } from '../reference/messages.js';

const encoder = new TextEncoder();

export class HopQueue {
  length = 0;
  from = new Int32Array(1024);
  to = new Int32Array(1024);
  /** Payload k is bytes[start[k] .. start[k + 1]). */
  start = new Int32Array(1025);
  bytes = new Uint8Array(1 << 16);
  /** The messages themselves, when the run does not encode. */
  readonly msgs: Message[] = [];

  clear(): void {
    this.length = 0;
    this.msgs.length = 0;
  }

  pushBytes(from: number, to: number, payload: Uint8Array): void {
    const k = this.slot(from, to);
    const s = this.start[k];
    const e = s + payload.length;
    if (e > this.bytes.length) this.bytes = grow(this.bytes, e);
    this.bytes.set(payload, s);
    this.start[k + 1] = e;
  }

  /**
   * Appends the UTF-8 bytes of `text` (the codec's encodeToString of a
   * message: the bytes `encode` gives, without its copy per message); returns
   * false, and appends nothing, when they exceed `max`.
   */
  pushText(from: number, to: number, text: string, max: number): boolean {
    const k = this.slot(from, to);
    const s = this.start[k];
    // 3 bytes per UTF-16 unit is the most UTF-8 can take.
    if (s + text.length * 3 > this.bytes.length) this.bytes = grow(this.bytes, s + text.length * 3);
    const { written } = encoder.encodeInto(text, this.bytes.subarray(s));
    if (written > max) {
      this.length--;
      return false;
    }
    this.start[k + 1] = s + written;
    return true;
  }

  pushMsg(from: number, to: number, msg: Message): void {
    this.slot(from, to);
    this.msgs.push(msg);
  }

  /** A view of payload k (valid until the queue is cleared or grows). */
  payload(k: number): Uint8Array {
    return this.bytes.subarray(this.start[k], this.start[k + 1]);
  }

  private slot(from: number, to: number): number {
    const k = this.length++;
    if (k === this.from.length) {
      this.from = grow(this.from, k + 1);
      this.to = grow(this.to, k + 1);
      this.start = grow(this.start, k + 2);
    }
    this.from[k] = from;
    this.to[k] = to;
    if (k === 0) this.start[0] = 0;
    this.start[k + 1] = this.start[k];
    return k;
  }
}

/** Doubles the capacity until it holds `need` (amortised O(1) per push). */
function grow<T extends Int32Array | Uint8Array>(a: T, need: number): T {
  let size = a.length * 2;
  while (size < need) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}
