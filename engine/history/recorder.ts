// Records history events and writes them as JSONL, one event per line.
// Equal runs must give equal bytes, so every event is rebuilt by `canonical`
// with its fields in one fixed order (the order declared in events.ts),
// including nested objects (parameters, capabilities, versions, link faults),
// whatever order the producer built it in.
import { createWriteStream, mkdirSync, type WriteStream, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Capabilities, Parameters, Version } from '../../proto/contract.js';
import type { Spread } from '../../shared/spread.js';
import { canonicalFault } from '../faults/schedule.js';
import type { HistoryEvent, ReadEntry } from './events.js';

const KINDS: ReadonlySet<string> = new Set<HistoryEvent['t']>([
  'run',
  'init',
  'round',
  'fault',
  'crash',
  'restart',
  'pause',
  'join',
  'leave',
  'update',
  'ack',
  'tick',
  'send',
  'drop',
  'delay',
  'duplicate',
  'tamper',
  'deliver',
  'read',
  'error',
  'end',
  'phase',
  'counters',
  'harness',
  'truncated',
]);

function params(p: Parameters): Parameters {
  const m = p.membership;
  const membership = m && {
    probePeriod: m.probePeriod,
    indirectProbes: m.indirectProbes,
    suspicionPeriods: m.suspicionPeriods,
    retransmitMult: m.retransmitMult,
    pushPullPeriods: m.pushPullPeriods,
  };
  return {
    variant: p.variant,
    fanout: p.fanout,
    periodMs: p.periodMs,
    lossOfInterest: p.lossOfInterest,
    rumorK: p.rumorK,
    antiEntropyEvery: p.antiEntropyEvery,
    maxPayloadBytes: p.maxPayloadBytes,
    ...(membership ? { membership } : {}),
  };
}

function capabilities(c: Capabilities): Capabilities {
  return {
    variants: c.variants.slice(),
    lossOfInterest: c.lossOfInterest.slice(),
    lockstep: c.lockstep,
    realtime: c.realtime,
    rumorStatus: c.rumorStatus,
    pushSum: c.pushSum,
    membership: c.membership,
    durableRestart: c.durableRestart,
  };
}

function version(v: Version): Version {
  return { counter: v.counter, origin: v.origin };
}

function spread(s: Spread): Spread {
  return { count: s.count, p50: s.p50, p99: s.p99, p995: s.p995, max: s.max };
}

function entry(e: ReadEntry): ReadEntry {
  return [e[0], e[1], e[2], e[3], e[4] ?? null];
}

/** `e` rebuilt with its fields (and nested fields) in the fixed order of events.ts. */
export function canonical(e: HistoryEvent): HistoryEvent {
  switch (e.t) {
    case 'run': {
      const run: HistoryEvent = {
        t: e.t,
        seed: e.seed,
        mode: e.mode,
        nodes: e.nodes.slice(),
        params: params(e.params),
        rounds: e.rounds,
        hopLimit: e.hopLimit,
        values: e.values.slice(),
      };
      if (e.scenario !== undefined) run.scenario = e.scenario;
      if (e.peers !== undefined)
        run.peers = Object.fromEntries(e.nodes.map((n) => [n, (e.peers![n] ?? []).slice()]));
      if (e.maelstrom !== undefined) {
        const m = e.maelstrom;
        run.maelstrom = {
          command: m.command,
          topologyName: m.topologyName,
          topology: Object.fromEntries(Object.entries(m.topology).map(([n, ps]) => [n, ps.slice()])),
          latencyMs: m.latencyMs,
          durationMs: m.durationMs,
          rate: m.rate,
          profile: m.profile,
        };
      }
      return run;
    }
    case 'init':
      return {
        t: e.t,
        implementation: e.implementation,
        version: e.version,
        capabilities: capabilities(e.capabilities),
      };
    case 'round':
      return { t: e.t, r: e.r };
    case 'fault':
      return {
        t: e.t,
        r: e.r,
        action: e.action,
        fault: canonicalFault(e.fault),
        // Pairs have no field order: kept, not copied (a halves cut of 1,000 nodes is 500,000 of them).
        edges: e.edges,
      };
    case 'crash':
      return { t: e.t, r: e.r, node: e.node };
    case 'restart':
      return { t: e.t, r: e.r, node: e.node, durable: e.durable };
    case 'pause':
      return { t: e.t, r: e.r, node: e.node, action: e.action };
    case 'join':
    case 'leave':
      return { t: e.t, r: e.r, node: e.node };
    case 'update':
      return { t: e.t, r: e.r, node: e.node, key: e.key, value: e.value };
    case 'ack':
      return { t: e.t, r: e.r, node: e.node, key: e.key, version: version(e.version) };
    case 'tick':
      return { t: e.t, r: e.r, nodes: e.nodes.slice() };
    case 'send':
      return {
        t: e.t,
        r: e.r,
        hop: e.hop,
        id: e.id,
        from: e.from,
        to: e.to,
        kind: e.kind,
        keys: e.keys.slice(),
        bytes: e.bytes,
      };
    case 'drop':
      return { t: e.t, r: e.r, id: e.id, reason: e.reason };
    case 'delay':
      return { t: e.t, r: e.r, id: e.id, until: e.until };
    case 'duplicate':
      return { t: e.t, r: e.r, id: e.id, of: e.of };
    case 'tamper':
      return { t: e.t, r: e.r, id: e.id, of: e.of, what: e.what };
    case 'deliver':
      return { t: e.t, r: e.r, hop: e.hop, id: e.id };
    case 'read': {
      const read: HistoryEvent = {
        t: e.t,
        r: e.r,
        node: e.node,
        entries: e.entries.map(entry),
        estimate: e.estimate,
        sum: e.sum,
        weight: e.weight,
        final: e.final,
      };
      if (e.members !== undefined) read.members = e.members.map(([m, s, i]) => [m, s, i]);
      if (e.unsorted !== undefined) read.unsorted = e.unsorted;
      return read;
    }
    case 'error':
      return { t: e.t, r: e.r, op: e.op, nodes: e.nodes.slice(), message: e.message };
    case 'end':
      return { t: e.t, r: e.r, reason: e.reason };
    case 'phase':
      return { t: e.t, r: e.r, phase: e.phase };
    case 'counters':
      return {
        t: e.t,
        r: e.r,
        passed: e.passed.map(([a, b, p, n]) => [a, b, p, n]),
        dropped: e.dropped.map(([a, b, p, n]) => [a, b, p, n]),
      };
    case 'harness':
      return {
        t: e.t,
        r: e.r,
        planned: e.planned,
        issued: e.issued,
        toNetwork: spread(e.toNetwork),
        fromNetwork: spread(e.fromNetwork),
        loopDelay: spread(e.loopDelay),
      };
    case 'truncated':
      return { t: e.t, kept: e.kept, total: e.total, bytes: e.bytes };
  }
}

