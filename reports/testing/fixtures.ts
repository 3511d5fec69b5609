// Test fixtures for the report tests: small, hand-built histories and
// reports (no harness run needed), including an IUT whose strings carry
// script-injection payloads.
import { countVerdicts } from '../../checks/gate.js';
import type { Level, VerdictKind } from '../../checks/verdict.js';
import type { HistoryEvent } from '../../engine/history/events.js';
import { toJsonl } from '../../engine/history/recorder.js';
import type { Parameters, Variant } from '../../proto/contract.js';
import type { CaseResult, RunReport } from '../../suites/result.js';

export const XSS_SCRIPT = '<script>window.__pwned=1</script>';
export const XSS_IMG = '<img src=x onerror="window.__pwned=1">';
export const XSS = `${XSS_SCRIPT}${XSS_IMG}`;

export interface HistoryOptions {
  nodes: string[];
  rounds: number;
  variant?: Variant;
  scenario?: string;
  /** A halves partition of the nodes over [from, until). */
  partition?: { from: number; until: number };
  /** Crash and restart a node. */
  crash?: { node: string; at: number; restart: number };
  /** The key written at round 2 by nodes[0] (default "k"). */
  key?: string;
}

const PARAMS: Parameters = {
  variant: 'anti-entropy-push',
  fanout: 1,
  periodMs: 0,
  lossOfInterest: 'feedback-counter',
  rumorK: 2,
  antiEntropyEvery: 2,
  maxPayloadBytes: 4096,
};

/**
 * A deterministic lockstep history: every round each node pushes to its ring
 * successor; a write at round 2 at nodes[0] spreads one hop per round; during
 * the partition, envelopes across the halves are dropped.
 */
export function buildHistory(o: HistoryOptions): HistoryEvent[] {
  const n = o.nodes.length;
  const key = o.key ?? 'k';
  const half = new Set(o.nodes.slice(0, Math.ceil(n / 2)));
  const cut: [string, string][] = [];
  for (const a of o.nodes)
    for (const b of o.nodes) if (a !== b && half.has(a) !== half.has(b)) cut.push([a, b]);
  const events: HistoryEvent[] = [
    {
      t: 'run',
      seed: 7,
      mode: 'lockstep',
      nodes: o.nodes.slice(),
      params: { ...PARAMS, variant: o.variant ?? 'anti-entropy-push' },
      rounds: o.rounds,
      hopLimit: 2,
      values: [],
      ...(o.scenario !== undefined ? { scenario: o.scenario } : {}),
    },
    {
      t: 'init',
      implementation: 'fixture',
      version: '1',
      capabilities: {
        variants: ['anti-entropy-push'],
        lossOfInterest: [],
        lockstep: true,
        realtime: false,
        rumorStatus: false,
        pushSum: false,
        membership: false,
        durableRestart: false,
      },
    },
  ];
  const fault = {
    kind: 'partition' as const,
    shape: 'halves' as const,
    groups: [[...half], o.nodes.filter((x) => !half.has(x))],
  };
  const informed = new Set<string>();
  const down = new Set<string>();
  let id = 0;
  for (let r = 1; r <= o.rounds; r++) {
    events.push({ t: 'round', r });
    if (o.partition?.from === r) events.push({ t: 'fault', r, action: 'start', fault, edges: cut });
    if (o.partition?.until === r) events.push({ t: 'fault', r, action: 'stop', fault, edges: cut });
    if (o.crash?.at === r) {
      events.push({ t: 'crash', r, node: o.crash.node });
      down.add(o.crash.node);
      informed.delete(o.crash.node);
    }
    if (o.crash?.restart === r) {
      events.push({ t: 'restart', r, node: o.crash.node, durable: false });
      down.delete(o.crash.node);
    }
    if (r === 2) {
      events.push({ t: 'update', r, node: o.nodes[0], key, value: 'v1' });
      events.push({ t: 'ack', r, node: o.nodes[0], key, version: { counter: 1, origin: o.nodes[0] } });
      informed.add(o.nodes[0]);
    }
    const live = o.nodes.filter((x) => !down.has(x));
    events.push({ t: 'tick', r, nodes: live });
    const partitioned = o.partition !== undefined && r >= o.partition.from && r < o.partition.until;
    const newly: string[] = [];
    for (const from of live) {
      const to = o.nodes[(o.nodes.indexOf(from) + 1) % n];
      id++;
      events.push({
        t: 'send',
        r,
        hop: 0,
        id,
        from,
        to,
        kind: 'push',
        keys: informed.has(from) ? [key] : [],
        bytes: 40,
      });
      if (partitioned && half.has(from) !== half.has(to))
        events.push({ t: 'drop', r, id, reason: 'partition' });
      else if (down.has(to)) events.push({ t: 'drop', r, id, reason: 'crashed' });
      else {
        events.push({ t: 'deliver', r, hop: 1, id });
        if (informed.has(from) && !informed.has(to)) newly.push(to);
      }
    }
    for (const x of newly) informed.add(x);
    for (const x of live) {
      if (r === 1 || (informed.has(x) && (newly.includes(x) || (r === 2 && x === o.nodes[0])))) {
        events.push({
          t: 'read',
          r,
          node: x,
          entries: informed.has(x) ? [[key, 'v1', 1, o.nodes[0], null]] : [],
          estimate: 0,
          sum: 0,
          weight: 0,
          final: false,
        });
      }
    }
  }
  events.push({ t: 'end', r: o.rounds, reason: 'completed' });
  return events;
}

export function historyText(o: HistoryOptions): string {
  return toJsonl(buildHistory(o));
}

export function result(
  id: string,
  variant: Variant,
  verdict: VerdictKind,
  extra: Partial<CaseResult> = {},
  level: Level = 'MUST',
): CaseResult {
  return {
    id,
    requirement: `requirement of ${id}`,
    level,
    verdict,
    source: 'a paper, 1987',
    evidence: {
      expected: '<= 9 rounds',
      observed: `${verdict} observed`,
      details: ['node n1: 3 rounds late'],
    },
    suite: id.split('/')[0],
    variant,
    runs: 10,
    judged: 10,
    seed: 42,
    ...extra,
  };
}

export function report(
  name: string,
  version: string,
  results: CaseResult[],
  extra: Partial<RunReport> = {},
): RunReport {
  const totals = countVerdicts(results);
  return {
    kit: { name: 'gossipcheck', version: '0.1.0' },
    implementation: {
      name,
      version,
      capabilities: {
        variants: ['anti-entropy-push', 'rumor-push'],
        lossOfInterest: ['feedback-counter'],
        lockstep: true,
        realtime: false,
        rumorStatus: true,
        pushSum: false,
        membership: false,
        durableRestart: true,
      },
    },
    seed: 1,
    command: `gossipcheck run --impl "./node --name '${name}'" --out report`,
    startedAt: '2026-01-02T03:04:05.000Z',
    results,
    totals,
    ...extra,
  };
}
