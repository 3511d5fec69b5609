// Maelstrom's wire protocol (doc/protocol.md): one JSON envelope per line,
// `{src, dest, body}`, `body.type` plus optional `msg_id` / `in_reply_to`;
// errors are `{type: "error", code, text}`. Parsing never throws: a bad line
// comes back as a reason the harness reports with the line itself.

export interface Body {
  type: string;
  msg_id?: number;
  in_reply_to?: number;
  [field: string]: unknown;
}

export interface Envelope {
  src: string;
  dest: string;
  body: Body;
}

export type Parsed = { ok: true; env: Envelope } | { ok: false; reason: string };

/** The most characters of an offending line quoted in a verdict or history. */
export const QUOTE_CHARS = 200;

/**
 * A line longer than the reader's cap (node-process.ts LineSplitter) travels
 * to parseLine as this marker instead of its text: its head and size. A NUL
 * never starts a Maelstrom line (JSON allows no raw control character), so a
 * real line cannot be taken for one; a node that forges it only reports a
 * violation against itself.
 */
const OVERLONG = '\u0000gossipcheck:overlong\u0000';

export function overlongLine(head: string, bytes: number, cap: number): string {
  return `${OVERLONG}${bytes}\u0000${cap}\u0000${head}`;
}

function parseOverlong(line: string): { bytes: number; cap: number; head: string } | undefined {
  if (!line.startsWith(OVERLONG)) return undefined;
  const [bytes, cap, ...head] = line.slice(OVERLONG.length).split('\u0000');
  if (!/^\d+$/.test(bytes ?? '') || !/^\d+$/.test(cap ?? '')) return undefined;
  return { bytes: Number(bytes), cap: Number(cap), head: head.join('\u0000') };
}

export function quote(line: string, max = QUOTE_CHARS): string {
  const over = parseOverlong(line);
  if (over) return `${JSON.stringify(over.head.slice(0, max))} (${over.bytes}+ bytes, truncated)`;
  const s = JSON.stringify(line.length > max ? `${line.slice(0, max)}` : line);
  return line.length > max ? `${s} (${line.length} chars, truncated)` : s;
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

export function parseLine(line: string): Parsed {
  const over = parseOverlong(line);
  if (over)
    return {
      ok: false,
      reason: `over the ${over.cap}-byte line cap: ${over.bytes} bytes and no newline yet (the rest of the line is discarded)`,
    };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  if (!isObject(value)) return { ok: false, reason: 'not a JSON object {src, dest, body}' };
  const { src, dest, body } = value;
  if (typeof src !== 'string') return { ok: false, reason: 'no string "src"' };
  if (typeof dest !== 'string') return { ok: false, reason: 'no string "dest"' };
  if (!isObject(body)) return { ok: false, reason: 'no object "body"' };
  if (typeof body.type !== 'string') return { ok: false, reason: 'no string "body.type"' };
  for (const f of ['msg_id', 'in_reply_to'] as const) {
    if (body[f] !== undefined && typeof body[f] !== 'number')
      return { ok: false, reason: `"body.${f}" is not a number` };
  }
  return { ok: true, env: { src, dest, body: body as Body } };
}

/** How a value is compared and listed: its JSON text (1 and "1" differ). */
export const valueKey = (v: unknown): string => JSON.stringify(v) ?? 'undefined';

const SKIP = new Set(['type', 'msg_id', 'in_reply_to']);

/**
 * The broadcast values a node-to-node body carries, as valueKeys — the
 * harness's definition of "this message hands these values to its
 * destination" (docs/maelstrom.md): the value of any field named `message`,
 * and every scalar element of any array, at any depth (`messages: [1, 2]`,
 * `{batch: {n1: [3]}}`, `[[v, ts], ...]`). `type`, `msg_id` and `in_reply_to`
 * are never values. Strings that spell a number count as that number too
 * ("7" carries 7), for nodes that send values as map keys or strings.
 */
export function carriedValues(body: Body): string[] {
  const out = new Set<string>();
  const add = (v: unknown) => {
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) out.add(valueKey(v));
    else if (typeof v === 'string') {
      out.add(valueKey(v));
      if (/^-?\d+(\.\d+)?$/.test(v)) out.add(valueKey(Number(v)));
    }
  };
  const walk = (x: unknown, inArray: boolean, depth: number) => {
    if (depth > 8) return;
    if (Array.isArray(x)) {
      for (const e of x) walk(e, true, depth + 1);
    } else if (isObject(x)) {
      for (const [k, v] of Object.entries(x)) {
        if (depth === 0 && SKIP.has(k)) continue;
        if (k === 'message') add(v);
        walk(v, false, depth + 1);
      }
    } else if (inArray) {
      add(x);
    }
  };
  walk(body, false, 0);
  return [...out];
}

