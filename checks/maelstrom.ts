// Pure checkers over the histories of Maelstrom scenarios: the kit's own
// history (engine/history/events.ts), recorded by the realtime runner with
// the Maelstrom adapter; events in, verdicts with evidence out. Nothing here
// talks to a node. A Maelstrom write is a fresh key (scenario.ts), so a key
// stands for one broadcast value.

import { faultLabel, groupsLabel } from '../engine/faults/label.js';
import type { EventOf, HistoryEvent } from '../engine/history/events.js';
import type { NodeId } from '../proto/contract.js';
import type { Budget } from './maelstrom-profiles.js';
import { type CheckInfo, notJudged, type Verdict, verdictOf } from './verdict.js';

type Ev<T extends HistoryEvent['t']> = EventOf<T>;
const only = <T extends HistoryEvent['t']>(events: readonly HistoryEvent[], t: T) =>
  events.filter((e): e is Ev<T> => e.t === t);

export const PROTOCOL_CASE: CheckInfo = {
  id: 'maelstrom/protocol',
  requirement:
    'Every line a node writes is a Maelstrom envelope {src, dest, body} with body.type, its own id as src and a node or client as dest; every init, topology, broadcast and read gets its *_ok reply (never an error body); no node process exits during the run.',
  level: 'MUST',
  source: 'Maelstrom protocol (doc/protocol.md) and broadcast workload (doc/workloads.md#workload-broadcast)',
};

export const convergenceCase = (scenario: string, what: string): CheckInfo => ({
  id: `maelstrom/convergence/${scenario}`,
  requirement: `${what}: every broadcast a node acknowledged (broadcast_ok) is in the final read of every node.`,
  level: 'MUST',
  source:
    'Maelstrom broadcast checker (Jepsen set-full: every acknowledged element is eventually read everywhere)',
});

export const BUDGET_SOURCE = 'Fly.io Gossip Glomers challenges 3d and 3e (fly.io/dist-sys/3d, /3e)';

/**
 * When each written key (one broadcast value) became present at each node,
 * from the delivery log alone: at the writing node when the client's
 * broadcast reached it (its update plus the base latency), elsewhere from the
 * first delivery of an envelope whose `keys` list it (or of a duplicate of
 * one). A restart empties the node. Fed in history order.
 */
export class Presence {
  private readonly sends = new Map<number, { to: NodeId; keys: string[] }>();
  /** key -> node -> first time present. */
  readonly at = new Map<string, Map<NodeId, number>>();

  constructor(
    private readonly nodes: readonly NodeId[],
    private readonly latencyMs = 0,
  ) {}

  feed(e: HistoryEvent): void {
    if (e.t === 'send') {
      if (e.keys.length > 0) this.sends.set(e.id, { to: e.to, keys: e.keys });
    } else if (e.t === 'duplicate') {
      const s = this.sends.get(e.of);
      if (s) this.sends.set(e.id, s);
    } else if (e.t === 'drop') {
      this.sends.delete(e.id);
    } else if (e.t === 'restart') {
      for (const m of this.at.values()) m.delete(e.node);
    } else if (e.t === 'update') {
      this.mark(e.key, e.node, e.r + this.latencyMs);
    } else if (e.t === 'deliver') {
      const s = this.sends.get(e.id);
      if (!s) return;
      this.sends.delete(e.id);
      for (const k of s.keys) this.mark(k, s.to, e.r);
    }
  }

  private mark(key: string, node: NodeId, r: number): void {
    let m = this.at.get(key);
    if (!m) {
      m = new Map();
      this.at.set(key, m);
    }
    if (!m.has(node)) m.set(node, r);
  }

  /** The time `key` reached the last of `nodes`, or null while some node lacks it. */
  everywhere(key: string, nodes: readonly NodeId[] = this.nodes): number | null {
    const m = this.at.get(key);
    if (!m) return null;
    let last = 0;
    for (const n of nodes) {
      const r = m.get(n);
      if (r === undefined) return null;
      last = Math.max(last, r);
    }
    return last;
  }
}

const header = (events: readonly HistoryEvent[]) => only(events, 'run')[0];

