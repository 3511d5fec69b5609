// What the membership (SWIM) figures show, computed from the recorded views
// (read events' `members`); pure, no I/O. Reports never recompute verdicts:
// these are pictures of the history next to the theory the checkers cite.
//
// Theory (checks/membership/bounds.ts, whose functions are reused here so
// the figures and the verdicts share one source; nothing is fitted to a run):
//   first detection: each period every live member probes one other member,
//     so a crashed member escapes all q_f·n probes with probability
//     (1 − 1/(n−1))^(q_f·n) → e^(−q_f): the wait in periods is geometric with
//     success 1 − e^(−q_f), P(detected within t periods) = 1 − e^(−q_f·t),
//     mean 1/(1 − e^(−q_f)) periods (Das, Gupta, Motivala 2002 §3.1), q_f the
//     fraction of members alive. The suspicion is raised at the end of the
//     probing period (after the ping-req phase), as the paper counts it.
//   dissemination: once suspected, the suspicion timer declares the member
//     dead S periods later (S = suspicionPeriods), and the death spreads
//     infection-style in D(n) = ceil(λ·log2(n+1)) periods (each update
//     piggybacked that often; push spreading takes log2 n + ln n + O(1)
//     periods, Pittel 1987). So complete dissemination happens between
//     first detection + S and first detection + S + D(n): measured from the
//     crash, its CDF lies between F(t − S) and F(t − S − D), F the
//     first-detection CDF.
//   the bound membership/detect-crash judges: T·(F_whp + 2 + S + D) ticks,
//     F_whp = min(ceil(ln(1e6)/q_f), 2(n−1)) periods (§3.1 tail, §4.3
//     round-robin); q_f there = (n − crashes of the run)/n.
import {
  detectBound,
  dissemination,
  firstDetectionExpected,
  firstDetectionWhp,
} from '../../checks/membership/bounds.js';
import type { HistoryEvent } from '../../engine/history/events.js';
import type { MemberStatus, NodeId } from '../../proto/contract.js';
import type { Point, RunBlock } from './series.js';

/** Largest group whose view matrix is drawn (n·n cells per grid). */
export const MATRIX_MAX_NODES = 12;
/** Most grids in one view matrix (the end of the run is always one). */
export const MATRIX_MAX_GRIDS = 8;

/** Whether a run is a SWIM membership run (its views are in the reads). */
export function isMembershipRun(block: RunBlock): boolean {
  return block.run.params.membership !== undefined;
}

/** The length of one protocol period in the run's time unit (ticks, or ms in realtime), or undefined. */
export function periodLength(block: RunBlock): number | undefined {
  const p = block.run.params.membership;
  if (!p) return undefined;
  if (block.run.mode === 'realtime') {
    // realtime: a tick every period_ms (docs/chaos.md)
    const ms = p.probePeriod * block.run.params.periodMs;
    return ms > 0 ? ms : undefined;
  }
  return p.probePeriod;
}

/** One crash and how the group learned it, in probe periods from the crash. */
export interface CrashTiming {
  node: NodeId;
  /** Round (ms in realtime) of the crash. */
  at: number;
  scenario?: string;
  /** Members of the run (run.nodes), the n of D(n) and of the bound. */
  n: number;
  /** Fraction of the members (joined, not left) up once the crash round is over. */
  qf: number;
  /** T in the history's unit. */
  period: number;
  /** Periods to the first live member holding it suspect (or dead); undefined: never before it came back or the run ended. */
  first?: number;
  /** Periods to every live member holding it dead; undefined: never in the window. */
  complete?: number;
  /** S: suspicion periods. */
  suspicion: number;
  /** D(n) periods. */
  spread: number;
  /** Expected first detection 1/(1 − e^(−q_f)) periods. */
  expectedFirst: number;
  /** F_whp periods (the checker's, with its q_f). */
  firstWhp: number;
  /** The detect-crash bound in periods: F_whp + 2 + S + D. */
  bound: number;
}

type View = Map<NodeId, [MemberStatus, number]>;

/**
 * Every crash of every run in `blocks` with its first-detection and
 * complete-dissemination times. A crash's window ends when the node comes
 * back (restart or join) or the run ends. "Live" means up at that time (a
 * paused member is up: it counts, and holds things up until it resumes).
 * Views carry forward between reads (a read is recorded only on change).
 */
