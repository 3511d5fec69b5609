// Pure checkers over Maelstrom scenario histories: events in, verdicts with
// evidence out. Nothing here talks to a node.
import type { NodeId } from '../../proto/contract.js';
import { type CaseInfo, notJudged, type Verdict, verdictOf } from '../checkers/verdict.js';
import { faultLabel } from '../faults/schedule.js';
import { type MaelstromEvent, Presence } from './history.js';
import type { Budget } from './profiles.js';
import { valueKey } from './protocol.js';

type Ev<T extends MaelstromEvent['t']> = Extract<MaelstromEvent, { t: T }>;
const only = <T extends MaelstromEvent['t']>(events: readonly MaelstromEvent[], t: T) =>
  events.filter((e): e is Ev<T> => e.t === t);

export const PROTOCOL_CASE: CaseInfo = {
  id: 'maelstrom/protocol',
  requirement:
    'Every line a node writes is a Maelstrom envelope {src, dest, body} with body.type, its own id as src and a node or client as dest; every init, topology, broadcast and read gets its *_ok reply (never an error body); no node process exits during the run.',
  level: 'MUST',
  source: 'Maelstrom protocol (doc/protocol.md) and broadcast workload (doc/workloads.md#workload-broadcast)',
};

export const convergenceCase = (scenario: string, what: string): CaseInfo => ({
  id: `maelstrom/convergence/${scenario}`,
  requirement: `${what}: every broadcast a node acknowledged (broadcast_ok) is in the final read of every node.`,
  level: 'MUST',
  source:
    'Maelstrom broadcast checker (Jepsen set-full: every acknowledged element is eventually read everywhere)',
});

export const BUDGET_SOURCE = 'Fly.io Gossip Glomers challenges 3d and 3e (fly.io/dist-sys/3d, /3e)';

/** Protocol violations and failed client requests of one scenario, as readable lines. */
export function protocolProblems(events: readonly MaelstromEvent[]): { lines: string[]; timeouts: number } {
  const scenario = only(events, 'run')[0]?.scenario ?? '?';
  const lines: string[] = [];
  for (const e of only(events, 'error')) lines.push(`[${scenario} @${e.r} ms] ${e.message}`);
  let timeouts = 0;
  for (const c of only(events, 'complete')) {
    if (c.status === 'error')
      lines.push(`[${scenario} @${c.r} ms] ${c.node} answered ${c.op} from ${c.client} with ${c.error}`);
    else if (c.status === 'timeout') {
      const setup = c.op === 'init' || c.op === 'topology';
      if (setup && !/exited/.test(c.error ?? ''))
        lines.push(`[${scenario} @${c.r} ms] ${c.node} did not answer ${c.op}: ${c.error}`);
      else if (!setup && c.error !== 'run ended') timeouts++;
    }
  }
  return { lines, timeouts };
}

export function checkProtocol(runs: readonly (readonly MaelstromEvent[])[]): Verdict {
  const lines: string[] = [];
  let timeouts = 0;
  let sent = 0;
  for (const events of runs) {
    const p = protocolProblems(events);
    lines.push(...p.lines);
    timeouts += p.timeouts;
    sent += only(events, 'send').length;
  }
  const note = timeouts > 0 ? `; ${timeouts} client request(s) timed out (allowed, as in Maelstrom)` : '';
  return verdictOf(
    PROTOCOL_CASE,
    lines.length === 0,
    {
      expected: 'no malformed line, unknown destination, error reply or exited node',
      observed:
        lines.length === 0
          ? `${sent} lines in ${runs.length} run(s), all well-formed${note}`
          : `${lines.length} violation(s); first: ${lines[0]}${note}`,
      details: lines,
    },
    sent,
  );
}

/** Values acknowledged by broadcast_ok, with the time the ack reached the harness. */
export function ackedValues(events: readonly MaelstromEvent[]): Map<string, number> {
  const invokes = new Map<string, Ev<'invoke'>>();
  for (const i of only(events, 'invoke')) invokes.set(`${i.client}:${i.msgId}`, i);
  const acked = new Map<string, number>();
  for (const c of only(events, 'complete')) {
    if (c.op !== 'broadcast' || c.status !== 'ok') continue;
    const inv = invokes.get(`${c.client}:${c.msgId}`);
    if (inv) acked.set(valueKey(inv.value), c.r);
  }
  return acked;
}

