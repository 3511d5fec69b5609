// Runs one case for one variant as a fast-check property: `runs` inputs from
// the case's seed; on a FAIL, fast-check shrinks the input (within a budget)
// and the shrunk counterexample is saved (input JSON + history) with its
// replay command. The case verdict follows the evidence rule (checks/grade.ts);
// the contract's rides-along cases judge every run's history too (withContract).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import { RUN_COMPLETED_ID, Tally } from '../checks/grade.js';
import { contractBreaches } from '../checks/index.js';
import { capDetails, capLine, type Focus, type Verdict } from '../checks/verdict.js';
import { writeHistoryFile } from '../engine/history/recorder.js';
import type { Capabilities, Variant } from '../proto/contract.js';
import { deriveSeed } from '../shared/prng.js';
import { addExplored, describeInput, inputShape } from './input-stats.js';
import type { CaseContext, CaseDef, GenContext, Outcome } from './model.js';
import type { CaseResult } from './result.js';
import { decisiveCheck, dropWrites } from './shrink-writes.js';

export interface PropertyOptions {
  /** The run's seed; each case derives its own from it. */
  seed: number;
  runs: number;
  minNodes: number;
  maxNodes: number;
  minRounds: number;
  /** Report directory: histories/ and counterexamples/ go below it. */
  outDir: string;
  /** How the IUT was given, for the saved counterexample (null: the built-in reference). */
  impl: string | null;
  /** The report directory replay commands name (default: outDir). */
  replayDir?: string;
}

/** What a counterexample file holds; `gossipcheck replay FILE` reads it. */
export interface CounterexampleFile {
  kit: 'gossipcheck';
  case: string;
  variant: Variant;
  input: unknown;
  fastCheck: { seed: number; path: string };
  impl: string | null;
  /** The directory the run was started in: a relative --impl command resolves from there. */
  cwd?: string;
  callTimeoutMs: number;
  maxNodes: number;
  minRounds: number;
  verdict: string;
  evidence: Verdict['evidence'];
}

/** Property executions spent shrinking one failure, at most: shrinking must end. */
export const SHRINK_BUDGET = 200;

export const slug = (id: string, variant: Variant) => `${id.replaceAll('/', '--')}--${variant}`;

/** fast-check takes a 32-bit seed. */
export function caseSeed(runSeed: number, id: string, variant: Variant): number {
  return deriveSeed(runSeed, `${id}[${variant}]`) | 0;
}

function failure(message: string): Outcome {
  const check: Verdict = {
    id: RUN_COMPLETED_ID,
    requirement: 'The IUT answers every call within its deadline and does not exit.',
    level: 'MUST',
    verdict: 'FAIL',
    source: 'GossipNode contract (proto/gossipcheck/v1/gossip.proto)',
    evidence: { expected: 'an answer', observed: capLine(message), details: [] },
    judged: 1,
  };
  return { verdict: 'FAIL', checks: [check], events: [] };
}

/**
 * Failures that say the IUT is gone, hung or flooding, not that it answered
 * one input wrongly: shrinking against it would only repeat the cost.
 */
const UNUSABLE =
  /did not answer within|unavailable|exited|ECONNREFUSED|No connection established|over the cap of/i;

/**
 * The contract rides along with every run of every case: a clause its
 * history breaks (checks/index.ts contractBreaches) fails the run whatever
 * the case and its level, named first in the evidence, and is shrunk and
 * saved like any other failure.
 */
function withContract(outcome: Outcome): Outcome {
  if (outcome.events.length === 0) return outcome;
  const breaches = contractBreaches(outcome.view ?? outcome.events, new Set(outcome.checks.map((c) => c.id)));
  if (breaches.length === 0) return outcome;
  return { ...outcome, verdict: 'FAIL', checks: [...breaches, ...outcome.checks] };
}

/**
 * An IUT that throws instead of answering fails the case, with the error as
 * evidence. Once it stopped answering, later checks fail at once, so shrinking
 * and the remaining cases do not each wait out a deadline.
 */
export async function safeCheck<I>(
  def: CaseDef<I>,
  input: I,
  variant: Variant,
  ctx: CaseContext,
): Promise<Outcome> {
  if (ctx.broken) return failure(`not run: the IUT became unusable earlier (${ctx.broken})`);
  let outcome: Outcome;
  try {
    outcome = withContract(await def.check(input, variant, ctx));
  } catch (err) {
    outcome = failure(err instanceof Error ? err.message : String(err));
  }
  const completed = outcome.checks.find((c) => c.id === RUN_COMPLETED_ID && c.verdict === 'FAIL');
  if (completed && UNUSABLE.test(completed.evidence.observed)) ctx.broken = completed.evidence.observed;
  return outcome;
}

