// `gossipcheck run`: the conformance suites (each case a fast-check property)
// against the built-in reference, in-process, or an external endpoint
// command (--impl), on `--jobs` worker processes. Writes a report directory.
// Exit codes (docs/verdicts.md, decided by checks/gate.ts): 0 at least one
// MUST judged and held, and nothing fails the gate; 1 the gate failed (a FAIL,
// an INCONCLUSIVE MUST, nothing judged, ...); 2 usage or harness error;
// 130 / 143 interrupted.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { type GateOptions, gate, nothingJudgedReason } from '../checks/gate.js';
import type { CheckInfo, Verdict } from '../checks/verdict.js';
import { type Capabilities, contractNote, transportPath, VARIANTS, type Variant } from '../proto/contract.js';
import { commandLine } from '../reports/run-info.js';
import { writeReportDir } from '../reports/write.js';
import { findEntry, noMatch } from '../suites/catalogue.js';
import { unsupportedReason } from '../suites/property.js';
import { ALL_CASES, OPT_IN_SUITES, SUITE_NAMES, selected } from '../suites/registry.js';
import { type CaseResult, caseResult, type RunStatus, runReport } from '../suites/result.js';
import { GATE_FLAGS, gateHelp, gateOptions, printGate } from './gate-flags.js';
import { runsFlag } from './property-flags.js';
import { Progress } from './run/console.js';
import { type ExpectFail, readExpectFail } from './run/expect-fail.js';
import { claimOutDir } from './run/out-dir.js';
import { type Job, Pool, type PoolEnd } from './run/pool.js';
import { runMaelstromCommand } from './run-maelstrom.js';
import { declaresRealtimeOnly, REALTIME_ONLY_FLAGS, runRealtimeCommand } from './run-realtime.js';
import { printSummary } from './summary.js';
import { choiceFlag, durationFlag, intFlag, parseFlags, printHelp, UsageError } from './usage.js';

const FLAGS = {
  impl: { type: 'string' },
  suite: { type: 'string', multiple: true },
  case: { type: 'string', multiple: true },
  variant: { type: 'string', multiple: true },
  runs: { type: 'string' },
  seed: { type: 'string' },
  nodes: { type: 'string' },
  'min-nodes': { type: 'string' },
  rounds: { type: 'string' },
  timeout: { type: 'string' },
  'startup-timeout': { type: 'string' },
  deadline: { type: 'string' },
  jobs: { type: 'string' },
  'max-envelopes': { type: 'string' },
  out: { type: 'string' },
  ...GATE_FLAGS,
  'expect-fail': { type: 'string' },
  summary: { type: 'string' },
} as const;

const DEFAULT_JOBS = Math.max(1, Math.min(4, availableParallelism()));
const DEFAULT_DEADLINE_S = 1800;

const HELP = `usage: gossipcheck run [flags]
  --impl "<command>"     IUT endpoint command (default: the built-in reference, in-process); it serves
                         GossipNode on $GOSSIPCHECK_LISTEN (or {listen} / {port} in the command)
  --suite S              only suite S (repeatable): ${SUITE_NAMES.join(', ')}
                         (${OPT_IN_SUITES.join(', ')}: only when named here or by --case)
  --case PREFIX          only cases whose id is PREFIX or starts with PREFIX/ (repeatable)
  --variant V            only variant V (repeatable): ${VARIANTS.join(', ')}
  --runs N               property runs per case and variant (default 10)
  --seed S               run seed (default 1); the same seed replays the same histories
  --nodes N              largest cluster the generators draw, 3..256 (default 10)
  --min-nodes N          smallest cluster the generators draw (default 3)
  --rounds R             every lockstep run lasts at least R rounds
  --jobs N               worker processes, each with its own IUT process (default ${DEFAULT_JOBS})
  --timeout MS           deadline of every call to the IUT (default 10000)
  --startup-timeout MS   how long an --impl command may take to listen (default 15000)
  --deadline S           the whole run's deadline in seconds (default ${DEFAULT_DEADLINE_S}); past it, FAIL
  --max-envelopes N      envelopes a round may carry before the run FAILs (default: 64·n·(fanout+2)·(hops+1)
                         + (n-1)·writes in the round)
  --out DIR              report directory (default gossipcheck-report); replaced by each run
${gateHelp(25, true)}
  --expect-fail FILE     known failures, one "case-id" or "case-id [variant]" a line; shown, not gating
  --summary FILE         also write a markdown summary (for a CI step summary)
  --mode M               lockstep (default when the node declares it) or realtime: the realtime suites,
                         the default for a node that declares realtime only (gossipcheck run --mode realtime --help)
  --maelstrom "<command>" check a Maelstrom broadcast node instead (gossipcheck run --maelstrom x --help)
durations take a unit too: 1500ms, 1.5s, 2m, 1h (a bare number is in the unit shown)
exit: 0 at least one MUST judged and held, and nothing fails the gate; 1 gate failed (a FAIL, an
      INCONCLUSIVE MUST, nothing judged); 2 usage or harness error; 130/143 interrupted`;