// The rules a node's output is held to, worded once for every runner that
// hosts Maelstrom nodes (the adapter, host.ts).

/** A line a node wrote: nothing (blank), a violation of the protocol, or a message from it. */
export type NodeOutput =
  | { kind: 'blank' }
  | { kind: 'violation'; message: string }
  | { kind: 'message'; env: Envelope; text: string };

/** Reads one line `node` wrote to stdout: well-formed, and from itself. */
export function readNodeOutput(node: string, raw: string): NodeOutput {
  const text = raw.replace(/\r$/, '');
  if (text.trim() === '') return { kind: 'blank' };
  const parsed = parseLine(text);
  if (!parsed.ok)
    return { kind: 'violation', message: `${node} wrote a line that is ${parsed.reason}: ${quote(text)}` };
  if (parsed.env.src !== node)
    return {
      kind: 'violation',
      message: `${node} wrote a message with src ${JSON.stringify(parsed.env.src)}: ${quote(text)}`,
    };
  return { kind: 'message', env: parsed.env, text };
}

/** The violation of a message to neither a node nor a client; `known` names who exists. */
export function unknownDestination(node: string, dest: string, known: string, text: string): string {
  return `${node} sent to unknown destination ${JSON.stringify(dest)} (${known}): ${quote(text)}`;
}

/** The violation of a message to a client that answers nothing. */
export function noInReplyTo(node: string, client: string, body: Body, text: string): string {
  return `${node} sent ${body.type} to client ${client} without in_reply_to: ${quote(text)}`;
}

/** The violation of a reply whose request is not outstanding (and never was, or did not time out). */
export function replyToNothing(node: string, client: string, text: string): string {
  return `${node} replied to no outstanding request of ${client}: ${quote(text)}`;
}

/** What is wrong with `body` as the reply to an `op` request, or null when it is `op`_ok. */
export function replyProblem(op: string, body: Body, text: string): string | null {
  if (body.type === 'error')
    return `error code ${String(body.code)}: ${String(body.text ?? '')} — ${quote(text)}`;
  if (body.type !== `${op}_ok`) return `expected ${op}_ok, got ${quote(text)}`;
  // Maelstrom's read_ok schema is `:messages [s/Any]` (workload/broadcast.clj);
  // a plumatic-schema sequence takes nil, and its client reads nil as the
  // empty set (a Go node's nil slice marshals as null). A missing field or any
  // other type is refused, as there.
  if (op === 'read' && body.messages !== null && !Array.isArray(body.messages))
    return `read_ok without a "messages" array: ${quote(text)}`;
  return null;
}

/** How a node process ended, as a violation (with its last stderr lines). */
export function exitProblem(
  node: string,
  exit: { code: number | null; signal: string | null; error?: string },
  stderrTail: string,
): string {
  const how = exit.error
    ? `could not start: ${exit.error}`
    : exit.code !== null
      ? `exited with code ${exit.code}`
      : `was killed by ${exit.signal}`;
  return `${node} ${how}${stderrTail ? `; stderr: ${quote(stderrTail.replaceAll('\n', ' | '))}` : ''}`;
}
