// Direct mail (Demers et al. 1987 §1.1): each update is mailed once to every
// peer at write time. Cheap and fast, but nothing repairs a lost mail, which is
// why anti-entropy exists.
import type { NodeId, SirStatus, Version } from '../../proto/contract.js';
import type { Message, MessageType } from '../messages.js';
import { type Core, type CoreContext, NO_MASS, type Outbox } from './core.js';
import { mergeEntries, wireEntry } from './wire.js';

export class DirectMailCore implements Core {
  constructor(private readonly ctx: CoreContext) {}

  accepts(type: MessageType): boolean {
    return type === 'mail';
  }

  tick(_out: Outbox): void {}

  receive(_from: NodeId, msg: Message, _out: Outbox): void {
    if (msg.t === 'mail') mergeEntries(this.ctx.store, msg.entries, null);
  }

  write(key: string, value: string, out: Outbox): Version {
    const { store, peers, writer } = this.ctx;
    const version = store.localWrite(key, value, writer);
    const entry = wireEntry(store, key)!;
    const msg: Message = { t: 'mail', entries: [entry] };
    for (let i = 0; i < peers.length; i++) out.send(peers[i], msg);
    return version;
  }

  status(_key: string): SirStatus | undefined {
    return undefined;
  }

  mass(): { sum: number; weight: number } {
    return NO_MASS;
  }
}