interface RunConfig {
  impl: string | null;
  suites: string[];
  cases: string[];
  variants: Variant[];
  runs: number;
  seed: number;
  minNodes: number;
  maxNodes: number;
  minRounds: number;
  jobs: number;
  timeoutMs: number;
  startupTimeoutMs: number;
  deadlineMs: number;
  maxEnvelopes: number;
  out: string;
  gate: GateOptions;
  expectFail: ExpectFail | null;
  summary: string | null;
}

/** The value of `--name V` / `--name=V` in argv, before flags are parsed (to pick the command's path). */
function flagValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return undefined;
}

const splitList = (values: string[] | undefined) =>
  (values ?? []).flatMap((v) => v.split(',')).filter(Boolean);

function parseConfig(argv: string[]): RunConfig | null {
  const { values } = parseFlags(argv, FLAGS);
  if (printHelp(values, HELP)) return null;
  const suites = splitList(values.suite);
  for (const s of suites)
    if (!(SUITE_NAMES as string[]).includes(s))
      throw new UsageError(`--suite: unknown suite '${s}' (suites: ${SUITE_NAMES.join(', ')})`);
  const cases = splitList(values.case);
  const variants = splitList(values.variant).map((v) => choiceFlag('variant', v, VARIANTS) as Variant);
  const none = noMatch('lockstep', cases, suites);
  if (none) throw new UsageError(none);
  const maxNodes = intFlag('nodes', values.nodes, 10, 3, 256);
  return {
    impl: values.impl ?? null,
    suites,
    cases,
    variants,
    runs: runsFlag(values.runs),
    seed: intFlag('seed', values.seed, 1, 0, Number.MAX_SAFE_INTEGER),
    maxNodes,
    minNodes: intFlag('min-nodes', values['min-nodes'], 3, 3, maxNodes),
    minRounds: intFlag('rounds', values.rounds, 0, 1, 100_000),
    jobs: intFlag('jobs', values.jobs, DEFAULT_JOBS, 1, 64),
    timeoutMs: durationFlag('timeout', values.timeout, {
      bare: 'ms',
      fallbackMs: 10_000,
      minMs: 1,
      maxMs: 3_600_000,
    }),
    startupTimeoutMs: durationFlag('startup-timeout', values['startup-timeout'], {
      bare: 'ms',
      fallbackMs: 15_000,
      minMs: 1,
      maxMs: 3_600_000,
    }),
    deadlineMs: durationFlag('deadline', values.deadline, {
      bare: 's',
      fallbackMs: DEFAULT_DEADLINE_S * 1000,
      minMs: 1000,
      maxMs: 7 * 86_400_000,
    }),
    maxEnvelopes: intFlag('max-envelopes', values['max-envelopes'], 0, 1, 100_000_000),
    out: values.out ?? 'gossipcheck-report',
    gate: gateOptions(values),
    expectFail: values['expect-fail'] ? readExpectFail(values['expect-fail']) : null,
    summary: values.summary ?? null,
  };
}

/** Report order: suites and cases as registered, then variants as declared in the contract. */
function sortResults(results: CaseResult[]): CaseResult[] {
  const order = new Map(ALL_CASES.map((c, i) => [c.id, i]));
  return results.sort(
    (a, b) =>
      (order.get(a.id) ?? -1) - (order.get(b.id) ?? -1) ||
      VARIANTS.indexOf(a.variant) - VARIANTS.indexOf(b.variant),
  );
}

/** A result for a case that has no run of its own: UNSUPPORTED, NOT-RUN, or a run-level FAIL. */
function bare(
  job: Job,
  verdict: CaseResult['verdict'],
  expected: string,
  observed: string,
  seed: number,
): CaseResult {
  const info = findEntry(job.id) ?? RUN_INIT;
  const { id, requirement, level, source } = info;
  const v: Verdict = {
    id,
    requirement,
    level,
    source,
    verdict,
    evidence: { expected, observed, details: [] },
    judged: 0,
  };
  return caseResult(v, { variant: job.variant, seed, runs: 0 });
}

/** The run-level case of an IUT that never answers Init. */
const RUN_INIT: CheckInfo = {
  id: 'run/init',
  requirement: 'The IUT answers Init and declares its capabilities.',
  level: 'MUST',
  source: 'GossipNode contract (proto/gossipcheck/v1/gossip.proto)',
};

