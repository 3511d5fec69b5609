// `gossipcheck run --mode realtime` (and `run --impl CMD` for a node that
// declares realtime only): the realtime suites, each declared variant one
// fast-check property over generated runs on the node's own timers
// (suites/realtime/property.ts). Variants run concurrently (--jobs): a run
// waits on wall time, not CPU, and every run has its own endpoint process.
// Exit codes as for `run` (checks/gate.ts).
import { join } from 'node:path';
import { gate, nothingJudgedReason } from '../checks/gate.js';
import { REALTIME_VARIANTS, unsupportedRun } from '../checks/realtime.js';
import {
  contractNote,
  type InitResult,
  isSirVariant,
  LOSS_OF_INTEREST,
  missingCapability,
  type Variant,
} from '../proto/contract.js';
import { commandLine } from '../reports/run-info.js';
import { writeReportDir } from '../reports/write.js';
import { idsIn, noMatch } from '../suites/catalogue.js';
import { nodeIds } from '../suites/realtime/input.js';
import { cutLengths, realtimeParams } from '../suites/realtime/params.js';
import { checkRealtimeVariant } from '../suites/realtime/property.js';
import { matchesPrefix } from '../suites/registry.js';
import { type CaseResult, caseResult, runReport } from '../suites/result.js';
import { KIT_ROOT } from './docker-image.js';
import { GATE_FLAGS, gateHelp, gateOptions, printGate } from './gate-flags.js';
import { probe, startImpl } from './iut.js';
import { runsFlag, SHRINK_BUDGET_HELP, shrinkBudgetFlag } from './property-flags.js';
import { claimOutDir } from './run/out-dir.js';
import { printSummary } from './summary.js';
import { choiceFlag, durationFlag, intFlag, parseFlags, printHelp, UsageError } from './usage.js';

const FLAGS = {
  mode: { type: 'string' },
  impl: { type: 'string' },
  case: { type: 'string', multiple: true },
  variant: { type: 'string', multiple: true },
  runs: { type: 'string' },
  seed: { type: 'string' },
  nodes: { type: 'string' },
  'min-nodes': { type: 'string' },
  jobs: { type: 'string' },
  period: { type: 'string' },
  fanout: { type: 'string' },
  'rumor-k': { type: 'string' },
  'loss-of-interest': { type: 'string' },
  'shrink-budget': { type: 'string' },
  timeout: { type: 'string' },
  'startup-timeout': { type: 'string' },
  out: { type: 'string' },
  summary: { type: 'string' },
  ...GATE_FLAGS,
} as const;

const HELP = `usage: gossipcheck run --mode realtime [flags]
       gossipcheck run --impl "<command>"   (a node that declares realtime only)

The realtime suites: nodes on their own timers; every declared variant is one
property over --runs generated runs (cluster size, writes, a fault schedule in
gossip periods: partitions incl. one-way and ones longer than SWIM's time to
declare a member dead, loss, delay, duplication, reorder, pause, crash and
restart, join, leave), each judged by every realtime check; a failure is shrunk
within --shrink-budget and saved for gossipcheck replay.

  --impl "<command>"     the endpoint ({listen} is replaced by HOST:PORT), started afresh for every
                         run (default: the built-in reference, gossipcheck serve-reference)
  --case PREFIX          only report cases whose id is PREFIX or starts with PREFIX/ (repeatable)
  --variant V            only variant V (repeatable): ${REALTIME_VARIANTS.join(', ')}
  --runs N               generated runs per variant (default 10)
  --seed S               run seed (default 1): the same seed generates the same runs
  --nodes N              largest cluster drawn, 3..64 (default 5)
  --min-nodes N          smallest cluster drawn (default 3)
  --jobs N               variants run at once (default 4)
  --period MS            the gossip period declared to the node (default 100)
  --fanout K             peers per period (default 2)
  --rumor-k K            rumor variants: the loss-of-interest parameter (default 2)
  --loss-of-interest R   rumor variants: ${LOSS_OF_INTEREST.join(', ')}
                         (default: the first the node declares)
  --shrink-budget S      ${SHRINK_BUDGET_HELP}
  --timeout MS           deadline of every call to the node (default 2000)
  --startup-timeout MS   how long the endpoint may take to listen (default 15000)
  --out DIR              report directory (default gossipcheck-report); replaced by each run
${gateHelp(25)}
  --summary FILE         also write a markdown summary
durations take a unit too: 1500ms, 1.5s, 2m, 1h (a bare number is in the unit shown)`;

