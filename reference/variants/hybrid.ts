// Hybrid (Demers et al. 1987 §1.5): push rumor mongering spreads updates fast
// but may leave residue; a slow push-pull anti-entropy exchange every
// `antiEntropyEvery` periods repairs it. An entry anti-entropy brings in
// becomes hot, so rumor mongering redistributes it from there.
import type { NodeId, SirStatus, Version } from '../../proto/contract.js';
import type { Message, MessageType } from '../messages.js';
import { AntiEntropy } from './anti-entropy.js';
import { type Core, type CoreContext, NO_MASS, type Outbox } from './core.js';
import { RumorCore } from './rumor.js';

export class HybridCore implements Core {
  private readonly rumor: RumorCore;
  private readonly ae: AntiEntropy;

  constructor(private readonly ctx: CoreContext) {
    this.rumor = new RumorCore(ctx, 'push');
    this.ae = new AntiEntropy(ctx.store, 'push-pull', this.rumor);
  }

  accepts(type: MessageType): boolean {
    return this.rumor.accepts(type) || this.ae.accepts(type);
  }

  tick(out: Outbox): void {
    this.rumor.tick(out);
    if (this.rumor.round % this.ctx.params.antiEntropyEvery === 0) {
      this.ae.initiate(this.ctx.rng.sample(this.ctx.peers, 1), out);
    }
  }

  receive(from: NodeId, msg: Message, out: Outbox): void {
    if (this.rumor.accepts(msg.t)) this.rumor.receive(from, msg, out);
    else this.ae.receive(from, msg, out);
  }

  write(key: string, value: string, out: Outbox): Version {
    return this.rumor.write(key, value, out);
  }

  status(key: string): SirStatus | undefined {
    return this.rumor.status(key);
  }

  mass(): { sum: number; weight: number } {
    return NO_MASS;
  }
}