/** Protocol violations of one scenario as readable lines, and the client requests that timed out. */
export function protocolProblems(events: readonly HistoryEvent[]): { lines: string[]; timeouts: number } {
  const scenario = header(events)?.scenario ?? '?';
  const errors = only(events, 'error');
  const aborted = only(events, 'end')[0]?.reason === 'aborted';
  // The runner ends a run on the error that broke it (a refusal, a failed
  // Init): its last error. Every other failed request timed out (allowed).
  const fatal = aborted ? errors.at(-1) : undefined;
  const lines = fatal ? [`[${scenario} @${fatal.r} ms] ${fatal.message}`] : [];
  const timeouts = errors.filter((e) => e !== fatal && (e.op === 'Update' || e.op === 'Read')).length;
  return { lines, timeouts };
}

export function checkProtocol(runs: readonly (readonly HistoryEvent[])[]): Verdict {
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

/** Keys (broadcast values) acknowledged, with the time the ack reached the harness. */
export function ackedValues(events: readonly HistoryEvent[]): Map<string, number> {
  const acked = new Map<string, number>();
  for (const a of only(events, 'ack')) if (!acked.has(a.key)) acked.set(a.key, a.r);
  return acked;
}

export function checkConvergence(
  info: CheckInfo,
  events: readonly HistoryEvent[],
  startupFailure: string | null,
): Verdict {
  const nodes = header(events)?.nodes ?? [];
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
  const finals = new Map<NodeId, Set<string> | string>();
  for (const n of nodes) finals.set(n, 'no final read (the run ended before it, or the node did not answer)');
  for (const r of only(events, 'read')) if (r.final) finals.set(r.node, new Set(r.entries.map((e) => e[0])));
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
  // The harness's own share, for the reader (it judges no convergence: a late line still arrives).
  const share = harnessShare(events);
  if (share) details.push(harnessLine(share));
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
  const missingAt = details.length - (share ? 1 : 0);
  return verdictOf(
    info,
    missingAt === 0,
    {
      expected: `all ${acked.size} acknowledged value(s) in the final read of all ${nodes.length} nodes`,
      observed:
        missingAt === 0
          ? `all ${acked.size} acknowledged value(s) at all ${nodes.length} nodes${faultNote}`
          : `${lost} (node, value) pair(s) missing at ${missingAt} node(s)${faultNote}`,
      details,
    },
    acked.size * nodes.length,
  );
}

function describeFault(f: Ev<'fault'>): string {
  const fault = f.fault;
  if (fault.kind === 'partition')
    return `${faultLabel(fault)} ${groupsLabel(fault.groups)} at ${f.r} ms (${f.edges.length} directed edges cut)`;
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
 * msgs-per-op as Maelstrom's :net :servers :msgs-per-op: envelopes sent
 * between nodes (requests and replies alike, including ones the network then
 * dropped; a duplicate fault's copy is not a send) over client operations
 * (every broadcast and read of the workload phase, answered or not, and
 * the final reads; init, topology and the settle phase's reads excluded). Latency: for each
 * acknowledged broadcast, max(0, time the value was present at the last node
 * per the delivery log - time the broadcast_ok reached the harness).
 */
export function measure(events: readonly HistoryEvent[]): Measures {
  const run = header(events);
  const presence = new Presence(run?.nodes ?? [], run?.maelstrom?.latencyMs ?? 0);
  let serverMessages = 0;
  let clientOps = 0;
  let phase = '';
  for (const e of events) {
    if (e.t === 'send') serverMessages++;
    else if (e.t === 'phase') phase = e.phase;
    else if (e.t === 'update' || (e.t === 'read' && (e.final || phase === 'workload'))) clientOps++;
    // A read that failed was an operation too (a failed write has its update
    // event); the settle phase records failures of its final reads only.
    else if (e.t === 'error' && e.op === 'Read' && (phase === 'workload' || phase === 'settle')) clientOps++;
    presence.feed(e);
  }
  const latencies: number[] = [];
  const unmeasured: string[] = [];
  for (const [k, ackAt] of ackedValues(events)) {
    const last = presence.everywhere(k);
    if (last === null) unmeasured.push(k);
    else latencies.push(Math.max(0, Math.round(last - ackAt)));
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

export function budgetCases(budget: Budget | null): { msgs: CheckInfo; median: CheckInfo; max: CheckInfo } {
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

/**
 * Why the scenario's run stopped before its end, or null when it completed:
 * the node could not start (`startupFailure`), or the error that aborted it
 * (protocolProblems: the runner's last error).
 */
export function stoppedBy(events: readonly HistoryEvent[], startupFailure: string | null): string | null {
  if (startupFailure !== null) return startupFailure;
  if (only(events, 'end')[0]?.reason !== 'aborted') return null;
  return protocolProblems(events).lines[0] ?? 'the run was aborted (no error recorded)';
}

/**
 * The harness's own share, as the budgets need it: a budget measures the
 * node, so a run whose harness issued too few of the planned operations or
 * added too much latency of its own cannot judge it (docs/maelstrom.md, "The
 * harness's own share"). Decisions, not measured on our nodes:
 * - MIN_ISSUED_SHARE: msgs-per-op divides by the operations issued, so a
 *   node that gossips on a timer spends the same messages over fewer of
 *   them; at 90 % issued its ratio is inflated by at most 1/0.9 (11 %), and
 *   its latency was measured under at most 10 % less load than asked.
 * - MAX_HARNESS_SHARE: the budgets count Maelstrom's network latency only;
 *   every harness hop of a value's path adds the harness's delay, so the
 *   per-line p99 may be at most 5 % of the median budget (20 ms for
 *   glomers-3d's 400 ms): four hops (the client's broadcast and three
 *   node-to-node hops, as many as a 400 ms median allows at 100 ms each)
 *   then stay within 20 % of it.
 */
export const MIN_ISSUED_SHARE = 0.9;
export const MAX_HARNESS_SHARE = 0.05;

export interface HarnessShare {
  planned: number;
  issued: number;
  /** Lines whose way out (due to Deliver returning) was measured. */
  lines: number;
  /**
   * Upper bound of the p99 of the harness's added latency per delivered line:
   * p99.5 in + p99.5 out (at most 0.5 % of lines exceed each, so at most 1 %
   * exceed their sum); out alone when the way in was not measured.
   */
  addedP99Ms: number;
  /** max in + max out. */
  addedMaxMs: number;
  /** The way in was measured (the endpoint reported it). */
  inMeasured: boolean;
  /** Medians of the way in and out, for the reader. */
  inP50Ms: number;
  outP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
}

/** The harness event of a scenario's history, as HarnessShare; null when it records none. */
export function harnessShare(events: readonly HistoryEvent[]): HarnessShare | null {
  const h = only(events, 'harness')[0];
  if (!h) return null;
  const inMeasured = h.toNetwork.count > 0;
  return {
    planned: h.planned,
    issued: h.issued,
    lines: h.fromNetwork.count,
    addedP99Ms: inMeasured ? h.toNetwork.p995 + h.fromNetwork.p995 : h.fromNetwork.p99,
    addedMaxMs: h.toNetwork.max + h.fromNetwork.max,
    inMeasured,
    inP50Ms: h.toNetwork.p50,
    outP50Ms: h.fromNetwork.p50,
    loopP99Ms: h.loopDelay.p99,
    loopMaxMs: h.loopDelay.max,
  };
}

const ms = (x: number) => `${Math.round(x * 10) / 10} ms`;

/** The harness's share as one evidence line. */
export function harnessLine(h: HarnessShare | null): string {
  if (!h) return 'harness: not measured (the history has no harness event)';
  const pct = h.planned === 0 ? 100 : Math.round((100 * h.issued) / h.planned);
  return `harness: ${h.issued} of ${h.planned} planned client operations issued (${pct} %); its own added latency per delivered line ≤ ${ms(h.addedP99Ms)} at p99, ≤ ${ms(h.addedMaxMs)} max, over ${h.lines} line(s)${h.inMeasured ? ` (median in ${ms(h.inP50Ms)}, out ${ms(h.outP50Ms)})` : ` (the way out only, median ${ms(h.outP50Ms)}: the way in was not measured)`}; event loop delay p99 ${ms(h.loopP99Ms)}, max ${ms(h.loopMaxMs)}`;
}

/**
 * Why the harness's share keeps the budgets from being judged, or null:
 * `ops` (too few operations issued) keeps every budget case, `latency` (too
 * much delay of its own) the latency cases.
 */
export function harnessProblem(
  h: HarnessShare | null,
  budget: Budget | null,
): { ops?: string; latency?: string } | null {
  if (!h) return budget ? { ops: 'the harness did not record its own share (no harness event)' } : null;
  if (h.issued < MIN_ISSUED_SHARE * h.planned)
    return {
      ops: `the harness issued ${h.issued} of ${h.planned} planned client operations, below ${MIN_ISSUED_SHARE * 100} % (every node had an operation outstanding, or the harness was too slow)`,
    };
  const limit = budget ? MAX_HARNESS_SHARE * budget.medianMs : null;
  if (limit !== null && h.addedP99Ms > limit)
    return {
      latency: `the harness's own added latency per delivered line is up to ${ms(h.addedP99Ms)} at p99, above ${MAX_HARNESS_SHARE * 100} % of the ${budget?.medianMs} ms median budget (${ms(limit)})`,
    };
  return null;
}

function msgsVerdict(
  info: CheckInfo,
  m: Measures,
  budget: Budget | null,
  setting: string,
  harness: string,
): Verdict {
  return verdictOf(
    info,
    budget ? m.msgsPerOp < budget.msgsPerOp : true,
    {
      expected: budget ? `< ${budget.msgsPerOp}` : 'measured',
      observed: `${m.msgsPerOp.toFixed(2)} (${m.serverMessages} node-to-node messages / ${m.clientOps} client operations)`,
      details: [setting, harness],
    },
    m.clientOps,
  );
}

export function checkBudgets(
  events: readonly HistoryEvent[],
  budget: Budget | null,
  startupFailure: string | null,
): Verdict[] {
  const cases = budgetCases(budget);
  const all = [cases.msgs, cases.median, cases.max];
  // An aborted run measured a part of a workload: no budget is judged on it.
  const stopped = stoppedBy(events, startupFailure);
  if (stopped !== null) {
    const evidence = {
      expected: 'a completed scenario',
      observed: `not judged: the scenario was stopped by ${stopped}`,
      details: [],
    };
    return all.map((info) => notJudged(info, evidence));
  }
  const m = measure(events);
  const run = header(events);
  const m0 = run?.maelstrom;
  const setting =
    run && m0
      ? `${run.nodes.length} nodes, ${m0.topologyName} topology, ${m0.latencyMs} ms latency, ${m0.rate} ops/s for ${m0.durationMs} ms`
      : '';
  const share = harnessShare(events);
  const harness = harnessLine(share);
  const problem = harnessProblem(share, budget);
  const notHere = (info: CheckInfo, why: string) =>
    notJudged(info, {
      expected: 'a harness that issued the planned operations and added little latency of its own',
      observed: `not judged: ${why}`,
      details: [
        `measured all the same: ${m.msgsPerOp.toFixed(2)} msgs-per-op; median ${m.median ?? '-'} ms, max ${m.max ?? '-'} ms`,
        harness,
        setting,
      ],
    });
  if (problem?.ops) return all.map((info) => notHere(info, problem.ops!));
  // The harness's latency concerns the latency cases: msgs-per-op counts what the
  // node sent, and a slower network making a retrying node resend is Maelstrom's too.
  if (problem?.latency) {
    const why = problem.latency;
    return [
      msgsVerdict(cases.msgs, m, budget, setting, harness),
      notHere(cases.median, why),
      notHere(cases.max, why),
    ];
  }
  const msgs = msgsVerdict(cases.msgs, m, budget, setting, harness);
  const unmeasuredNote =
    m.unmeasured.length > 0
      ? [
          `${m.unmeasured.length} acknowledged value(s) never seen at every node in the delivery log (not carried in a "message" field or an array?): ${m.unmeasured.slice(0, 10).join(', ')}`,
        ]
      : [];
  const lat = (info: CheckInfo, value: number | null, bound: number | undefined, what: string): Verdict => {
    if (value === null || m.unmeasured.length > 0) {
      // A budget that cannot be measured is not met (a MUST FAILs); without a budget, INFO.
      const evidence = {
        expected: bound !== undefined ? `< ${bound} ms` : 'measured',
        observed:
          value === null
            ? 'no acknowledged broadcast reached every node in the delivery log'
            : `${what} ${value} ms over ${m.latencies.length} value(s), but ${m.unmeasured.length} value(s) could not be measured`,
        details: [...unmeasuredNote, setting, harness],
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
        details: [`slowest: ${worst.join(', ')}`, setting, harness],
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
