// `gossipcheck run`: the conformance suites (vitest files under suites/, each
// case a fast-check property) against the built-in reference, in-process, or
// an external endpoint command (--impl). Writes a report directory.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Capabilities, type GossipEndpoint, VARIANTS, type Variant } from '../../proto/contract.js';
import { builtInReference } from '../../reference/built-in.js';
import { type CaseResult, countVerdicts, gateExitCode, type RunReport } from '../../reports/model.js';
import { commandLine, KIT_VERSION } from '../../reports/run-info.js';
import { writeReportDir } from '../../reports/write.js';
import { ALL_CASES, SUITE_NAMES, selected } from '../../suites/registry.js';
import { SESSION_ENV, type Session } from '../../suites/session.js';
import type { SpawnedEndpoint } from '../backends/process.js';
import { probe, startImpl } from './iut.js';
import { runMaelstromCommand } from './run-maelstrom.js';
import { choiceFlag, intFlag, parseFlags, UsageError } from './usage.js';

/** The kit's own directory (dist/harness/cli -> ../../..), where dist/suites lives. */
const KIT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

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
  out: { type: 'string' },
  strict: { type: 'boolean' },
  'expect-fail': { type: 'string' },
  summary: { type: 'string' },
  help: { type: 'boolean' },
} as const;

const HELP = `usage: gossipcheck run [flags]
  --impl "<command>"     IUT endpoint command (default: the built-in reference, in-process); it serves
                         GossipNode on $GOSSIPCHECK_LISTEN (or {listen} / {port} in the command)
  --suite S              only suite S (repeatable): ${SUITE_NAMES.join(', ')}
  --case PREFIX          only cases whose id starts with PREFIX (repeatable)
  --variant V            only variant V (repeatable): ${VARIANTS.join(', ')}
  --runs N               property runs per case and variant (default 10)
  --seed S               run seed (default 1); the same seed replays the same histories
  --nodes N              largest cluster the generators draw, 3..256 (default 10)
  --min-nodes N          smallest cluster the generators draw (default 3)
  --rounds R             every lockstep run lasts at least R rounds
  --timeout MS           deadline of every call to the IUT (default 10000)
  --startup-timeout MS   how long an --impl command may take to listen (default 15000)
  --out DIR              report directory (default gossipcheck-report)
  --strict               a missed SHOULD (NON-STRICT) fails the gate too
  --expect-fail FILE     known failures, one "case-id" or "case-id [variant]" a line; shown, not gating
  --summary FILE         also write a markdown summary (for a CI step summary)
  --maelstrom "<command>" check a Maelstrom broadcast node instead (gossipcheck run --maelstrom x --help)`;

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
  timeoutMs: number;
  startupTimeoutMs: number;
  out: string;
  strict: boolean;
  expectFail: Set<string>;
  summary: string | null;
}

const splitList = (values: string[] | undefined) =>
  (values ?? []).flatMap((v) => v.split(',')).filter(Boolean);

function readExpectFail(file: string | undefined): Set<string> {
  if (!file) return new Set();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`--expect-fail: cannot read ${file}`);
  }
  return new Set(
    text
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean),
  );
}

function parseConfig(argv: string[]): RunConfig | null {
  const { values } = parseFlags(argv, FLAGS);
  if (values.help) return null;
  const suites = splitList(values.suite);
  for (const s of suites)
    if (!(SUITE_NAMES as string[]).includes(s))
      throw new UsageError(`--suite: unknown suite '${s}' (suites: ${SUITE_NAMES.join(', ')})`);
  const cases = splitList(values.case);
  const variants = splitList(values.variant).map((v) => choiceFlag('variant', v, VARIANTS) as Variant);
  if (!ALL_CASES.some((c) => selected(c.id, suites, cases))) {
    throw new UsageError(
      `no case matches --suite ${suites.join(',') || '*'} --case ${cases.join(',') || '*'} (see gossipcheck list)`,
    );
  }
  const maxNodes = intFlag('nodes', values.nodes, 10, 3, 256);
  return {
    impl: values.impl ?? null,
    suites,
    cases,
    variants,
    runs: intFlag('runs', values.runs, 10, 1, 100_000),
    seed: intFlag('seed', values.seed, 1, 0, Number.MAX_SAFE_INTEGER),
    maxNodes,
    minNodes: intFlag('min-nodes', values['min-nodes'], 3, 3, maxNodes),
    minRounds: intFlag('rounds', values.rounds, 0, 1, 100_000),
    timeoutMs: intFlag('timeout', values.timeout, 10_000, 1, 3_600_000),
    startupTimeoutMs: intFlag('startup-timeout', values['startup-timeout'], 15_000, 1, 3_600_000),
    out: values.out ?? 'gossipcheck-report',
    strict: values.strict ?? false,
    expectFail: readExpectFail(values['expect-fail']),
    summary: values.summary ?? null,
  };
}

/** Runs the suite files through vitest's Node API; results come back through the session's results file. */
async function runSuites(session: Session): Promise<void> {
  const { startVitest } = await import('vitest/node');
  const dir = dirname(session.resultsFile);
  const sessionFile = join(dir, 'session.json');
  writeFileSync(sessionFile, JSON.stringify(session));
  process.env[SESSION_ENV] = sessionFile;
  const vitest = await startVitest('test', [], {
    root: KIT_ROOT,
    config: false,
    watch: false,
    include: ['dist/suites/*.suite.js'],
    exclude: [],
    reporters: [process.stdout.isTTY ? 'default' : 'dot'],
    // One external IUT serves every case: cases must not interleave on it.
    fileParallelism: session.address === null,
    maxWorkers: session.address === null ? 2 : 1,
    passWithNoTests: true,
  });
  await vitest?.close();
}

