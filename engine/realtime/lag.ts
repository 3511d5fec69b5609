// The harness's own event-loop lag over a realtime run: a timer that should
// fire every `everyMs` notes how late each firing is. While the loop is
// stalled nothing the harness does happens on time (deliveries, reads,
// fault steps), so a run's timing verdicts are only as good as this figure
// (docs/chaos.md, "When the harness falls behind").

import { SpreadCounter } from '../../shared/spread.js';

/** Lateness from which a firing counts as a stall: half of the smallest default gossip period. */
export const STALL_MS = 50;

export interface LagFigures {
  /** The longest single stall seen, ms. */
  maxMs: number;
  /** The stalls of STALL_MS or more added up, ms: time the harness was not acting when it meant to. */
  totalMs: number;
  /** Timer firings sampled. */
  samples: number;
  /** The 99th percentile of the firings' lateness, ms: the loop's usual worst, where maxMs is its one worst. */
  p99Ms: number;
}

export class LagMonitor {
  private readonly timer: NodeJS.Timeout;
  private last = performance.now();
  private max = 0;
  private total = 0;
  private samples = 0;
  private readonly lateness = new SpreadCounter();

  constructor(private readonly everyMs = 20) {
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  private sample(): void {
    const now = performance.now();
    const late = Math.max(0, now - this.last - this.everyMs);
    this.last = now;
    this.samples++;
    this.lateness.add(late);
    if (late > this.max) this.max = late;
    // A loaded machine's timers fire some ms late all the time, which shifts what the harness
    // does by a fraction of a period; only a stall that holds it up for whole ticks adds up.
    if (late >= STALL_MS) this.total += late;
  }

  stop(): LagFigures {
    clearInterval(this.timer);
    this.sample();
    return {
      maxMs: Math.round(this.max),
      totalMs: Math.round(this.total),
      samples: this.samples,
      p99Ms: Math.round(this.lateness.spread().p99),
    };
  }
}
