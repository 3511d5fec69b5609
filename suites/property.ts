// Runs one case for one variant as a fast-check property: `runs` inputs from
// the case's seed; on a FAIL, fast-check shrinks the input and the shrunk
// counterexample is saved (input JSON + history) with its replay command.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import type { Verdict } from '../harness/checkers/verdict.js';
import { toJsonl } from '../harness/history/recorder.js';
import type { Variant } from '../proto/contract.js';
import { deriveSeed } from '../reference/prng.js';
import type { CaseResult } from '../reports/model.js';
import type { CaseContext, CaseDef, GenContext, Outcome } from './model.js';
import { SEVERITY } from './model.js';

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
}

/** What a counterexample file holds; `gossipcheck replay FILE` reads it. */
export interface CounterexampleFile {
  kit: 'gossipcheck';
  case: string;
  variant: Variant;
  input: unknown;
  fastCheck: { seed: number; path: string };
  impl: string | null;
  callTimeoutMs: number;
  maxNodes: number;
  minRounds: number;
  verdict: string;
  evidence: Verdict['evidence'];
}

export const slug = (id: string, variant: Variant) => `${id.replaceAll('/', '--')}--${variant}`;

/** fast-check takes a 32-bit seed. */
export function caseSeed(runSeed: number, id: string, variant: Variant): number {
  return deriveSeed(runSeed, `${id}[${variant}]`) | 0;
}

function failure(message: string): Outcome {
  const check: Verdict = {
    id: 'run/completed',
    requirement: 'The IUT answers every call within its deadline and does not exit.',
    level: 'MUST',
    verdict: 'FAIL',
    source: 'GossipNode contract (proto/gossipcheck/v1/gossip.proto)',
    evidence: { expected: 'an answer', observed: message, details: [] },
  };
  return { verdict: 'FAIL', checks: [check], events: [] };
}

/** Failures that mean the IUT is gone or hung, not that it answered wrongly. */
const UNUSABLE = /did not answer within|unavailable|exited|ECONNREFUSED|No connection established/i;

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
  if (ctx.broken) return failure(`not run: the IUT stopped answering earlier (${ctx.broken})`);
  let outcome: Outcome;
  try {
    outcome = await def.check(input, variant, ctx);
  } catch (err) {
    outcome = failure(err instanceof Error ? err.message : String(err));
  }
  const completed = outcome.checks.find((c) => c.id === 'run/completed' && c.verdict === 'FAIL');
  if (completed && UNUSABLE.test(completed.evidence.observed)) ctx.broken = completed.evidence.observed;
  return outcome;
}

/** One line of evidence from the checks that decided the verdict. */
function evidenceOf(outcome: Outcome): Verdict['evidence'] {
  // The case's own checks speak first; run/completed only when it decided.
  const decisive =
    outcome.checks.find((c) => c.id !== 'run/completed' && c.verdict === outcome.verdict) ??
    outcome.checks.find((c) => c.verdict === outcome.verdict) ??
    outcome.checks[0];
  if (!decisive) return { expected: '-', observed: '-', details: [] };
  const others = outcome.checks
    .filter((c) => c !== decisive)
    .map((c) => `${c.id}: ${c.verdict} (${c.evidence.observed})`);
  return {
    expected: decisive.evidence.expected,
    observed: `${decisive.id}: ${decisive.evidence.observed}`,
    details: [...decisive.evidence.details.slice(0, 10), ...others],
  };
}

function writeHistory(outDir: string, rel: string, outcome: Outcome): string | undefined {
  if (outcome.events.length === 0) return undefined;
  mkdirSync(join(outDir, rel, '..'), { recursive: true });
  writeFileSync(join(outDir, rel), toJsonl(outcome.events));
  return rel;
}

export async function checkCase(
  def: CaseDef<unknown>,
  variant: Variant,
  ctx: CaseContext,
  opts: PropertyOptions,
): Promise<CaseResult> {
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
  const why = !ctx.capabilities.variants.includes(variant)
    ? `variant ${variant} not declared`
    : !ctx.capabilities.lockstep
      ? 'lockstep not declared'
      : (def.unsupported?.(ctx.capabilities, variant) ?? null);
  if (why) {
    return {
      ...base,
      verdict: 'UNSUPPORTED',
      runs: 0,
      evidence: { expected: 'declared', observed: why, details: [] },
    };
  }

  const gen: GenContext = {
    capabilities: ctx.capabilities,
    minNodes: opts.minNodes,
    maxNodes: opts.maxNodes,
  };
  const name = slug(def.id, variant);
  let first: Outcome | undefined;
  let worstPassing: Outcome | undefined;
  const property = fc.asyncProperty(def.arbitrary(variant, gen), async (input) => {
    const outcome = await safeCheck(def, input, variant, ctx);
    first ??= outcome;
    if (outcome.verdict !== 'FAIL') {
      const rank = (o: Outcome) => SEVERITY.indexOf(o.verdict);
      if (!worstPassing || rank(outcome) < rank(worstPassing)) worstPassing = outcome;
    }
    return outcome.verdict !== 'FAIL';
  });
  const details = await fc.check(property, { seed, numRuns: opts.runs });

  if (details.failed && details.counterexample) {
    const [input] = details.counterexample;
    // Run the shrunk input once more: its history and evidence are what the report shows.
    const outcome = await safeCheck(def, input, variant, ctx);
    const history = writeHistory(opts.outDir, `counterexamples/${name}.jsonl`, outcome);
    const evidence = evidenceOf(outcome);
    const file = `counterexamples/${name}.json`;
    const saved: CounterexampleFile = {
      kit: 'gossipcheck',
      case: def.id,
      variant,
      input,
      fastCheck: { seed: details.seed, path: details.counterexamplePath ?? '' },
      impl: opts.impl,
      callTimeoutMs: ctx.callTimeoutMs,
      maxNodes: opts.maxNodes,
      minRounds: opts.minRounds,
      verdict: outcome.verdict,
      evidence,
    };
    mkdirSync(join(opts.outDir, 'counterexamples'), { recursive: true });
    writeFileSync(join(opts.outDir, file), `${JSON.stringify(saved, null, 2)}\n`);
    const replay = `gossipcheck replay ${join(opts.outDir, file)}`;
    evidence.details.unshift(
      `shrunk in ${details.numShrinks} steps after ${details.numRuns} runs; fast-check seed ${details.seed}, path "${details.counterexamplePath}"`,
      `input: ${JSON.stringify(input)}`,
      `replay: ${replay}`,
    );
    return {
      ...base,
      verdict: 'FAIL',
      runs: details.numRuns,
      evidence,
      history,
      counterexample: {
        seed: details.seed,
        path: details.counterexamplePath ?? '',
        file,
        replay,
        history: history ?? '',
      },
    };
  }
  if (details.failed) {
    // fast-check itself failed (e.g. the generator threw): a harness error, reported as such.
    throw new Error(`${def.id} [${variant}]: ${String(details.errorInstance ?? 'property could not run')}`);
  }
  const shown = worstPassing ?? first;
  const history = shown ? writeHistory(opts.outDir, `histories/${name}.jsonl`, shown) : undefined;
  return {
    ...base,
    verdict: shown?.verdict ?? 'PASS',
    runs: details.numRuns,
    evidence: shown ? evidenceOf(shown) : { expected: '-', observed: 'no run', details: [] },
    history,
  };
}
