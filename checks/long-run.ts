// convergence/each-write-within-bound: over a long run, every write reaches
// every live node within B(n) of its own last disturbance, not only by the end
// of the run. A node that stops gossiping halfway passes an end-of-run check
// only if the writes stop too; this one judges each write in its own window.

import type { ReadEntry } from '../engine/history/events.js';
import type { NodeId, Version } from '../proto/contract.js';
import { convergenceBound } from './bounds.js';
import { type CheckInfo, notJudged, unsupported, type Verdict, verdictOf } from './verdict.js';
import { fmtVersion, type HistoryView, holdsAtLeast } from './view.js';

export const EACH_WRITE_WITHIN_BOUND: CheckInfo = {
  id: 'convergence/each-write-within-bound',
  requirement:
    'Every acknowledged write reaches every node live at the end of its window, within B(n) rounds of the write or of the last disturbance (fault start or stop, crash, restart, pause, held envelope) that overlaps the window.',
  level: 'MUST',
  source:
    'B(n) of checks/bounds.ts convergenceBound (Pittel 1987; Karp et al. 2000; Demers et al. 1987 §1.1, §1.4-1.5), applied to each write from its own disturbance',
};

/** A span of rounds during which the network or a node was disturbed. */
interface Span {
  from: number;
  until: number;
  what: string;
}

/** Every disturbance of the history as a span; a fault never stopped lasts forever. */
export function disturbances(v: HistoryView): Span[] {
  const spans: Span[] = [];
  const open = new Map<string, { r: number; what: string }[]>();
  const paused = new Map<NodeId, number>();
  const down = new Map<NodeId, number>();
  for (const e of v.events) {
    switch (e.t) {
      case 'fault': {
        const key = JSON.stringify(e.fault);
        const what = e.fault.kind === 'partition' ? `partition(${e.fault.shape})` : e.fault.kind;
        const stack = open.get(key) ?? [];
        if (e.action === 'start') {
          stack.push({ r: e.r, what });
          open.set(key, stack);
        } else {
          const s = stack.shift();
          spans.push({ from: s?.r ?? e.r, until: e.r, what });
        }
        break;
      }
      case 'crash':
        // On a peer graph a down node may be the only way between others (a cut
        // vertex): the graph bound assumes every node up, so the crash lasts until the restart.
        if (v.run?.peers) down.set(e.node, e.r);
        else spans.push({ from: e.r, until: e.r, what: `crash of ${e.node}` });
        break;
      case 'restart':
        if (down.has(e.node)) spans.push({ from: down.get(e.node)!, until: e.r, what: `crash of ${e.node}` });
        down.delete(e.node);
        spans.push({ from: e.r, until: e.r, what: `restart of ${e.node}` });
        break;
      case 'pause':
        if (e.action === 'start') paused.set(e.node, e.r);
        else {
          spans.push({ from: paused.get(e.node) ?? e.r, until: e.r, what: `pause of ${e.node}` });
          paused.delete(e.node);
        }
        break;
      case 'delay':
        spans.push({ from: e.r, until: e.until, what: `envelope ${e.id} held until round ${e.until}` });
        break;
    }
  }
  for (const stack of open.values())
    for (const s of stack)
      spans.push({ from: s.r, until: Number.POSITIVE_INFINITY, what: `${s.what} never healed` });
  for (const [node, r] of paused)
    spans.push({ from: r, until: Number.POSITIVE_INFINITY, what: `pause of ${node} never stopped` });
  for (const [node, r] of down)
    spans.push({ from: r, until: Number.POSITIVE_INFINITY, what: `crash of ${node}, never restarted` });
  return spans.sort((a, b) => a.from - b.from || a.until - b.until);
}

/**
 * The round by which a write of round `r` must be everywhere: r + B, pushed to
 * (end of a disturbance) + B for every disturbance that overlaps the window so
 * far, until none does. Returns the deadline and the disturbance that set it.
 */
export function windowEnd(r: number, bound: number, spans: readonly Span[]): { end: number; by?: Span } {
  let end = r + bound;
  let by: Span | undefined;
  for (let changed = true; changed; ) {
    changed = false;
    for (const s of spans) {
      if (s.from > end || s.until < r) continue;
      if (s.until + bound > end) {
        end = s.until + bound;
        by = s;
        changed = true;
      }
    }
  }
  return { end, by };
}

