// Deliberately broken variants of the reference node: the teeth of the suites.
// Each fixture is the reference with one bug, run with one variant, and names
// the suite case meant to catch it. Every fixture declares the reference's
// capabilities, so no bug is excused as UNSUPPORTED.
import { CONTROL_KIND, type Variant } from '../../proto/contract.js';
import {
  AppliesTwice,
  CounterNeverResets,
  FanoutExceeded,
  IgnoresPull,
  LastArrivalStore,
  NeverLosesInterest,
  PushSumDropsWeight,
  ShipsKnownValues,
  StopsGossiping,
} from './bugs.js';
import { BrokenHost, type Bug } from './host.js';
import {
  IgnoresRefutation,
  IncarnationReversed,
  JoinWithoutStateExchange,
  NeverRefutes,
  NeverRejoins,
  NoAntiEntropy,
  NoIndirectProbes,
  NoSuspicion,
  SilentLeave,
} from './swim-bugs.js';

export interface BrokenFixture {
  /** Stable name; Init reports implementation `broken-<name>`. */
  readonly name: string;
  /** The variant the fixture is meant to run (its bug shows there). */
  readonly variant: Variant;
  /** The bug, in one line. */
  readonly bug: string;
  /** Id of the suite case meant to catch it. */
  readonly caughtBy: string;
  /**
   * Lockstep runs of that case that draw the bug's trigger at seed 1 (the
   * teeth test's count; 10 when absent).
   */
  readonly runs?: number;
}

interface FixtureDef extends BrokenFixture {
  readonly inject: Bug;
}

