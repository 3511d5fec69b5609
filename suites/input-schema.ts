// Validates a case input read back from a file (a counterexample given to
// `gossipcheck replay`): every field of the shape the case's arbitrary makes,
// within the CLI's own limits. A problem names the field.
import { linkFaultProblem, PARTITION_SHAPES } from '../engine/faults/schedule.js';
import { LOSS_OF_INTEREST } from '../proto/contract.js';

/** The CLI's own limits (gossipcheck run --nodes, --rounds). */
export const LIMITS = { nodes: 256, rounds: 100_000, items: 100_000, text: 1 << 20 } as const;

type Check = (x: unknown, path: string) => string | null;

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

export const int =
  (min: number, max: number): Check =>
  (x, path) =>
    Number.isInteger(x) && (x as number) >= min && (x as number) <= max
      ? null
      : `${path} must be a whole number in [${min}, ${max}], got ${JSON.stringify(x)?.slice(0, 40)}`;

export const num: Check = (x, path) =>
  typeof x === 'number' && Number.isFinite(x) ? null : `${path} must be a finite number`;

export const text: Check = (x, path) =>
  typeof x === 'string' && x.length <= LIMITS.text
    ? null
    : `${path} must be a string of at most ${LIMITS.text} characters`;

export const oneOf =
  (choices: readonly string[]): Check =>
  (x, path) =>
    typeof x === 'string' && choices.includes(x) ? null : `${path} must be one of ${choices.join(', ')}`;

const bool: Check = (x, path) => (typeof x === 'boolean' ? null : `${path} must be true or false`);

export const list =
  (item: Check, max: number = LIMITS.items): Check =>
  (x, path) => {
    if (!Array.isArray(x)) return `${path} must be a list`;
    if (x.length > max) return `${path} has ${x.length} items, more than ${max}`;
    for (let i = 0; i < x.length; i++) {
      const p = item(x[i], `${path}[${i}]`);
      if (p) return p;
    }
    return null;
  };

export const record =
  (fields: Record<string, Check>): Check =>
  (x, path) => {
    if (!isObj(x)) return `${path} must be an object`;
    for (const [name, check] of Object.entries(fields)) {
      if (!(name in x)) return `${path}.${name} is missing`;
      const p = check(x[name], `${path}.${name}`);
      if (p) return p;
    }
    return null;
  };

/** A fault on up to `maxNodes` nodes: its `type` picks the fields it must have. */
const faultOn =
  (maxNodes: number): Check =>
  (x, path) => {
    if (!isObj(x)) return `${path} must be an object`;
    const round = int(0, LIMITS.rounds);
    const node = int(0, maxNodes);
    const window = { from: round, until: round };
    const shapes: Record<string, Record<string, Check>> = {
      partition: { ...window, shape: oneOf(PARTITION_SHAPES), pick: int(-(2 ** 31), 2 ** 32) },
      isolate: { ...window, node },
      link: { ...window, fault: (f, at) => linkFaultProblem(f, at) },
      crash: { node, at: round, restartAt: round, durable: bool },
      pause: { ...window, node },
    };
    const fields = typeof x.type === 'string' ? shapes[x.type] : undefined;
    if (!fields) return `${path}.type must be one of ${Object.keys(shapes).join(', ')}`;
    return record(fields)(x, path);
  };

const TOPOLOGY_KINDS = ['full', 'ring', 'grid', 'regular', 'small-world', 'star'];

/** The optional fields of a cluster: checked when present. */
const optionalClusterProblem = (x: unknown, maxNodes: number): string | null => {
  if (!isObj(x)) return null;
  if (x.topology !== undefined) {
    const p = record({ kind: oneOf(TOPOLOGY_KINDS), param: int(0, maxNodes) })(x.topology, 'input.topology');
    if (p) return p;
  }
  if (x.maxPayloadBytes !== undefined)
    return int(256, LIMITS.text)(x.maxPayloadBytes, 'input.maxPayloadBytes');
  return null;
};

/** A scenario input's problem, for clusters of up to `maxNodes` (the scale suite's are larger than --nodes). */
export const scenarioInputProblemUpTo =
  (maxNodes: number) =>
  (x: unknown): string | null =>
    optionalClusterProblem(x, maxNodes) ??
    record({
      n: int(1, maxNodes),
      fanout: int(1, maxNodes),
      rumorK: int(1, 1000),
      lossOfInterest: oneOf(LOSS_OF_INTEREST),
      antiEntropyEvery: int(1, LIMITS.rounds),
      seed: int(-(2 ** 31), 2 ** 32),
      writes: list(
        record({ round: int(0, LIMITS.rounds), node: int(0, LIMITS.items), key: text, value: text }),
      ),
      faults: list(faultOn(maxNodes), 1000),
      values: list(num, maxNodes),
    })(x, 'input');

export const scenarioInputProblem = scenarioInputProblemUpTo(LIMITS.nodes);