/** A node's entries at the end of round `r`, or undefined when it is down then. */
function stateAt(v: HistoryView, node: NodeId, r: number): ReadEntry[] | undefined {
  let entries: ReadEntry[] = [];
  let up = true;
  for (const it of v.timeline.get(node) ?? []) {
    const at = it.t === 'read' ? it.read.r : it.r;
    if (at > r) break;
    if (it.t === 'read') entries = it.read.entries;
    else if (it.t === 'crash') up = false;
    else {
      up = true;
      if (!it.durable) entries = [];
    }
  }
  return up ? entries : undefined;
}

const holds = (entries: readonly ReadEntry[], key: string, version: Version) =>
  holdsAtLeast(
    entries.find((e) => e[0] === key),
    version,
  );

/**
 * True when the write's node crashed without durable state before anyone else
 * was seen holding the write: it was lost with its only holder, as a volatile
 * crash allows.
 */
function lostWithWriter(
  v: HistoryView,
  writer: NodeId,
  key: string,
  version: Version,
  r: number,
  end: number,
) {
  const crash = v.crashes.find((c) => c.node === writer && c.r >= r && c.r <= end);
  if (!crash) return false;
  const durable = v.restarts.find((x) => x.node === writer && x.r >= crash.r)?.durable ?? false;
  if (durable) return false;
  return !v.nodes.some(
    (n) =>
      n !== writer &&
      v.timeline
        .get(n)
        ?.some((it) => it.t === 'read' && it.read.r < crash.r && holds(it.read.entries, key, version)),
  );
}

export function checkEachWriteWithinBound(v: HistoryView): Verdict {
  const bound = v.variant && v.params ? convergenceBound(v.variant, v.params, v.n, v.run?.peers) : undefined;
  if (!bound) return unsupported(EACH_WRITE_WITHIN_BOUND, `no convergence bound for ${v.variant ?? '?'}`);
  const info = {
    ...EACH_WRITE_WITHIN_BOUND,
    source: `${EACH_WRITE_WITHIN_BOUND.source}; B = ${bound.formula}`,
  };
  const spans = disturbances(v);
  const bad: string[] = [];
  const skipped: string[] = [];
  let judged = 0;
  for (const { ack } of v.acks) {
    const w = `${ack.key} v${fmtVersion(ack.version)} written at ${ack.node} in round ${ack.r}`;
    const { end, by } = windowEnd(ack.r, bound.rounds, spans);
    if (end > v.lastRound) {
      skipped.push(
        `${w}: window ends at round ${end === Number.POSITIVE_INFINITY ? '∞' : end}, after the run`,
      );
      continue;
    }
    if (lostWithWriter(v, ack.node, ack.key, ack.version, ack.r, end)) {
      skipped.push(`${w}: lost with its only holder (a crash without durable state)`);
      continue;
    }
    judged++;
    const lacking = v.nodes.filter((n) => {
      const s = stateAt(v, n, end);
      return s !== undefined && !holds(s, ack.key, ack.version);
    });
    if (lacking.length > 0)
      bad.push(
        `${w}: ${lacking.length} node(s) lack it at round ${end} (${ack.r}${by ? `, window pushed by ${by.what} ending in round ${by.until}` : ''} + B ${bound.rounds}): ${lacking.slice(0, 6).join(', ')}${lacking.length > 6 ? ', ...' : ''}`,
      );
  }
  const evidence = {
    expected: `each write at every node live at the end of its window, B = ${bound.formula} rounds after the write or its last overlapping disturbance`,
    observed: bad.length
      ? `${bad.length} of ${judged} write(s) not everywhere within their window`
      : `${judged} write(s) everywhere within their window${skipped.length ? `; ${skipped.length} not judged` : ''}`,
    details: [...bad, ...skipped.map((s) => `not judged: ${s}`)],
  };
  if (judged === 0) return notJudged(info, evidence);
  return verdictOf(info, bad.length === 0, evidence, judged);
}