export function crashTimings(blocks: readonly RunBlock[]): CrashTiming[] {
  const out: CrashTiming[] = [];
  for (const block of blocks) {
    const p = block.run.params.membership;
    const T = periodLength(block);
    if (!p || T === undefined) continue;
    const n = block.run.nodes.length;
    const crashesInRun = block.events.filter((e) => e.t === 'crash').length;
    const qfRun = (n - crashesInRun) / n;
    const joinsLate = new Set(block.events.flatMap((e) => (e.t === 'join' && e.r > 0 ? [e.node] : [])));
    const up = new Set(block.run.nodes.filter((x) => !joinsLate.has(x)));
    const members = new Set(up);
    const views = new Map<NodeId, View>();
    interface Open {
      timing: CrashTiming;
      firstAt?: number;
      needQf: boolean;
    }
    const open: Open[] = [];
    let now = Number.NEGATIVE_INFINITY;
    const holds = (x: NodeId, m: NodeId, want: readonly MemberStatus[]) => {
      const h = views.get(x)?.get(m);
      return h !== undefined && want.includes(h[0]);
    };
    // The state once every event of time `now` is applied.
    const close = () => {
      for (let i = open.length - 1; i >= 0; i--) {
        const o = open[i];
        const c = o.timing;
        if (o.needQf) {
          c.qf = members.size ? [...members].filter((x) => up.has(x)).length / members.size : 0;
          c.expectedFirst = firstDetectionExpected(c.qf);
          o.needQf = false;
        }
        const others = [...up].filter((x) => x !== c.node);
        if (o.firstAt === undefined && others.some((x) => holds(x, c.node, ['suspect', 'dead']))) {
          o.firstAt = now;
          c.first = (now - c.at) / T;
        }
        if (others.length > 0 && others.every((x) => holds(x, c.node, ['dead']))) {
          c.complete = (now - c.at) / T;
          if (c.first === undefined) c.first = c.complete;
          open.splice(i, 1);
        }
      }
    };
    const apply = (e: HistoryEvent) => {
      switch (e.t) {
        case 'crash':
        case 'leave':
          up.delete(e.node);
          if (e.t === 'leave') members.delete(e.node);
          // A node crashing again while its last crash is still open closes that window.
          for (let i = open.length - 1; i >= 0; i--) if (open[i].timing.node === e.node) open.splice(i, 1);
          if (e.t === 'crash') {
            const timing: CrashTiming = {
              node: e.node,
              at: e.r,
              ...(block.run.scenario !== undefined ? { scenario: block.run.scenario } : {}),
              n,
              qf: 0,
              period: T,
              suspicion: p.suspicionPeriods,
              spread: dissemination(n, p),
              expectedFirst: 0,
              firstWhp: firstDetectionWhp(n, qfRun),
              bound: detectBound(n, qfRun, p) / p.probePeriod,
            };
            out.push(timing);
            open.push({ timing, needQf: true });
          }
          break;
        case 'join':
        case 'restart':
          up.add(e.node);
          members.add(e.node);
          // Back: its old crash can no longer be detected (censored if still open).
          for (let i = open.length - 1; i >= 0; i--) if (open[i].timing.node === e.node) open.splice(i, 1);
          break;
        case 'read':
          if (e.members) views.set(e.node, new Map(e.members.map(([m, s, i]) => [m, [s, i]])));
          break;
      }
    };
    for (const e of block.events) {
      if (!('r' in e)) continue;
      if (e.r > now) {
        if (now > Number.NEGATIVE_INFINITY) close();
        now = e.r;
      }
      apply(e);
    }
    close();
  }
  return out;
}

/**
 * Empirical CDF as a step polyline over [0, xMax]: the fraction of `total`
 * crashes whose time is ≤ x. Crashes never detected (missing from `values`)
 * keep the curve below 1.
 */
export function ecdf(values: readonly number[], total: number, xMax: number): Point[] {
  const sorted = values.slice().sort((a, b) => a - b);
  const pts: Point[] = [{ x: 0, y: 0 }];
  let k = 0;
  while (k < sorted.length) {
    const x = sorted[k];
    let j = k;
    while (j < sorted.length && sorted[j] === x) j++;
    pts.push({ x, y: k / total }, { x, y: j / total });
    k = j;
  }
  const last = pts[pts.length - 1];
  if (xMax > last.x) pts.push({ x: xMax, y: last.y });
  return pts;
}

/** P(first detection within t periods) = 1 − e^(−q_f·t), t ≥ 0 (Das et al. 2002 §3.1). */
export function firstDetectionCdf(qf: number, t: number): number {
  return t <= 0 ? 0 : 1 - Math.exp(-qf * t);
}

export const FIRST_FORMULA = 'P(T₁ ≤ t) = 1 − e^(−q_f·t)';

/**
 * The theory CDF of a pool of crashes: the mean of each crash's own curve
 * (their q_f, S, D differ between runs), each shifted right by `shift(c)`
 * periods; sampled every `step` periods over [0, xMax].
 */