const DEFS: readonly FixtureDef[] = [
  {
    name: 'rumor-never-loses-interest',
    variant: 'rumor-push',
    bug: 'an infective node never becomes removed: it pushes every entry it holds again each period, forever',
    caughtBy: 'sir/termination',
    inject: { core: (inner, ctx) => new NeverLosesInterest(inner, ctx) },
  },
  {
    name: 'merge-older-overwrites',
    variant: 'anti-entropy-push',
    bug: 'merge is last-arrival-wins and the digest comparison asks for every differing version, so a pushed older version overwrites a newer one',
    caughtBy: 'convergence/concurrent-writes',
    inject: { store: (durable) => new LastArrivalStore(durable) },
  },
  {
    name: 'ignores-pull',
    variant: 'anti-entropy-pull',
    bug: 'a node never answers a digest, so pull anti-entropy spreads nothing',
    caughtBy: 'convergence/no-faults',
    inject: { core: (inner, ctx) => new IgnoresPull(inner, ctx) },
  },
  {
    name: 'fanout-exceeded',
    variant: 'anti-entropy-push-pull',
    bug: 'each period the digest also goes to one peer beyond the fanout chosen (fanout+1 exchanges)',
    caughtBy: 'bounds/fanout',
    inject: { core: (inner, ctx) => new FanoutExceeded(inner, ctx) },
  },
  {
    name: 'forgets-durable',
    // Hybrid rather than push-pull: push-pull restores an emptied node within
    // its restart round, before any read shows the loss (see the report).
    variant: 'hybrid',
    bug: 'declares durableRestart but a restart with restoreDurable starts from an empty store',
    caughtBy: 'convergence/crash-restart/durable',
    inject: { forgetsDisk: true },
  },
  {
    name: 'restores-half',
    // Push-pull: the variant that repairs a restarted node fastest, so only
    // its first Read after the restart shows what it recovered.
    variant: 'anti-entropy-push-pull',
    bug: 'declares durableRestart but a restart with restoreDurable recovers only every other key of its store',
    caughtBy: 'contract/durable-restart',
    inject: { restoresHalf: true },
  },
  {
    name: 'pushsum-drops-weight',
    variant: 'push-sum',
    bug: 'every push-sum share sent loses 10% of its weight (mass is not conserved)',
    caughtBy: 'pushsum/mass-conservation',
    inject: { core: (inner, ctx) => new PushSumDropsWeight(inner, ctx) },
  },
  {
    name: 'counter-never-resets',
    variant: 'rumor-push',
    bug: 'feedback-counter: a necessary contact does not reset the counter, so k unnecessary contacts in total (not in a row) end interest',
    caughtBy: 'sir/residue-band/feedback-counter',
    inject: { core: (inner, ctx) => new CounterNeverResets(inner, ctx) },
  },
  {
    name: 'applies-twice',
    variant: 'anti-entropy-push-pull',
    bug: 'an entry arriving a second time is applied as a fresh local write (version counter bumped)',
    caughtBy: 'robustness/duplicate-idempotent',
    inject: { core: (inner, ctx) => new AppliesTwice(inner, ctx) },
  },
  {
    name: 'ships-known-values',
    variant: 'anti-entropy-push-pull',
    bug: 'the digest reply also carries every entry the digest shows the peer already holds at the same version',
    caughtBy: 'bounds/no-redundant-values',
    inject: { core: (inner, ctx) => new ShipsKnownValues(inner, ctx) },
  },
  {
    name: 'hides-values-in-control',
    variant: 'anti-entropy-push-pull',
    bug: 'every envelope that carries values is labelled control and lists no keys (value traffic hidden from every bound that counts by kind and keys)',
    caughtBy: 'contract/declared-keys',
    inject: { label: (kind, keys) => (keys.length > 0 ? { kind: CONTROL_KIND, keys: [] } : { kind, keys }) },
  },
  {
    name: 'stops-gossiping',
    variant: 'anti-entropy-push-pull',
    bug: 'after 50 periods a node stops gossiping: it starts no exchange and answers none, though it still takes writes',
    caughtBy: 'convergence/long-run',
    inject: { core: (inner, ctx) => new StopsGossiping(inner, ctx) },
  },
  {
    name: 'swim-no-suspicion',
    variant: 'membership-swim',
    bug: 'a probe unanswered after its ping-reqs declares the target dead at once (no suspicion, so a slow member cannot refute)',
    caughtBy: 'membership/accuracy',
    inject: { core: (_inner, ctx) => new NoSuspicion(ctx) },
  },
  {
    name: 'swim-ignores-refutation',
    variant: 'membership-swim',
    bug: 'an ALIVE update never overrides a SUSPECT one, whatever its incarnation, so every suspicion ends in a death',
    caughtBy: 'membership/accuracy',
    inject: { core: (_inner, ctx) => new IgnoresRefutation(ctx) },
  },
  {
    name: 'swim-incarnation-reversed',
    variant: 'membership-swim',
    bug: 'incarnations compared the wrong way round: a lower one overrides, a higher one (a refutation, a restarted member alive again) is dropped as stale',
    caughtBy: 'membership/rejoin',
    inject: { core: (_inner, ctx) => new IncarnationReversed(ctx) },
  },
  {
    name: 'swim-join-without-exchange',
    variant: 'membership-swim',
    bug: 'a node counts itself joined at start and never push-pulls with its seeds: a joiner knows nobody and nobody learns of it',
    caughtBy: 'membership/join',
    inject: { core: (_inner, ctx) => new JoinWithoutStateExchange(ctx) },
  },
  {
    name: 'swim-silent-leave',
    variant: 'membership-swim',
    bug: 'a clean stop announces the leave to nobody: the member goes silent and is detected as crashed',
    caughtBy: 'membership/leave',
    inject: { core: (_inner, ctx) => new SilentLeave(ctx) },
  },
  {
    name: 'swim-no-indirect-probes',
    variant: 'membership-swim',
    bug: 'a probe whose ping (or ack) is lost suspects its target at once: no ping-req through k other members',
    caughtBy: 'membership/suspicion-rate',
    inject: { core: (_inner, ctx) => new NoIndirectProbes(ctx) },
  },
  {
    name: 'swim-no-anti-entropy',
    variant: 'membership-swim',
    bug: 'no periodic push-pull (with a member held alive or dead), so the two sides of a healed partition that hold each other dead never meet again',
    caughtBy: 'membership/partition-heal',
    inject: { core: (_inner, ctx) => new NoAntiEntropy(ctx) },
  },
  {
    name: 'swim-never-refutes',
    variant: 'membership-swim',
    bug: 'a node never refutes a suspicion (or death) of itself: it keeps its incarnation, so every suspicion of it ends in its death',
    caughtBy: 'membership/refute',
    inject: { core: (_inner, ctx) => new NeverRefutes(ctx) },
  },
  {
    name: 'swim-never-rejoins',
    variant: 'membership-swim',
    bug: 'push-pull only with members held alive, never with one held dead (memberlist): after a partition longer than the time to declare dead the two sides never merge again',
    caughtBy: 'membership/partition-heal',
    // The lockstep partition case draws up to 40 ticks: only some draws outlast
    // the time to declare dead (checks/membership/bounds.ts deadAfterMs); at
    // seed 1 the 61st does. Realtime: cli/chaos-membership.e2e.test.ts.
    runs: 100,
    inject: { core: (_inner, ctx) => new NeverRejoins(ctx) },
  },
];

export const BROKEN_FIXTURES: readonly BrokenFixture[] = DEFS.map(
  ({ name, variant, bug, caughtBy, runs }) => ({
    name,
    variant,
    bug,
    caughtBy,
    ...(runs !== undefined ? { runs } : {}),
  }),
);

export function brokenFixture(name: string): BrokenFixture | undefined {
  return BROKEN_FIXTURES.find((f) => f.name === name);
}

/** An in-process endpoint for the fixture `name` (a lockstep host; realtime wraps it); throws for an unknown name. */
export function makeBrokenHost(name: string): BrokenHost {
  const def = DEFS.find((f) => f.name === name);
  if (!def) {
    throw new Error(
      `unknown broken fixture '${name}' (expected one of ${DEFS.map((f) => f.name).join(', ')})`,
    );
  }
  return new BrokenHost(`broken-${def.name}`, def.inject);
}