function readResults(file: string): CaseResult[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as CaseResult);
}

/** Report order: suites and cases as registered, then variants as declared in the contract. */
function sortResults(results: CaseResult[]): CaseResult[] {
  const order = new Map(ALL_CASES.map((c, i) => [c.id, i]));
  return results.sort(
    (a, b) =>
      (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0) ||
      VARIANTS.indexOf(a.variant) - VARIANTS.indexOf(b.variant),
  );
}

function initFailure(message: string, seed: number): CaseResult {
  return {
    id: 'run/init',
    requirement: 'The IUT answers Init and declares its capabilities.',
    level: 'MUST',
    verdict: 'FAIL',
    source: 'GossipNode contract (proto/gossipcheck/v1/gossip.proto)',
    evidence: { expected: 'an InitResponse', observed: message, details: [] },
    suite: 'run',
    variant: VARIANTS[0],
    runs: 0,
    judged: 1,
    seed,
  };
}

export async function runCommand(argv: string[]): Promise<number> {
  // Maelstrom nodes (stdin/stdout JSON) are checked in realtime by their own runner.
  if (argv.some((a) => a === '--maelstrom' || a.startsWith('--maelstrom='))) return runMaelstromCommand(argv);
  const config = parseConfig(argv);
  if (!config) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const spawned = config.impl
    ? await startImpl(config.impl, config.startupTimeoutMs, config.timeoutMs)
    : null;
  const endpoint: GossipEndpoint = spawned?.endpoint ?? builtInReference();
  const work = mkdtempSync(join(tmpdir(), 'gossipcheck-run-'));
  let results: CaseResult[] = [];
  let implementation = { name: 'unknown', version: '', capabilities: null as Capabilities | null };
  try {
    try {
      const init = await probe(endpoint);
      implementation = { name: init.implementation, version: init.version, capabilities: init.capabilities };
    } catch (err) {
      results.push(
        initFailure(withExit(err instanceof Error ? err.message : String(err), spawned), config.seed),
      );
    }
    if (implementation.capabilities) {
      const capabilities = { ...implementation.capabilities };
      if (config.variants.length)
        capabilities.variants = capabilities.variants.filter((v) => config.variants.includes(v));
      const session: Session = {
        address: spawned?.address ?? null,
        impl: config.impl,
        capabilities,
        seed: config.seed,
        runs: config.runs,
        minNodes: config.minNodes,
        maxNodes: config.maxNodes,
        minRounds: config.minRounds,
        callTimeoutMs: config.timeoutMs,
        suites: config.suites,
        cases: config.cases,
        outDir: resolve(config.out),
        resultsFile: join(work, 'results.jsonl'),
      };
      await runSuites(session);
      results = sortResults(readResults(session.resultsFile));
      if (config.variants.length) results = results.filter((r) => config.variants.includes(r.variant));
      explainExit(results, spawned);
    }
  } finally {
    await (spawned ? spawned.close() : endpoint.close());
    rmSync(work, { recursive: true, force: true });
  }
  for (const r of results) {
    if (config.expectFail.has(r.id) || config.expectFail.has(`${r.id} [${r.variant}]`))
      r.expectedFailure = true;
  }
  const report: RunReport = {
    kit: { name: 'gossipcheck', version: KIT_VERSION },
    implementation,
    seed: config.seed,
    command: commandLine('run', argv),
    startedAt: new Date().toISOString(),
    results,
    totals: countVerdicts(results),
    strict: config.strict,
  };
  await writeReportDir(config.out, report, config.summary ? { summary: config.summary } : {});
  printSummary(report, config.out, config.strict);
  return gateExitCode(results, config.strict);
}

/** When the IUT process died, the failures it caused say so. */
function explainExit(results: CaseResult[], spawned: SpawnedEndpoint | null): void {
  const exit = spawned?.exitReason();
  if (!exit) return;
  const failure = results.find((x) => x.verdict === 'FAIL');
  if (failure) failure.evidence.observed = `${failure.evidence.observed} (${exit})`;
}

function withExit(message: string, spawned: SpawnedEndpoint | null): string {
  const exit = spawned?.exitReason();
  return exit ? `${message} (${exit})` : message;
}

function printSummary(report: RunReport, out: string, strict: boolean): void {
  const t = report.totals;
  const lines = [
    `gossipcheck ${report.kit.version}: ${report.implementation.name} ${report.implementation.version}, seed ${report.seed}`,
    `PASS ${t.PASS}  FAIL ${t.FAIL}  NON-STRICT ${t['NON-STRICT']}  INFO ${t.INFO}  UNSUPPORTED ${t.UNSUPPORTED}`,
  ];
  for (const r of report.results.filter(
    (x) => x.verdict === 'FAIL' || (strict && x.verdict === 'NON-STRICT'),
  )) {
    const known = r.expectedFailure ? ' (expected)' : '';
    lines.push(`${r.verdict}${known} ${r.id} [${r.variant}]: ${r.evidence.observed}`);
    if (r.counterexample) {
      const cx = r.counterexample;
      lines.push(`  fast-check seed ${cx.seed}, path "${cx.path}"; shrunk input: ${join(out, cx.file)}`);
      lines.push(`  replay: ${cx.replay}`);
    }
  }
  lines.push(`report: ${join(out, 'index.html')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  const gating = report.results.filter(
    (x) => (x.verdict === 'FAIL' || (strict && x.verdict === 'NON-STRICT')) && !x.expectedFailure,
  );
  if (gating.length > 0) {
    process.stderr.write(
      `gossipcheck: ${gating.length} case(s) failed; first: ${gating[0].id} [${gating[0].variant}]: ${gating[0].evidence.observed}\n`,
    );
  }
}
