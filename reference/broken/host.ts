// The host of the broken fixtures: the reference host, with one bug injected
// into its nodes through the reference node's hooks. Cores, store, codec and
// validation are the reference's own, unchanged.
import type { NodeId, NodeInit, Version } from '../../proto/contract.js';
import { ReferenceHost } from '../host.js';
import type { Message } from '../messages.js';
import { type NodeHooks, ReferenceNode } from '../node.js';
import type { NodeParams } from '../params.js';
import type { StoredEntry } from '../store.js';
import type { Core, CoreContext, Outbox } from '../variants/core.js';

export const BROKEN_VERSION = '0.1.0';

/** Where a bug is injected: the reference node's hooks, plus a disk that forgets. */
export interface Bug extends NodeHooks {
  /** A restart with restoreDurable starts from an empty disk anyway (durability still declared). */
  forgetsDisk?: boolean;
  /** A restart with restoreDurable loses every other key of its disk (in key order, the first included). */
  restoresHalf?: boolean;
}

/**
 * The reference host (same validation, errors and declared capabilities, so
 * no bug is excused as unsupported) with one bug injected into its nodes.
 */
export class BrokenHost extends ReferenceHost {
  constructor(
    implementation: string,
    private readonly bug: Bug,
  ) {
    super({ implementation, version: BROKEN_VERSION });
  }

  protected override createNode(
    init: NodeInit,
    params: NodeParams,
    durable: Map<string, StoredEntry>,
  ): ReferenceNode {
    if (this.bug.forgetsDisk) durable.clear();
    if (this.bug.restoresHalf && init.restoreDurable) {
      const keys = [...durable.keys()].sort();
      for (let i = 0; i < keys.length; i += 2) durable.delete(keys[i]);
    }
    return new ReferenceNode(init, params, durable, this.bug);
  }
}

/** A Core that delegates everything to `inner`; bugs override one method. */
export class CoreWrapper implements Core {
  constructor(
    protected readonly inner: Core,
    protected readonly ctx: CoreContext,
  ) {}
  accepts(type: Message['t']): boolean {
    return this.inner.accepts(type);
  }
  tick(out: Outbox): void {
    this.inner.tick(out);
  }
  receive(from: NodeId, msg: Message, out: Outbox): void {
    this.inner.receive(from, msg, out);
  }
  write(key: string, value: string, out: Outbox): Version {
    return this.inner.write(key, value, out);
  }
  status(key: string) {
    return this.inner.status(key);
  }
  mass(): { sum: number; weight: number } {
    return this.inner.mass();
  }
}

/** An Outbox that records what a core sends instead of sending it. */
export class Capture implements Outbox {
  readonly sent: { to: NodeId; msg: Message }[] = [];
  send(to: NodeId, msg: Message): void {
    this.sent.push({ to, msg });
  }
  flush(out: Outbox): void {
    for (const s of this.sent) out.send(s.to, s.msg);
    this.sent.length = 0;
  }
}
