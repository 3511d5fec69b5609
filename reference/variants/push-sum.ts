// Push-sum (Kempe, Dobra, Gehrke 2003): each node holds mass (s, w), starting
// at (its value, 1). Each period it splits the mass into fanout+1 equal shares,
// keeps one and pushes one to each chosen peer; received shares are added.
// Total mass is conserved, so every s/w converges to sum(values) / n.
import type { NodeId, SirStatus, Version } from '../../proto/contract.js';
import type { Message, MessageType } from '../messages.js';
import type { Core, CoreContext, Outbox } from './core.js';

export class PushSumCore implements Core {
  private sum: number;
  private weight = 1;

  constructor(private readonly ctx: CoreContext) {
    this.sum = ctx.initialValue;
  }

  accepts(type: MessageType): boolean {
    return type === 'pushsum';
  }

  tick(out: Outbox): void {
    const targets = this.ctx.rng.sample(this.ctx.peers, this.ctx.params.fanout);
    const m = targets.length;
    if (m === 0) return;
    const s = this.sum / (m + 1);
    const w = this.weight / (m + 1);
    // Keep the remainder rather than a computed share, so rounding stays here, not lost.
    this.sum -= m * s;
    this.weight -= m * w;
    const msg: Message = { t: 'pushsum', s, w };
    for (let i = 0; i < m; i++) out.send(targets[i], msg);
  }

  receive(_from: NodeId, msg: Message, _out: Outbox): void {
    if (msg.t !== 'pushsum') return;
    this.sum += msg.s;
    this.weight += msg.w;
  }

  /** Push-sum replicates no key/value state: a client write is kept locally and acknowledged, never gossiped. */
  write(key: string, value: string, _out: Outbox): Version {
    return this.ctx.store.localWrite(key, value, this.ctx.writer);
  }

  status(_key: string): SirStatus | undefined {
    return undefined;
  }

  mass(): { sum: number; weight: number } {
    return { sum: this.sum, weight: this.weight };
  }
}