const splitList = (values: string[] | undefined) =>
  (values ?? []).flatMap((v) => v.split(',')).filter(Boolean);

/** Flags only the realtime suites take: with them, `run --impl` asks the node first which suites it gets. */
export const REALTIME_ONLY_FLAGS = [
  'period',
  'fanout',
  'rumor-k',
  'loss-of-interest',
  'shrink-budget',
] as const;

/** Whether an --impl node declares realtime and not lockstep (then `run` means the realtime suites). */
export async function declaresRealtimeOnly(impl: string, startupTimeoutMs: number): Promise<boolean> {
  const iut = await startImpl(impl, startupTimeoutMs, 5000);
  try {
    const c = (await probe(iut.endpoint)).capabilities;
    return c.realtime && !c.lockstep;
  } catch {
    return false; // the lockstep path reports an IUT that cannot Init
  } finally {
    await iut.close();
  }
}

export async function runRealtimeCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, FLAGS);
  if (printHelp(values, HELP)) return 0;
  if (values.mode !== undefined && values.mode !== 'realtime')
    throw new UsageError(`--mode must be lockstep or realtime, got '${values.mode}'`);
  const cases = splitList(values.case);
  const none = noMatch('realtime', cases);
  if (none) throw new UsageError(none);
  const variants = splitList(values.variant).map(
    (v) => choiceFlag('variant', v, REALTIME_VARIANTS) as Variant,
  );
  const maxNodes = intFlag('nodes', values.nodes, 5, 3, 64);
  const minNodes = intFlag('min-nodes', values['min-nodes'], 3, 3, maxNodes);
  const runs = runsFlag(values.runs);
  const seed = intFlag('seed', values.seed, 1, 0, Number.MAX_SAFE_INTEGER);
  const jobs = intFlag('jobs', values.jobs, 4, 1, 64);
  const fanout = intFlag('fanout', values.fanout, 2, 1, 64);
  const rumorK = intFlag('rumor-k', values['rumor-k'], 2, 1, 1000);
  const chosenRule = choiceFlag('loss-of-interest', values['loss-of-interest'], LOSS_OF_INTEREST);
  const ms = (name: string, raw: string | undefined, fallbackMs: number, bare: 'ms' | 's', minMs = 1) =>
    durationFlag(name, raw, { bare, fallbackMs, minMs, maxMs: 3_600_000 });
  const periodMs = ms('period', values.period, 100, 'ms', 10);
  const shrinkBudgetMs = shrinkBudgetFlag(values['shrink-budget']);
  const callTimeoutMs = ms('timeout', values.timeout, 2000, 'ms');
  const startupTimeoutMs = ms('startup-timeout', values['startup-timeout'], 15_000, 'ms');
  const gateOpts = gateOptions(values);
  const impl = values.impl ?? null;
  const command =
    impl ?? `node ${join(KIT_ROOT, 'dist', 'cli', 'main.js')} serve-reference --listen {listen}`;
  const startedAt = new Date();
  const out = claimOutDir(values.out ?? 'gossipcheck-report');

  let declared: InitResult;
  const iut = await startImpl(command, startupTimeoutMs, callTimeoutMs);
  try {
    declared = await probe(iut.endpoint);
  } catch (err) {
    out.discard();
    throw new UsageError(`cannot start --impl: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    await iut.close();
  }
  const caps = declared.capabilities;
  const wanted = (variants.length ? variants : REALTIME_VARIANTS).filter(
    (v) => caps.variants.includes(v) || variants.length,
  );
  const ids = idsIn('realtime').filter((id) => matchesPrefix(id, cases));
  const results: CaseResult[] = [];
  const plans: { variant: Variant; run: () => Promise<CaseResult[]> }[] = [];
  for (const variant of wanted) {
    const rules = caps.lossOfInterest;
    const lossOfInterest =
      chosenRule ?? (isSirVariant(variant) && rules.length ? rules[0] : LOSS_OF_INTEREST[0]);
    const missing = missingCapability(
      caps,
      variant,
      'realtime',
      isSirVariant(variant) ? lossOfInterest : undefined,
    );
    if (missing) {
      for (const v of unsupportedRun(variant, missing))
        if (cases.length === 0 || ids.includes(v.id)) results.push(caseResult(v, { variant, seed, runs: 0 }));
      continue;
    }
    const params = realtimeParams({
      variant,
      fanout,
      periodMs,
      lossOfInterest,
      rumorK,
      antiEntropyEvery: 3,
    });
    plans.push({
      variant,
      run: () =>
        checkRealtimeVariant({
          variant,
          params,
          seed,
          runs,
          timing: {
            minNodes,
            maxNodes,
            ...(params.membership
              ? cutLengths(params.membership, periodMs, maxNodes)
              : { shortCut: 0, longCut: 0 }),
            harnessTransport: true,
            writes: variant !== 'membership-swim',
          },
          shrinkBudgetMs,
          command,
          impl,
          durable: caps.durableRestart,
          callTimeoutMs,
          startupTimeoutMs,
          outDir: out.staging,
          replayDir: out.final,
          ids: cases.length ? ids : undefined,
          onRun: (done, e) =>
            process.stderr.write(
              `  [${variant}] run ${done}: ${e.outcome.completed ? 'completed' : `aborted (${e.outcome.reason})`} in ${(e.elapsedMs / 1000).toFixed(1)} s, ${
                e.verdicts
                  .filter((v) => v.verdict === 'FAIL')
                  .map((v) => `FAIL ${v.id}`)
                  .join(', ') || 'no failure'
              }, harness lag: longest stall ${e.lag.maxMs} ms, ${e.lag.totalMs} ms in all\n`,
            ),
        }),
    });
  }
  process.stderr.write(
    `gossipcheck: realtime suites for ${declared.implementation} ${declared.version}: ${plans.map((p) => p.variant).join(', ') || 'no variant'}; ${runs} runs each, ${nodeIds(minNodes).length}..${maxNodes} nodes, period ${periodMs} ms, ${Math.min(jobs, plans.length || 1)} at a time\n`,
  );
  let next = 0;
  let harnessError: Error | null = null;
  const worker = async () => {
    while (next < plans.length && !harnessError) {
      const p = plans[next++];
      try {
        results.push(...(await p.run()));
      } catch (err) {
        harnessError ??= err instanceof Error ? err : new Error(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, Math.max(1, plans.length)) }, worker));
  const order = idsIn('realtime');
  results.sort(
    (a, b) =>
      REALTIME_VARIANTS.indexOf(a.variant) - REALTIME_VARIANTS.indexOf(b.variant) ||
      order.indexOf(a.id) - order.indexOf(b.id),
  );
  const judged = gate(results, gateOpts);
  const warnings: string[] = [];
  const contract = contractNote(
    declared.contractVersion ?? '',
    results.filter((r) => r.verdict === 'FAIL').map((r) => r.id),
  );
  // Before the nothing-judged reason: the gate's last line shows the last warning.
  if (contract) warnings.unshift(contract);
  if (judged.failing.length === 0 && judged.nothingJudged) warnings.push(nothingJudgedReason(results, caps));
  for (const w of warnings) process.stderr.write(`gossipcheck: warning: ${w}\n`);
  const report = runReport({
    implementation: { name: declared.implementation, version: declared.version, capabilities: caps },
    seed,
    command: commandLine('run', argv),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    status: harnessError ? 'harness-error' : 'completed',
    ...(harnessError ? { statusReason: String((harnessError as Error).stack ?? harnessError) } : {}),
    warnings,
    results,
    ...gateOpts,
  });
  await writeReportDir(out.staging, report, values.summary ? { summary: values.summary } : {});
  out.commit();
  printSummary(report, {
    reportPath: join(out.final, 'index.html'),
    elapsedMs: Date.now() - startedAt.getTime(),
    jobs,
  });
  if (harnessError) {
    process.stderr.write(`gossipcheck: harness error: ${(harnessError as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  printGate(judged, warnings[warnings.length - 1]);
  return judged.code;
}
