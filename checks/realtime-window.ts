// The gossip-period windows the realtime message bounds count in. A node on
// its own timer fires once per period_ms, but not on the harness's clock: its
// phase is its own, its timer may fire late (a busy event loop, a GC pause, a
// Go ticker catching up) and the harness records a send when the envelope
// reaches it, a little after the firing. So bounds are held per window of
// WINDOW_PERIODS periods (window = floor(r / (WINDOW_PERIODS·period_ms))), with
// an allowance of firings per window that any timer of that period meets.
import type { NodeId } from '../proto/contract.js';
import type { HistoryView } from './view.js';

/** Allowance on top of B·period for reads every few hundred ms, container restarts and Init. */
export const GRACE_MS = 3000;

/** Periods per judged window: long enough that the allowance below is a small share of it. */
export const WINDOW_PERIODS = 8;

/**
 * The most timer firings a window of k periods holds: slot j of a timer fires
 * at phase + j·period; a window of length k·period meets at most k + 1 slots
 * (its two ends may each cut one), and one more when a firing or its record at
 * the harness comes up to one period late (lateness below one period keeps
 * every firing in its own slot). So k + 2.
 */
export const windowFirings = (k: number = WINDOW_PERIODS): number => k + 2;

export const ALLOWANCE_TEXT = `windows of ${WINDOW_PERIODS} periods; up to ${windowFirings()} timer firings per window (${WINDOW_PERIODS} + 1 for the window's two ends + 1 for a firing or its record up to one period late)`;

/** The window of a time `r` (ms). */
export const windowOf = (r: number, periodMs: number, k: number = WINDOW_PERIODS): number =>
  Math.floor(r / (k * periodMs));

/** `${node}\u0000${window}`. */
export const nodeWindow = (node: NodeId, w: number): string => `${node}\u0000${w}`;

/**
 * The (node, window) pairs a timer's restart or stop touches, not judged:
 * a crash, restart, join, leave or pause of the node in the window. A
 * restarted node starts a fresh timer with a phase of its own, so the old and
 * the new timer's firings may share a window; a paused process may fire what
 * it missed when resumed.
 */
export function unsettledWindows(v: HistoryView, periodMs: number): Set<string> {
  const out = new Set<string>();
  for (const e of v.events) {
    if (e.t === 'crash' || e.t === 'restart' || e.t === 'join' || e.t === 'leave' || e.t === 'pause')
      out.add(nodeWindow(e.node, windowOf(e.r, periodMs)));
  }
  return out;
}

/** The declared period, or undefined when the run declares none (nothing per period can be judged). */
export function periodOf(v: HistoryView): number | undefined {
  const p = v.params?.periodMs ?? 0;
  return p > 0 ? p : undefined;
}