export function checkConvergence(
  info: CaseInfo,
  events: readonly MaelstromEvent[],
  startupFailure: string | null,
): Verdict {
  const header = only(events, 'run')[0];
  const nodes = header?.nodes ?? [];
  if (startupFailure !== null)
    return verdictOf(
      info,
      false,
      {
        expected: 'a running cluster',
        observed: `not run: ${startupFailure}`,
        details: [],
      },
      1,
    );
  const acked = ackedValues(events);
  const invokes = new Map(only(events, 'invoke').map((i) => [`${i.client}:${i.msgId}`, i]));
  const finals = new Map<NodeId, Set<string> | string>();
  for (const n of nodes) finals.set(n, 'no final read (node exited before the end)');
  for (const c of only(events, 'complete')) {
    if (!invokes.get(`${c.client}:${c.msgId}`)?.final) continue;
    finals.set(
      c.node,
      c.status === 'ok' ? new Set((c.messages ?? []).map(valueKey)) : `final read ${c.status}: ${c.error}`,
    );
  }
  const details: string[] = [];
  let lost = 0;
  for (const n of nodes) {
    const got = finals.get(n);
    if (typeof got === 'string' || got === undefined) {
      details.push(`${n}: ${got ?? 'no final read'}`);
      lost += acked.size;
      continue;
    }
    const missing = [...acked.keys()].filter((k) => !got.has(k));
    lost += missing.length;
    if (missing.length > 0)
      details.push(
        `${n} lacks ${missing.length} acknowledged value(s): ${missing.slice(0, 12).join(', ')}${missing.length > 12 ? ', ...' : ''}`,
      );
  }
  const faults = [
    ...only(events, 'fault')
      .filter((f) => f.action === 'start')
      .map((f) => describeFault(f)),
    ...only(events, 'pause')
      .filter((p) => p.action === 'start')
      .map((p) => `pause ${p.node} at ${p.r} ms`),
    ...only(events, 'crash').map((c) => `${c.node} down at ${c.r} ms`),
    ...only(events, 'restart').map((c) => `${c.node} restarted (empty) at ${c.r} ms`),
  ];
  const faultNote = faults.length ? `; faults: ${faults.join('; ')}` : '';
  if (acked.size === 0)
    return verdictOf(
      info,
      false,
      {
        expected: 'at least one acknowledged broadcast, then every one in every final read',
        observed: `no broadcast was acknowledged${faultNote}`,
        details,
      },
      1,
    );
  return verdictOf(
    info,
    details.length === 0,
    {
      expected: `all ${acked.size} acknowledged value(s) in the final read of all ${nodes.length} nodes`,
      observed:
        details.length === 0
          ? `all ${acked.size} acknowledged value(s) at all ${nodes.length} nodes${faultNote}`
          : `${lost} (node, value) pair(s) missing at ${details.length} node(s)${faultNote}`,
      details,
    },
    acked.size * nodes.length,
  );
}

function describeFault(f: Ev<'fault'>): string {
  const fault = f.fault;
  if (fault.kind === 'partition')
    return `${faultLabel(fault)} ${fault.groups.map((g) => `[${g.join(' ')}]`).join(' / ')} at ${f.r} ms (${f.edges.length} directed edges cut)`;
  return `${faultLabel(fault)} at ${f.r} ms`;
}

export interface Measures {
  serverMessages: number;
  clientOps: number;
  msgsPerOp: number;
  /** Stable latency (ms) of every acknowledged value measured, in ack order. */
  latencies: number[];
  /** Acknowledged values the delivery log never showed at some node. */
  unmeasured: string[];
  median: number | null;
  max: number | null;
}

/**
 * msgs-per-op as Maelstrom's :net :servers :msgs-per-op: lines sent between
 * nodes (requests and replies alike, including ones the network then dropped)
 * over client operations (every broadcast and read the harness issued, final
 * reads included; init and topology excluded). Latency: for each acknowledged
 * broadcast, max(0, time the value was present at the last node per the
 * delivery log - time the broadcast_ok reached the harness).
 */
export function measure(events: readonly MaelstromEvent[]): Measures {
  const header = only(events, 'run')[0];
  const nodes = new Set(header?.nodes ?? []);
  let serverMessages = 0;
  const presence = new Presence(header?.nodes ?? []);
  for (const e of events) {
    if (e.t === 'send' && nodes.has(e.from) && nodes.has(e.to)) serverMessages++;
    presence.feed(e);
  }
  const clientOps = only(events, 'invoke').filter((i) => i.op === 'broadcast' || i.op === 'read').length;
  const latencies: number[] = [];
  const unmeasured: string[] = [];
  for (const [k, ackAt] of ackedValues(events)) {
    const last = presence.everywhere(k);
    if (last === null) unmeasured.push(k);
    else latencies.push(Math.max(0, Math.round((last - ackAt) * 10) / 10));
  }
  const sorted = latencies.slice().sort((a, b) => a - b);
  const median =
    sorted.length === 0
      ? null
      : sorted.length % 2
        ? sorted[(sorted.length - 1) / 2]
        : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return {
    serverMessages,
    clientOps,
    msgsPerOp: clientOps === 0 ? 0 : serverMessages / clientOps,
    latencies,
    unmeasured,
    median,
    max: sorted.length ? sorted[sorted.length - 1] : null,
  };
}

