// robustness/…: bad input is rejected cleanly and loses nothing (these probe
// the endpoint directly: a small cluster, a few writes, then the probe);
// duplicated and reordered deliveries are idempotent (lockstep runs whose
// router duplicates or reorders, judged by harness/checkers/idempotence.ts).
import * as fc from 'fast-check';
import {
  checkDuplicateIdempotent,
  checkReorderIdempotent,
  DUPLICATE_IDEMPOTENT,
  REORDER_IDEMPOTENT,
} from '../../harness/checkers/idempotence.js';
import type { Verdict, VerdictKind } from '../../harness/checkers/verdict.js';
import {
  ANTI_ENTROPY_VARIANTS,
  type Envelope,
  type GossipEndpoint,
  KV_VARIANTS,
  type NodeInit,
  nodeIds,
  type Parameters,
  type Snapshot,
  VARIANTS,
  type Variant,
} from '../../proto/contract.js';
import { deriveSeed } from '../../shared/prng.js';
import { int, LIMITS, list, record, text } from '../input-schema.js';
import type { CaseContext, CaseDef, FaultInput, Outcome, ScenarioInput } from '../model.js';
import { scenarioCase } from './scenario-case.js';

/** Small so the oversize probe stays cheap. */
const MAX_PAYLOAD = 4096;
/** No protobuf tag has wire type 7 and no JSON starts with 0xff: never a valid message. */
const GARBAGE_PREFIX = [0xff, 0xff, 0xff, 0xff];

export interface ProbeInput {
  n: number;
  seed: number;
  writes: { node: number; key: string; value: string }[];
  /** Probe-specific: garbage tail, unknown id, extra size, permutation seed. */
  bytes: number[];
  ghost: string;
  extra: number;
}

const probeArb: fc.Arbitrary<ProbeInput> = fc.record({
  n: fc.integer({ min: 2, max: 6 }),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  writes: fc
    .array(fc.record({ node: fc.nat({ max: 63 }), key: fc.constantFrom('a', 'b', 'c') }), {
      minLength: 1,
      maxLength: 4,
    })
    .map((ws) => ws.map((w, i) => ({ ...w, value: `v${i}` }))),
  bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 32 }),
  ghost: fc.string({ minLength: 0, maxLength: 8 }),
  extra: fc.integer({ min: 1, max: 2048 }),
});

const probeInputProblem = (x: unknown): string | null =>
  record({
    n: int(2, LIMITS.nodes),
    seed: int(-(2 ** 31), 2 ** 32),
    writes: list(record({ node: int(0, LIMITS.items), key: text, value: text }), 1000),
    bytes: list(int(0, 255), LIMITS.items),
    ghost: text,
    extra: int(0, LIMITS.text),
  })(x, 'input');

function params(variant: Variant): Parameters {
  return {
    variant,
    fanout: 1,
    periodMs: 0,
    lossOfInterest: 'feedback-counter',
    rumorK: 2,
    antiEntropyEvery: 1,
    maxPayloadBytes: MAX_PAYLOAD,
  };
}

interface Cluster {
  ids: string[];
  /** Every envelope one round carried (tick, then replies hop by hop), in order. */
  round: Envelope[];
}

/** Init + writes + one lockstep round, remembering every envelope delivered. */
async function setUp(
  ep: GossipEndpoint,
  input: ProbeInput,
  variant: Variant,
  deliver = true,
): Promise<Cluster> {
  const ids = nodeIds(input.n).map((id) => `r${id}`);
  const nodes: NodeInit[] = ids.map((id) => ({
    id,
    peers: ids.filter((p) => p !== id),
    seeds: [],
    rngSeed: deriveSeed(input.seed, id),
    initialValue: 1,
    restoreDurable: false,
  }));
  await ep.init(nodes, params(variant), 'lockstep');
  const writes =
    variant === 'push-sum' ? [] : input.writes.map((w) => ({ ...w, node: ids[w.node % ids.length] }));
  const updated = writes.length ? await ep.update(writes) : { acks: [], envelopes: [] };
  let batch = [...updated.envelopes, ...(await ep.tick(ids))];
  const round: Envelope[] = [];
  for (let hop = 0; hop < 4 && batch.length && deliver; hop++) {
    round.push(...batch);
    batch = await ep.deliver(batch);
  }
  return { ids, round };
}

/** Entries (key, value, version) and push-sum mass: what must not change. */
function state(snaps: Snapshot[]): string {
  return JSON.stringify(
    snaps.map((s) => [
      s.node,
      s.entries.map((e) => [e.key, e.value, e.version.counter, e.version.origin]),
      s.sum,
      s.weight,
    ]),
  );
}

/** The id, requirement and source a robustness verdict carries: its case's own. */
type Info = Pick<CaseDef<ProbeInput>, 'id' | 'requirement' | 'source'>;

function verdictFor(info: Info, expected: string, ok: boolean, observed: string, details: string[]): Outcome {
  const verdict: VerdictKind = ok ? 'PASS' : 'FAIL';
  const check: Verdict = {
    id: info.id,
    requirement: info.requirement,
    level: 'MUST',
    verdict,
    source: info.source,
    evidence: { expected, observed, details },
    judged: 1,
  };
  return { verdict, checks: [check], events: [] };
}