export function theoryCdf(
  crashes: readonly CrashTiming[],
  xMax: number,
  shift: (c: CrashTiming) => number = () => 0,
  step = 0.05,
): Point[] {
  if (crashes.length === 0) return [];
  const pts: Point[] = [];
  const steps = Math.max(1, Math.ceil(xMax / step));
  for (let i = 0; i <= steps; i++) {
    const t = (i * xMax) / steps;
    const y = crashes.reduce((s, c) => s + firstDetectionCdf(c.qf, t - shift(c)), 0) / crashes.length;
    pts.push({ x: Number(t.toFixed(6)), y });
  }
  return pts;
}

/** A cell of the view matrix: what `holder` holds of a member, or why nothing. */
export type Cell =
  | { kind: 'held'; status: MemberStatus; incarnation: number }
  /** The holder's view does not list the member. */
  | { kind: 'unknown' }
  /** The holder is down (crashed, left, not yet joined): its row is blank. */
  | { kind: 'down' };

export interface ViewGrid {
  /** The views after this round's (ms's) reads. */
  round: number;
  /** Why this round: "before crash n4", "most disagreement after crash n4", "end". */
  label: string;
  /** rows[i][j]: what members[i] holds of members[j]. */
  rows: Cell[][];
}

export interface ViewMatrix {
  members: NodeId[];
  grids: ViewGrid[];
  /** Grids left out past MATRIX_MAX_GRIDS. */
  omitted: number;
}

/** A disturbance the matrix is drawn around: crash, leave, join, restart, pause, link fault. */
interface Disturbance {
  r: number;
  label: string;
}

function disturbances(block: RunBlock): Disturbance[] {
  const byRound = new Map<number, string[]>();
  const add = (r: number, s: string) => {
    const list = byRound.get(r) ?? [];
    if (!list.includes(s)) list.push(s);
    byRound.set(r, list);
  };
  for (const e of block.events) {
    switch (e.t) {
      case 'crash':
      case 'leave':
      case 'restart':
        add(e.r, `${e.t} ${e.node}`);
        break;
      case 'join':
        if (e.r > 0) add(e.r, `join ${e.node}`);
        break;
      case 'pause':
        add(e.r, `${e.action === 'start' ? 'pause' : 'resume'} ${e.node}`);
        break;
      case 'fault':
        add(e.r, `${e.fault.kind} ${e.action}`);
        break;
    }
  }
  return [...byRound].sort((a, b) => a[0] - b[0]).map(([r, labels]) => ({ r, label: labels.join(', ') }));
}

/** Views and up-ness of every node, replayable to any round. */
class Replay {
  private readonly views = new Map<NodeId, View>();
  private readonly up: Set<NodeId>;
  private i = 0;
  private readonly events: HistoryEvent[];

  constructor(private readonly block: RunBlock) {
    const late = new Set(block.events.flatMap((e) => (e.t === 'join' && e.r > 0 ? [e.node] : [])));
    this.up = new Set(block.run.nodes.filter((x) => !late.has(x)));
    this.events = block.events;
  }

  /** Applies every event up to and including round `r` (calls must not go back in time). */
  advance(r: number): void {
    while (this.i < this.events.length) {
      const e = this.events[this.i];
      if ('r' in e && e.r > r) break;
      this.i++;
      switch (e.t) {
        case 'crash':
        case 'leave':
          this.up.delete(e.node);
          break;
        case 'join':
        case 'restart':
          this.up.add(e.node);
          break;
        case 'read':
          if (e.members) this.views.set(e.node, new Map(e.members.map(([m, s, i]) => [m, [s, i]])));
          break;
      }
    }
  }

  grid(): Cell[][] {
    const nodes = this.block.run.nodes;
    return nodes.map((x) =>
      nodes.map((m): Cell => {
        if (!this.up.has(x)) return { kind: 'down' };
        const h = this.views.get(x)?.get(m);
        return h ? { kind: 'held', status: h[0], incarnation: h[1] } : { kind: 'unknown' };
      }),
    );
  }

  /** The views alone (not who is up): a crash changes no view, the suspicion it causes does. */
  signature(): string {
    return JSON.stringify(this.block.run.nodes.map((x) => [...(this.views.get(x) ?? [])]));
  }

  /** Cells of up holders whose status differs from the most common one held of that member. */
  disagreement(): number {
    const nodes = this.block.run.nodes;
    let count = 0;
    for (const m of nodes) {
      const tally = new Map<string, number>();
      for (const x of nodes) {
        if (!this.up.has(x)) continue;
        const s = this.views.get(x)?.get(m)?.[0] ?? '-';
        tally.set(s, (tally.get(s) ?? 0) + 1);
      }
      const total = [...tally.values()].reduce((a, b) => a + b, 0);
      count += total - Math.max(0, ...tally.values());
    }
    return count;
  }
}

