// The untyped `scuttlebutt` library, loaded unmodified, behind the few
// members host.ts uses; and the clock its local writes read (README.md,
// "Clock"): one shared copy of the library, or a fresh copy per node.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

// --- The untyped library, behind the few members this adapter uses. ---

/** An update as the library stores and sends it: [[key, value], timestamp, source id]. */
export type SbUpdate = [[string, unknown], number, string];

/** The stream model.createStream() returns (a JSON-lines duplex: one `data` event per line). */
export interface SbStream {
  on(event: 'data', listener: (line: string) => void): SbStream;
  on(event: 'error', listener: (err: unknown) => void): SbStream;
  write(text: string): unknown;
  destroy(): void;
}

export interface SbModel {
  readonly id: string;
  /** key -> the update that holds it. */
  readonly store: Record<string, SbUpdate>;
  /** source id -> latest timestamp seen from it: the node's version vector (its digest). */
  readonly sources: Record<string, number>;
  set(key: string, value: string): SbModel;
  createStream(): SbStream;
}

const require = createRequire(import.meta.url);

/** One copy of the library: its Model class and the clock (monotonic-timestamp) Model.localUpdate reads. */
interface Library {
  Model: new (id: string) => SbModel;
  timestamp: () => number;
}

const SB_MAIN = require.resolve('scuttlebutt');
/** The library's own files that hold state (the clock) or capture it (index.js, model.js). */
const SB_STATEFUL = [
  require.resolve('scuttlebutt/model'),
  SB_MAIN,
  require.resolve('monotonic-timestamp', { paths: [dirname(SB_MAIN)] }),
];

/**
 * Loads the library. `fresh`: a new copy with its own clock state, as a node
 * in a process of its own would have (the module cache entries of its
 * stateful files are dropped first; node_modules is untouched).
 */
export function loadLibrary(fresh: boolean): Library {
  if (fresh) for (const file of SB_STATEFUL) delete require.cache[file];
  return {
    Model: require('scuttlebutt/model') as Library['Model'],
    timestamp: (require('scuttlebutt') as { timestamp: () => number }).timestamp,
  };
}

export const SHARED = loadLibrary(false);
export const SB_VERSION = (
  JSON.parse(readFileSync(require.resolve('scuttlebutt/package.json'), 'utf8')) as { version: string }
).version;

/**
 * How local writes read the wall clock (README.md, "Clock"):
 * - `shared`: one copy of the library for every node and one logical clock,
 *   one step per write: every timestamp distinct, as in one process;
 * - `per-node`: a copy of the library per node (separate processes), all
 *   reading the lockstep round as wall time, 1000 ms a round.
 */
export type ClockModel = 'shared' | 'per-node';
export const CLOCK_MODELS: readonly ClockModel[] = ['shared', 'per-node'];
export const ROUND_MS = 1000;

/**
 * Runs `fn` with Date.now() reading `t`. monotonic-timestamp reads the wall
 * clock; lockstep histories must replay byte for byte, so local writes read a
 * logical clock instead. Scoped to the synchronous call: grpc-js and the rest
 * of the process keep the real clock.
 */
export function atTime<T>(t: number, fn: () => T): T {
  const real = Date.now;
  Date.now = () => t;
  try {
    return fn();
  } finally {
    Date.now = real;
  }
}