/** What the case's figure should show: the decisive check's key, and a deadline any check gave. */
function focusOf(outcome: Outcome): Focus | undefined {
  const decisive = outcome.checks.find((c) => c.verdict === outcome.verdict && c.focus?.key);
  const key = decisive?.focus?.key ?? outcome.checks.find((c) => c.focus?.key)?.focus?.key;
  const deadline = outcome.checks.find((c) => c.focus?.deadline !== undefined)?.focus?.deadline;
  if (key === undefined && deadline === undefined) return undefined;
  return { ...(key !== undefined ? { key } : {}), ...(deadline !== undefined ? { deadline } : {}) };
}

/** One line of evidence from the checks that decided the verdict. */
function evidenceOf(outcome: Outcome): Verdict['evidence'] {
  // The case's own checks speak first; run/completed only when it decided.
  const decisive = decisiveCheck(outcome, RUN_COMPLETED_ID);
  if (!decisive) return { expected: '-', observed: '-', details: [] };
  const others = outcome.checks
    .filter((c) => c !== decisive)
    .map((c) => `${c.id}: ${c.verdict} (${c.evidence.observed})`);
  return {
    expected: decisive.evidence.expected,
    observed: capLine(`${decisive.id}: ${decisive.evidence.observed}`),
    details: capDetails([...decisive.evidence.details.slice(0, 10), ...others], 20),
  };
}

/** A failing run's broken check, for grouping failures (reports/failure-groups.ts). */
function brokenOf(outcome: Outcome): { brokenCheck?: string } {
  const id = outcome.verdict === 'FAIL' ? decisiveCheck(outcome, RUN_COMPLETED_ID)?.id : undefined;
  return id ? { brokenCheck: id } : {};
}

function writeHistory(outDir: string, rel: string, outcome: Outcome): string | undefined {
  if (outcome.events.length === 0) return undefined;
  writeHistoryFile(join(outDir, rel), outcome.events);
  return rel;
}

/**
 * Why the IUT cannot be held to this case for this variant (a capability it
 * did not declare, or a cluster too small for the case to exercise), or null.
 */
export function unsupportedReason(
  def: CaseDef<unknown>,
  variant: Variant,
  caps: Capabilities,
  maxNodes = Number.POSITIVE_INFINITY,
): string | null {
  if (!caps.variants.includes(variant)) return `variant ${variant} not declared`;
  if (!caps.lockstep) return 'lockstep not declared';
  if (def.requiresNodes && maxNodes < def.requiresNodes)
    return `needs at least ${def.requiresNodes} nodes to exercise anything; --nodes is ${maxNodes}`;
  return def.unsupported?.(caps, variant) ?? null;
}