/** One JSONL line (without the newline) for `e`, in canonical field order. */
export function serializeEvent(e: HistoryEvent): string {
  return JSON.stringify(canonical(e));
}

/** The whole history as JSONL: one line per event, each ending in '\n'. */
export function toJsonl(events: readonly HistoryEvent[]): string {
  let out = '';
  for (const e of events) out += `${serializeEvent(e)}\n`;
  return out;
}

/** Stored histories (report files) stop at this size: evidence must stay readable. */
export const MAX_HISTORY_BYTES = 16 * 1024 * 1024;

/**
 * The one rule of every history file the kit writes: whole lines while the
 * file stays within `maxBytes`, then (if any line was left out) one last
 * 'truncated' event stating how many events and bytes the whole history had.
 * Fed event by event, so a file streamed during a long run obeys it too.
 */
class HistoryCap {
  private size = 0;
  private count = 0;
  private kept = -1;

  constructor(private readonly maxBytes: number) {}

  /** The line to write for `e`, or null once the cap is passed. */
  line(e: HistoryEvent): string | null {
    const line = `${serializeEvent(e)}\n`;
    this.size += Buffer.byteLength(line);
    if (this.kept < 0 && this.size > this.maxBytes) this.kept = this.count;
    this.count++;
    return this.kept < 0 ? line : null;
  }

  /** The closing line: the 'truncated' event when something was left out, else nothing. */
  end(): string {
    if (this.kept < 0) return '';
    const marker: HistoryEvent = { t: 'truncated', kept: this.kept, total: this.count, bytes: this.size };
    return `${serializeEvent(marker)}\n`;
  }
}

/** The history as JSONL under the one rule (HistoryCap). */
export function boundedJsonl(events: readonly HistoryEvent[], maxBytes = MAX_HISTORY_BYTES): string {
  const cap = new HistoryCap(maxBytes);
  const lines: string[] = [];
  for (const e of events) {
    const line = cap.line(e);
    if (line !== null) lines.push(line);
  }
  return `${lines.join('')}${cap.end()}`;
}

/** Writes a history file (its folder made if needed) under the one rule; returns `path`. */
export function writeHistoryFile(path: string, events: readonly HistoryEvent[]): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, boundedJsonl(events), 'utf8');
  return path;
}

/**
 * Reads JSONL back into events. Blank lines are skipped; a line that is not
 * JSON or has no known `t` throws with its line number. Fields are not
 * otherwise validated (the history is the kit's own output).
 */
export function parseHistory(text: string): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new Error(`history line ${i + 1}: not JSON (${(err as Error).message})`);
    }
    if (typeof value !== 'object' || value === null || !KINDS.has((value as { t?: unknown }).t as string)) {
      throw new Error(`history line ${i + 1}: not a history event`);
    }
    events.push(value as HistoryEvent);
  }
  return events;
}

/** Collects events in memory (canonicalised as they arrive). */
export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];

  /** Bound, so it can be handed around as `record`. */
  readonly record = (e: HistoryEvent): void => {
    this.events.push(canonical(e));
  };

  toJsonl(): string {
    return toJsonl(this.events);
  }

  writeFile(path: string): void {
    writeHistoryFile(path, this.events);
  }
}

/**
 * Streams events to a JSONL file as they are recorded (for long runs), under
 * the same rule as writeHistoryFile; `close` flushes and resolves once the
 * file is complete.
 */
export class JsonlFileSink {
  private readonly stream: WriteStream;
  private failure: Error | undefined;
  private readonly cap: HistoryCap;

  constructor(path: string, maxBytes = MAX_HISTORY_BYTES) {
    this.cap = new HistoryCap(maxBytes);
    this.stream = createWriteStream(path, { encoding: 'utf8' });
    this.stream.on('error', (err) => {
      this.failure = err;
    });
  }

  readonly record = (e: HistoryEvent): void => {
    const line = this.cap.line(e);
    if (line !== null) this.stream.write(line);
  };

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.failure) {
        reject(this.failure);
        return;
      }
      this.stream.end(this.cap.end(), (err?: Error | null) => {
        const failure = err ?? this.failure;
        if (failure) reject(failure);
        else resolve();
      });
    });
  }
}