/** Every selected (case, variant): a job to run, or an UNSUPPORTED result. */
function plan(config: RunConfig, caps: Capabilities): { jobs: Job[]; unsupported: CaseResult[] } {
  const jobs: Job[] = [];
  const unsupported: CaseResult[] = [];
  for (const def of ALL_CASES) {
    if (!selected(def.id, config.suites, config.cases)) continue;
    for (const variant of def.variants) {
      if (config.variants.length && !config.variants.includes(variant)) continue;
      const why = unsupportedReason(def, variant, caps, config.maxNodes);
      if (why) unsupported.push(bare({ id: def.id, variant }, 'UNSUPPORTED', 'declared', why, config.seed));
      else jobs.push({ id: def.id, variant });
    }
  }
  return { jobs, unsupported };
}

const SIGNALS = { SIGINT: 130, SIGTERM: 143 } as const;

export async function runCommand(argv: string[]): Promise<number> {
  // Maelstrom nodes (stdin/stdout JSON) are checked in realtime by their own runner.
  if (argv.some((a) => a === '--maelstrom' || a.startsWith('--maelstrom='))) return runMaelstromCommand(argv);
  // Nodes on their own timers get the realtime suites: asked for, or all the node declares.
  const mode = flagValue(argv, 'mode');
  if (mode === 'realtime') return runRealtimeCommand(argv);
  if (mode !== undefined && mode !== 'lockstep')
    throw new UsageError(`--mode must be lockstep or realtime, got '${mode}'`);
  // Flags of the realtime suites only: the node must declare realtime only (else they are a usage error).
  const impl = flagValue(argv, 'impl');
  const realtimeFlag = REALTIME_ONLY_FLAGS.find((f) =>
    argv.some((a) => a === `--${f}` || a.startsWith(`--${f}=`)),
  );
  if (mode === undefined && impl !== undefined && realtimeFlag !== undefined) {
    if (await declaresRealtimeOnly(impl, 15_000)) return runRealtimeCommand(argv);
    throw new UsageError(
      `--${realtimeFlag} is for the realtime suites (--mode realtime, or a node that declares realtime only)`,
    );
  }
  const config = parseConfig(
    argv.filter((a, i) => !(a === '--mode' || a.startsWith('--mode=') || argv[i - 1] === '--mode')),
  );
  if (!config) return 0;
  const startedAt = new Date();
  const out = claimOutDir(config.out);
  if (config.impl) mkdirSync(join(out.staging, 'node-logs'));
  const progress = new Progress();
  const results: CaseResult[] = [];
  let signalCode: number | null = null;
  let unsupportedResults: CaseResult[] = [];
  let realtimeOnly = false;
  const pool = new Pool(
    (i) => ({
      impl: config.impl,
      cwd: process.cwd(),
      startupTimeoutMs: config.startupTimeoutMs,
      callTimeoutMs: config.timeoutMs,
      seed: config.seed,
      runs: config.runs,
      minNodes: config.minNodes,
      maxNodes: config.maxNodes,
      minRounds: config.minRounds,
      maxEnvelopesPerRound: config.maxEnvelopes,
      writeDir: out.staging,
      outDir: config.out,
      logFile: config.impl ? join(out.staging, 'node-logs', `job-${i + 1}.log`) : null,
      variants: config.variants.length ? config.variants : null,
    }),
    config.jobs,
    {
      plan(declared) {
        // A node on its own timers only: no lockstep case runs; the realtime suites do (below).
        const caps = declared.capabilities;
        if (mode === undefined && config.impl && caps.realtime && !caps.lockstep) {
          realtimeOnly = true;
          return [];
        }
        const p = plan(config, caps);
        unsupportedResults = p.unsupported;
        progress.setTotal(p.jobs.length);
        return p.jobs;
      },
      started: (job) => progress.started(`${job.id} [${job.variant}]`),
      result(r) {
        progress.finished(r);
        results.push(r);
      },
    },
  );
  const onSignal = (signal: keyof typeof SIGNALS) => () => {
    if (signalCode !== null) return;
    signalCode = SIGNALS[signal];
    pool.stop({ status: 'aborted', reason: `interrupted by ${signal}` });
  };
  const handlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM') };
  process.on('SIGINT', handlers.SIGINT);
  process.on('SIGTERM', handlers.SIGTERM);
  const lastResort = () => pool.killAll();
  process.on('exit', lastResort);
  const deadline = setTimeout(
    () =>
      pool.stop({ status: 'deadline', reason: `the run's deadline of ${config.deadlineMs / 1000} s passed` }),
    config.deadlineMs,
  );
  let end: PoolEnd;
  try {
    end = await pool.run();
  } finally {
    clearTimeout(deadline);
    process.off('SIGINT', handlers.SIGINT);
    process.off('SIGTERM', handlers.SIGTERM);
    process.off('exit', lastResort);
    progress.clear();
  }

  if (realtimeOnly && end.status === 'completed') {
    out.discard();
    return runRealtimeCommand(argv);
  }
  if (end.status === 'startup-failed' && !end.init) {
    out.discard();
    throw new UsageError(`cannot start --impl: ${end.reason}`);
  }
  const status: RunStatus = end.status === 'startup-failed' ? 'completed' : end.status;
  if (end.status === 'startup-failed') {
    results.push(
      bare({ id: 'run/init', variant: VARIANTS[0] }, 'FAIL', 'an InitResponse', end.reason, config.seed),
    );
  }
  // Cases that were running when the run stopped, and those never started.
  for (const { job, ranMs } of pool.interrupted) {
    if (end.status === 'deadline')
      results.push(
        bare(
          job,
          'FAIL',
          `the whole run within ${config.deadlineMs / 1000} s (--deadline)`,
          `${end.reason} while this case ran (${(ranMs / 1000).toFixed(1)} s into it)`,
          config.seed,
        ),
      );
    else
      results.push(
        bare(job, 'NOT-RUN', 'run', `not finished: ${'reason' in end ? end.reason : ''}`, config.seed),
      );
  }
  const broken = results.find((r) => r.verdict === 'FAIL' && /became unusable/.test(r.evidence.observed));
  for (const job of pool.notStarted()) {
    const why =
      end.status === 'completed' && broken
        ? `not run: the IUT became unusable in ${broken.id} [${broken.variant}]`
        : `not run: ${'reason' in end ? end.reason : 'the run stopped'}`;
    results.push(bare(job, 'NOT-RUN', 'run', why, config.seed));
  }
  results.push(...unsupportedResults);
  sortResults(results);

  const warnings: string[] = [];
  if (config.expectFail) warnings.push(...config.expectFail.apply(results));
  const declared = pool.declared;
  // First: the gate's last line shows the last warning (the expect-fail or nothing-judged reason).
  const contract =
    declared &&
    contractNote(
      declared.contractVersion,
      results.filter((r) => r.verdict === 'FAIL').map((r) => r.id),
    );
  if (contract) warnings.unshift(contract);
  const calls = pool.transport();
  const transport = calls ? { path: transportPath(calls), ...calls } : undefined;
  if (transport?.fallbacks)
    warnings.unshift(
      `the endpoint serves the Session stream but answered ${transport.fallbacks} call(s) on it UNIMPLEMENTED: those went unary, the slow path (docs/implementers-guide.md, "Session")`,
    );
  // An expected failure neither fails the gate nor counts as a MUST that held.
  const judged = gate(results, { ...config.gate, staleExpectFail: config.expectFail?.stale });
  if (declared && judged.failing.length === 0 && judged.nothingJudged && status === 'completed')
    warnings.push(nothingJudgedReason(results, declared.capabilities));
  for (const w of warnings) process.stderr.write(`gossipcheck: warning: ${w}\n`);

  const report = runReport({
    implementation: {
      name: declared?.implementation ?? 'unknown',
      version: declared?.version ?? '',
      capabilities: declared?.capabilities ?? null,
    },
    seed: config.seed,
    command: commandLine('run', argv),
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    status,
    ...(status !== 'completed' ? { statusReason: 'reason' in end ? end.reason : '' } : {}),
    warnings,
    ...(transport ? { transport } : {}),
    ...(config.impl ? { nodeLogs: nodeLogs(out.staging) } : {}),
    results,
    ...config.gate,
  });
  try {
    await writeReportDir(out.staging, report, config.summary ? { summary: config.summary } : {});
    out.commit();
  } catch (err) {
    out.discard();
    throw new Error(
      `cannot write the report to ${config.out}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  printSummary(report, {
    reportPath: join(config.out, 'index.html'),
    elapsedMs: Date.now() - startedAt.getTime(),
    jobs: config.jobs,
  });

  // Interrupted through a worker first (the signal reached the whole group).
  if (signalCode === null && end.status === 'aborted') signalCode = /SIGTERM/.test(end.reason) ? 143 : 130;
  if (signalCode !== null) {
    process.stderr.write(`gossipcheck: interrupted; partial report marked aborted in ${config.out}\n`);
    return signalCode;
  }
  if (status === 'harness-error') {
    // One line on stderr; the whole trace is in the report's status.
    process.stderr.write(
      `gossipcheck: harness error: ${('reason' in end ? end.reason : '').split('\n')[0]}\n`,
    );
    return 2;
  }
  printGate(judged, warnings[warnings.length - 1]);
  return judged.code;
}

function nodeLogs(dir: string): string[] {
  const sub = join(dir, 'node-logs');
  return existsSync(sub)
    ? readdirSync(sub)
        .sort()
        .map((f) => `node-logs/${f}`)
    : [];
}