export function budgetCases(budget: Budget | null): { msgs: CaseInfo; median: CaseInfo; max: CaseInfo } {
  const level = budget ? 'MUST' : 'INFO';
  const name = budget ? `${budget.name}: ` : '';
  const source = budget ? BUDGET_SOURCE : 'measured (no --profile given)';
  return {
    msgs: {
      id: 'maelstrom/budget/msgs-per-op',
      requirement: `${name}node-to-node messages per client operation (Maelstrom's :servers :msgs-per-op)${budget ? ` below ${budget.msgsPerOp}` : ''}.`,
      level,
      source,
    },
    median: {
      id: 'maelstrom/budget/latency-median',
      requirement: `${name}median stable latency, from the broadcast_ok to the value's presence at the last node${budget ? `, below ${budget.medianMs} ms` : ''}.`,
      level,
      source,
    },
    max: {
      id: 'maelstrom/budget/latency-max',
      requirement: `${name}maximum stable latency${budget ? ` below ${budget.maxMs} ms` : ''}.`,
      level,
      source,
    },
  };
}

export function checkBudgets(
  events: readonly MaelstromEvent[],
  budget: Budget | null,
  startupFailure: string | null,
): Verdict[] {
  const cases = budgetCases(budget);
  if (startupFailure !== null) {
    const failed = (info: CaseInfo) =>
      verdictOf(
        info,
        false,
        {
          expected: 'a running cluster',
          observed: `not run: ${startupFailure}`,
          details: [],
        },
        1,
      );
    return [failed(cases.msgs), failed(cases.median), failed(cases.max)];
  }
  const m = measure(events);
  const header = only(events, 'run')[0];
  const setting = header
    ? `${header.nodes.length} nodes, ${header.maelstrom.topologyName} topology, ${header.maelstrom.latencyMs} ms latency, ${header.maelstrom.rate} ops/s for ${header.maelstrom.durationMs} ms`
    : '';
  const msgs = verdictOf(
    cases.msgs,
    budget ? m.msgsPerOp < budget.msgsPerOp : true,
    {
      expected: budget ? `< ${budget.msgsPerOp}` : 'measured',
      observed: `${m.msgsPerOp.toFixed(2)} (${m.serverMessages} node-to-node messages / ${m.clientOps} client operations)`,
      details: [setting],
    },
    m.clientOps,
  );
  const unmeasuredNote =
    m.unmeasured.length > 0
      ? [
          `${m.unmeasured.length} acknowledged value(s) never seen at every node in the delivery log (not carried in a "message" field or an array?): ${m.unmeasured.slice(0, 10).join(', ')}`,
        ]
      : [];
  const lat = (info: CaseInfo, value: number | null, bound: number | undefined, what: string): Verdict => {
    if (value === null || m.unmeasured.length > 0) {
      // A budget that cannot be measured is not met (a MUST FAILs); without a budget, INFO.
      const evidence = {
        expected: bound !== undefined ? `< ${bound} ms` : 'measured',
        observed:
          value === null
            ? 'no acknowledged broadcast reached every node in the delivery log'
            : `${what} ${value} ms over ${m.latencies.length} value(s), but ${m.unmeasured.length} value(s) could not be measured`,
        details: [...unmeasuredNote, setting],
      };
      return budget ? verdictOf(info, false, evidence, 1) : notJudged(info, evidence);
    }
    const worst = m.latencies
      .slice()
      .sort((a, b) => b - a)
      .slice(0, 3)
      .map((l) => `${l} ms`);
    return verdictOf(
      info,
      bound === undefined || value < bound,
      {
        expected: bound !== undefined ? `< ${bound} ms` : 'measured',
        observed: `${what} ${value} ms over ${m.latencies.length} acknowledged value(s)`,
        details: [`slowest: ${worst.join(', ')}`, setting],
      },
      m.latencies.length,
    );
  };
  return [
    msgs,
    lat(cases.median, m.median, budget?.medianMs, 'median'),
    lat(cases.max, m.max, budget?.maxMs, 'max'),
  ];
}
