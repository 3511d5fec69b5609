// The SWIM bugs of the broken fixtures (variant membership-swim), each a
// subclass of the reference SwimCore overriding one of its hook methods. The
// hook builds a fresh core from the same context and drops the reference one
// (SwimCore's constructor draws nothing from the Rng, so nothing is consumed).
import type { MemberStatus, NodeId } from '../../proto/contract.js';
import type { WireUpdate } from '../membership/messages.js';
import { SwimCore } from '../membership/swim.js';
import type { Outbox } from '../variants/core.js';

/** A failed probe (after its ping-reqs) declares the target dead at once: no suspicion, nothing to refute. */
export class NoSuspicion extends SwimCore {
  protected override probeFailed(target: NodeId, _t: number): void {
    const m = this.members.get(target);
    if (m && (m.status === 'alive' || m.status === 'suspect')) this.set(target, 'dead', m.inc);
  }
}

/** An ALIVE update never overrides a SUSPECT one, whatever its incarnation: refutations are ignored. */
export class IgnoresRefutation extends SwimCore {
  protected override overrides(i: number, s: MemberStatus, ci: number, cs: MemberStatus): boolean {
    if (s === 'alive' && cs === 'suspect') return false;
    return super.overrides(i, s, ci, cs);
  }
}

/** Incarnations compared the wrong way round: a lower one overrides, a higher one is stale. */
export class IncarnationReversed extends SwimCore {
  protected override overrides(i: number, s: MemberStatus, ci: number, cs: MemberStatus): boolean {
    if (i !== ci) return i < ci;
    return super.overrides(i, s, ci, cs);
  }
}

/** A node counts itself joined at start: it never push-pulls with its seeds, so a joiner knows nobody and nobody knows it. */
export class JoinWithoutStateExchange extends SwimCore {
  protected override joined = true;
}

/** A clean stop announces the leave to nobody: the member just goes silent. */
export class SilentLeave extends SwimCore {
  override leave(_out: Outbox): void {}
}

/** No periodic push-pull (neither with a member held alive nor with one held dead). */
export class NoAntiEntropy extends SwimCore {
  protected override antiEntropy(_out: Outbox): void {}
}

/** No indirect probes: a direct ping lost (or its ack) is enough to suspect a live member. */
export class NoIndirectProbes extends SwimCore {
  protected override indirectHelpers(_target: NodeId): NodeId[] {
    return [];
  }
}

/** A suspicion, death or leave of itself is never refuted: the node keeps its incarnation, so others' SUSPECT stands and times out. */
export class NeverRefutes extends SwimCore {
  protected override refute(_u: WireUpdate): void {}
}

/**
 * Push-pull only with members held alive, never with one held dead (no
 * reconnect; hashicorp/memberlist's behaviour): after a partition longer than
 * the time to declare dead, the two sides hold each other dead and never meet
 * again. A shorter partition still heals (suspects are probed, and refute).
 */
export class NeverRejoins extends SwimCore {
  protected override reconnect(_out: Outbox): void {}
}