/** The rounds at which something was read (views can only change there). */
function readRounds(block: RunBlock): number[] {
  const rs = new Set<number>();
  for (const e of block.events) if (e.t === 'read' && e.members) rs.add(e.r);
  return [...rs].sort((a, b) => a - b);
}

/**
 * The view matrix of a small run (n ≤ MATRIX_MAX_NODES), or undefined for
 * larger runs or runs with no recorded view. Grids, by priority up to
 * `maxGrids`, then in time order: the end of the run; just before each
 * disturbance; the first change of the views after it; the views once they
 * settled (their last change before the next disturbance); the round of most
 * disagreement between holders after it.
 */
export function viewMatrix(block: RunBlock, maxGrids = MATRIX_MAX_GRIDS): ViewMatrix | undefined {
  const nodes = block.run.nodes;
  if (nodes.length === 0 || nodes.length > MATRIX_MAX_NODES) return undefined;
  const reads = readRounds(block);
  if (reads.length === 0) return undefined;
  let end = 0;
  for (const e of block.events) if ('r' in e && e.r > end) end = e.r;
  const ds = disturbances(block);
  // One pass: the grid's signature and disagreement at every round it may have changed.
  const rounds = [...new Set([...reads, ...ds.map((d) => d.r - 1), ...ds.map((d) => d.r), end])]
    .filter((r) => r >= reads[0] && r <= end)
    .sort((a, b) => a - b);
  const scan = new Replay(block);
  const state = new Map<number, { sig: string; full: string; mixed: number }>();
  for (const r of rounds) {
    scan.advance(r);
    state.set(r, { sig: scan.signature(), full: JSON.stringify(scan.grid()), mixed: scan.disagreement() });
  }
  const at = (r: number) => {
    let best: number | undefined;
    for (const x of rounds) if (x <= r) best = x;
    return best === undefined ? undefined : state.get(best);
  };
  const tiers: { round: number; label: string }[][] = [[], [], [], []];
  ds.forEach((d, k) => {
    const before = at(d.r - 1);
    if (before) tiers[0].push({ round: d.r - 1, label: `before ${d.label}` });
    const until = k + 1 < ds.length ? ds[k + 1].r - 1 : end;
    const inside = rounds.filter((r) => r >= d.r && r <= until);
    let prev = before?.sig;
    const changes: number[] = [];
    for (const r of inside) {
      const s = state.get(r)!.sig;
      if (s !== prev) changes.push(r);
      prev = s;
    }
    if (changes.length > 0) {
      // With nothing read before the disturbance, its first "change" is the first views.
      const what = before ? 'first change after' : 'first views, at';
      tiers[1].push({ round: changes[0], label: `${what} ${d.label}` });
      const last = changes[changes.length - 1];
      if (last !== changes[0]) tiers[2].push({ round: last, label: `settled after ${d.label}` });
    }
    let most: { round: number; mixed: number } | undefined;
    for (const r of inside) {
      const m = state.get(r)!.mixed;
      if (m > 0 && (!most || m > most.mixed)) most = { round: r, mixed: m };
    }
    if (most) tiers[3].push({ round: most.round, label: `most disagreement after ${d.label}` });
  });
  const chosen = new Map<number, string>([[end, 'end of the run']]);
  // A grid equal to its nearest chosen neighbour in time, unchanged in between, shows nothing new; when
  // the equal one is later, that one says since when the views held.
  const since = new Map<number, number>();
  const same = (r: number) => {
    const times = [...chosen.keys()];
    const before = Math.max(Number.NEGATIVE_INFINITY, ...times.filter((x) => x < r));
    const after = Math.min(Number.POSITIVE_INFINITY, ...times.filter((x) => x > r));
    const full = state.get(r)?.full;
    const steady = (a: number, b: number) =>
      rounds.every((x) => x < a || x > b || state.get(x)?.full === full);
    if (Number.isFinite(before) && steady(before, r)) return true;
    if (Number.isFinite(after) && steady(r, after)) {
      since.set(after, Math.min(r, since.get(after) ?? r));
      return true;
    }
    return false;
  };
  let omitted = 0;
  for (const tier of tiers)
    for (const w of tier) {
      if (chosen.has(w.round) || same(w.round)) continue;
      if (chosen.size < maxGrids) chosen.set(w.round, w.label);
      else omitted++;
    }
  for (const [r, from] of since)
    if (chosen.has(r)) chosen.set(r, `${chosen.get(r)}; same views since ${from}`);
  const replay = new Replay(block);
  const grids = [...chosen]
    .sort((a, b) => a[0] - b[0])
    .map(([round, label]) => {
      replay.advance(round);
      return { round, label, rows: replay.grid() };
    });
  return { members: nodes.slice(), grids, omitted };
}