/** The error a Deliver call was refused with, or null when it was accepted. */
const refusal = (ep: GossipEndpoint, batch: Envelope[]): Promise<string | null> =>
  ep.deliver(batch).then(
    () => null,
    (e: unknown) => (e instanceof Error ? e.message : String(e)),
  );

const REJECTED = 'rejected with an error; state unchanged; the valid envelope still accepted';

/** Delivers a batch that must be refused, and checks nothing changed and nothing was lost. */
async function expectRejected(
  info: Info,
  ctx: CaseContext,
  cluster: Cluster,
  bad: Envelope,
): Promise<Outcome> {
  const ep = ctx.endpoint;
  const before = state(await ep.read(cluster.ids));
  const valid = cluster.round.find((e) => e.to !== bad.to) ?? null;
  const batch = valid ? [valid, bad] : [bad];
  const error = await refusal(ep, batch);
  const after = state(await ep.read(cluster.ids));
  const details = [
    `batch of ${batch.length}: bad envelope ${bad.from} -> ${bad.to}, ${bad.payload.length} bytes`,
  ];
  const fail = (observed: string) => verdictFor(info, REJECTED, false, observed, details);
  if (error === null) return fail('the batch was accepted');
  details.push(`error: ${error}`);
  if (after !== before) return fail('rejected, but node state changed');
  // Loses nothing: the valid envelope alone still goes through.
  const again = valid ? await refusal(ep, [valid]) : null;
  if (again !== null) return fail(`the valid envelope was refused afterwards: ${again}`);
  return verdictFor(info, REJECTED, true, 'rejected with an error; state unchanged', details);
}

function rejectionCase(
  id: string,
  requirement: string,
  makeBad: (c: Cluster, input: ProbeInput) => Envelope,
): CaseDef<ProbeInput> {
  return {
    id,
    requirement,
    level: 'MUST',
    source: 'GossipNode contract: Deliver validates a batch as a whole (proto/gossipcheck/v1/gossip.proto)',
    variants: VARIANTS,
    arbitrary: () => probeArb,
    validate: probeInputProblem,
    async check(input, variant, ctx) {
      const cluster = await setUp(ctx.endpoint, input, variant);
      return expectRejected(this, ctx, cluster, makeBad(cluster, input));
    },
  };
}

const template = (c: Cluster): Envelope =>
  c.round[0] ?? { from: c.ids[0], to: c.ids[1], payload: new Uint8Array([1]), kind: 'probe', keys: [] };

export const REJECTION_CASES: CaseDef<ProbeInput>[] = [
  rejectionCase(
    'robustness/garbage-payload',
    'Deliver with a garbage payload fails with an error and changes no node; valid envelopes still go through.',
    (c, input) => ({ ...template(c), payload: new Uint8Array([...GARBAGE_PREFIX, ...input.bytes]) }),
  ),
  rejectionCase(
    'robustness/unknown-node',
    'Deliver to an unknown node id fails with an error and changes no node; valid envelopes still go through.',
    (c, input) => ({ ...template(c), to: `ghost-${input.ghost}` }),
  ),
  rejectionCase(
    'robustness/oversize',
    `Deliver of an envelope over max_payload_bytes (${MAX_PAYLOAD} here) fails with an error and changes no node.`,
    (c, input) => ({ ...template(c), payload: new Uint8Array(MAX_PAYLOAD + input.extra).fill(0x20) }),
  ),
];

/** Writes land in rounds 1-8; the fault covers them and the gossip right after. */
const WHOLE_WRITE_WINDOW = { from: 1, until: 12 };

export const IDEMPOTENCE_CASES: CaseDef<ScenarioInput>[] = [
  scenarioCase({
    id: 'robustness/duplicate-idempotent',
    requirement: DUPLICATE_IDEMPOTENT.requirement,
    level: 'MUST',
    source: DUPLICATE_IDEMPOTENT.source,
    variants: KV_VARIANTS,
    checks: [],
    extra: [{ info: DUPLICATE_IDEMPOTENT, check: checkDuplicateIdempotent }],
    faults: () => fc.constant<FaultInput[]>([{ type: 'duplicate', percent: 100, ...WHOLE_WRITE_WINDOW }]),
  }),
  scenarioCase({
    id: 'robustness/reorder-idempotent',
    requirement: REORDER_IDEMPOTENT.requirement,
    level: 'MUST',
    source: `${REORDER_IDEMPOTENT.source}; pure rumor mongering may leave residue (Demers et al. 1987 §1.4), so its final entries say nothing about order`,
    variants: [...ANTI_ENTROPY_VARIANTS, 'hybrid', 'direct-mail'],
    checks: [],
    extra: [{ info: REORDER_IDEMPOTENT, check: checkReorderIdempotent }],
    faults: () => fc.constant<FaultInput[]>([{ type: 'reorder', ...WHOLE_WRITE_WINDOW }]),
  }),
];