export async function checkCase(
  def: CaseDef<unknown>,
  variant: Variant,
  ctx: CaseContext,
  opts: PropertyOptions,
): Promise<CaseResult> {
  const started = Date.now();
  const seed = caseSeed(opts.seed, def.id, variant);
  const base = {
    id: def.id,
    requirement: def.requirement,
    level: def.level,
    source: def.source,
    suite: def.id.split('/')[0],
    variant,
    seed,
  };
  const why = unsupportedReason(def, variant, ctx.capabilities, opts.maxNodes);
  if (why) {
    return {
      ...base,
      verdict: 'UNSUPPORTED',
      runs: 0,
      judged: 0,
      evidence: { expected: 'declared', observed: why, details: [] },
      durationMs: Date.now() - started,
    };
  }

  const gen: GenContext = {
    capabilities: ctx.capabilities,
    minNodes: opts.minNodes,
    maxNodes: opts.maxNodes,
  };
  const name = slug(def.id, variant);
  const tally = new Tally(def.checkIds ?? []);
  /** Per feature, how many judged-phase inputs fell in each bucket (shrinking excluded). */
  const explored: Record<string, Record<string, number>> = {};
  let first: Outcome | undefined;
  let shown: Outcome | undefined;
  /** The last failing run: fast-check's counterexample is the last input that failed. */
  let lastFailing: Outcome | undefined;
  let failed = false;
  let shrinkRuns = 0;
  const shrinkBudget = def.shrinkBudget ?? SHRINK_BUDGET;
  let brokenInput: unknown;
  const property = fc.asyncProperty(def.arbitrary(variant, gen), async (input) => {
    // Once the IUT is gone, or the shrink budget is spent, every further
    // candidate "passes" untried: shrinking ends with what it has.
    if (ctx.broken || (failed && ++shrinkRuns > shrinkBudget)) return true;
    const outcome = await safeCheck(def, input, variant, ctx);
    if (ctx.broken) {
      brokenInput = input;
      return true;
    }
    if (!failed) {
      tally.add(outcome.checks);
      addExplored(explored, describeInput(input));
    }
    first ??= outcome;
    if (outcome.verdict !== 'FAIL' && !failed) {
      // The report shows the most telling non-failing run: a non-PASS one, else the first.
      if (!shown || (shown.verdict === 'PASS' && outcome.verdict !== 'PASS')) shown = outcome;
    }
    if (outcome.verdict === 'FAIL') {
      failed = true;
      lastFailing = outcome;
    }
    return outcome.verdict !== 'FAIL';
  });
  const details = await fc.check(property, { seed, numRuns: opts.runs });
  /** What every result of a case that ran shares. */
  const ran = () => ({
    ...base,
    runs: details.numRuns,
    judged: tally.judgedRuns,
    checks: tally.checks(),
    explored,
    durationMs: Date.now() - started,
  });

  if (ctx.broken) {
    // The IUT died or hung in this case: it fails here, with no shrunk input
    // and no replay (there is nothing trustworthy to shrink against).
    return {
      ...ran(),
      verdict: 'FAIL',
      brokenCheck: RUN_COMPLETED_ID,
      evidence: {
        expected: 'the IUT answers every call within its deadline and keeps running',
        observed: capLine(`the IUT became unusable during this case: ${ctx.broken}`),
        details:
          brokenInput === undefined ? [] : [capLine(`input being run: ${JSON.stringify(brokenInput)}`)],
      },
    };
  }

  if (details.failed && details.counterexample) {
    // Then fewer writes, within what is left of the budget (shrink-writes.ts).
    const fewer = lastFailing
      ? await dropWrites(details.counterexample[0], lastFailing, {
          run: (i) => safeCheck(def, i, variant, ctx),
          valid: (i) => def.validate(i) === null,
          budget: Math.max(0, shrinkBudget - shrinkRuns),
          skip: RUN_COMPLETED_ID,
        })
      : undefined;
    const input = fewer?.input ?? details.counterexample[0];
    // The report shows the shrunk input's failing run. It is run once more to
    // tell the user whether the input alone reproduces it (what replay needs).
    const again = await safeCheck(def, input, variant, ctx);
    const outcome = fewer?.outcome ?? again;
    const history = writeHistory(opts.outDir, `counterexamples/${name}.jsonl`, outcome);
    const evidence = evidenceOf(outcome);
    if (again.verdict !== 'FAIL')
      evidence.details.unshift(
        capLine(
          `run again, the shrunk input gave ${again.verdict} (${evidenceOf(again).observed}): the failure does not follow from the input alone (state kept across Init, a process-wide counter, timing), so replay may not show it`,
        ),
      );
    const file = `counterexamples/${name}.json`;
    const saved: CounterexampleFile = {
      kit: 'gossipcheck',
      case: def.id,
      variant,
      input,
      fastCheck: { seed: details.seed, path: details.counterexamplePath ?? '' },
      impl: opts.impl,
      cwd: process.cwd(),
      callTimeoutMs: ctx.callTimeoutMs,
      maxNodes: opts.maxNodes,
      minRounds: opts.minRounds,
      verdict: outcome.verdict,
      evidence,
    };
    mkdirSync(join(opts.outDir, 'counterexamples'), { recursive: true });
    writeFileSync(join(opts.outDir, file), `${JSON.stringify(saved, null, 2)}\n`);
    const replay = `npx gossipcheck replay ${join(opts.replayDir ?? opts.outDir, file)}`;
    const budget = shrinkRuns > shrinkBudget ? ` (shrink budget of ${shrinkBudget} runs spent)` : '';
    const dropped = fewer?.dropped
      ? `, then ${fewer.dropped} write(s) dropped in ${fewer.runs} runs (the path gives the input before that)`
      : '';
    evidence.details.unshift(
      `shrunk in ${details.numShrinks} steps after ${details.numRuns} runs${budget}${dropped}; fast-check seed ${details.seed}, path "${details.counterexamplePath}"`,
      capLine(`input: ${JSON.stringify(input)}`),
      `replay: ${replay}`,
    );
    const focus = focusOf(outcome);
    return {
      ...ran(),
      verdict: 'FAIL',
      evidence,
      history,
      ...(focus ? { focus } : {}),
      counterexample: {
        seed: details.seed,
        path: details.counterexamplePath ?? '',
        file,
        replay,
        history: history ?? '',
        shape: inputShape(input),
      },
      ...brokenOf(outcome),
    };
  }
  if (details.failed) {
    // fast-check itself failed (e.g. the generator threw): a harness error, reported as such.
    throw new Error(`${def.id} [${variant}]: ${String(details.errorInstance ?? 'property could not run')}`);
  }
  const verdict = tally.verdict(def.level);
  const unjudged = tally.unjudged();
  const example = shown ?? first;
  const history = example ? writeHistory(opts.outDir, `histories/${name}.jsonl`, example) : undefined;
  const evidence = example ? evidenceOf(example) : { expected: '-', observed: 'no run', details: [] };
  if (verdict === 'INCONCLUSIVE') {
    evidence.observed = capLine(
      tally.judgedRuns === 0
        ? `no run of ${details.numRuns} judged anything`
        : `judged nothing in ${details.numRuns} runs: ${unjudged.map((u) => u.id).join(', ')}`,
    );
    evidence.details = capDetails([...unjudged.map((u) => `${u.id}: ${u.reason}`), ...evidence.details], 20);
  }
  const focus = example ? focusOf(example) : undefined;
  return { ...ran(), verdict, evidence, history, ...(focus ? { focus } : {}) };
}
