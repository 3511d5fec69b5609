// `gossipcheck run`: every declared variant through the lockstep scenarios,
// against the built-in reference (in-process) or an external endpoint command
// (--impl). Writes DIR/history.jsonl, DIR/report.json and DIR/index.html.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Capabilities,
  DEFAULT_MAX_PAYLOAD_BYTES,
  type GossipEndpoint,
  LOSS_OF_INTEREST,
  type NodeId,
  type Parameters,
  VARIANTS,
  type Variant,
} from '../../proto/contract.js';
import { ReferenceHost } from '../../reference/host.js';
import { deriveSeed } from '../../reference/prng.js';
import { type CaseResult, countVerdicts, gateExitCode, type RunReport } from '../../reports/model.js';
import { writeReportDir } from '../../reports/write.js';
import { scenariosFor } from '../../suites/scenarios.js';
import { type SpawnedEndpoint, spawnEndpoint } from '../backends/process.js';
import { checkHistory } from '../checkers/index.js';
import type { Verdict } from '../checkers/verdict.js';
import type { HistoryEvent } from '../history/events.js';
import { serializeEvent } from '../history/recorder.js';
import { runLockstep } from '../runner/lockstep.js';
import { choiceFlag, intFlag, parseFlags, UsageError } from './usage.js';

export const KIT_VERSION = '0.1.0';

const FLAGS = {
  impl: { type: 'string' },
  variant: { type: 'string' },
  nodes: { type: 'string' },
  seed: { type: 'string' },
  rounds: { type: 'string' },
  fanout: { type: 'string' },
  k: { type: 'string' },
  'loss-of-interest': { type: 'string' },
  'anti-entropy-every': { type: 'string' },
  timeout: { type: 'string' },
  'startup-timeout': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean' },
} as const;

const HELP = `usage: gossipcheck run [flags]
  --impl "<command>"        IUT endpoint command (default: the built-in reference, in-process);
                            it must serve GossipNode on $GOSSIPCHECK_LISTEN (or {listen} / {port} in the command)
  --variant V               one of ${VARIANTS.join(', ')} (default: every variant)
  --nodes N                 nodes per scenario, 1..4096 (default 16)
  --seed S                  run seed (default 1); the same seed replays the same history
  --rounds R                override every scenario's length in rounds
  --fanout F                peers per gossip period (default 1)
  --k K                     rumor mongering loss-of-interest parameter (default 3)
  --loss-of-interest L      ${LOSS_OF_INTEREST.join(', ')} (default feedback-counter)
  --anti-entropy-every E    hybrid: anti-entropy every E periods (default 4)
  --timeout MS              deadline of every call to the IUT (default 10000)
  --startup-timeout MS      how long an --impl command may take to listen (default 15000)
  --out DIR                 report directory (default gossipcheck-report)`;

interface RunConfig {
  impl: string | null;
  variants: Variant[];
  nodes: NodeId[];
  seed: number;
  rounds: number | null;
  base: Omit<Parameters, 'variant'>;
  timeoutMs: number;
  startupTimeoutMs: number;
  out: string;
}

function parseConfig(argv: string[]): RunConfig | null {
  const { values } = parseFlags(argv, FLAGS);
  if (values.help) return null;
  const variant = choiceFlag('variant', values.variant, VARIANTS);
  const n = intFlag('nodes', values.nodes, 16, 1, 4096);
  return {
    impl: values.impl ?? null,
    variants: variant ? [variant] : [...VARIANTS],
    nodes: Array.from({ length: n }, (_, i) => `n${i}`),
    seed: intFlag('seed', values.seed, 1, 0, Number.MAX_SAFE_INTEGER),
    rounds: values.rounds === undefined ? null : intFlag('rounds', values.rounds, 0, 1, 1_000_000),
    base: {
      fanout: intFlag('fanout', values.fanout, 1, 1, 1024),
      periodMs: 0,
      lossOfInterest:
        choiceFlag('loss-of-interest', values['loss-of-interest'], LOSS_OF_INTEREST) ?? 'feedback-counter',
      rumorK: intFlag('k', values.k, 3, 1, 1000),
      antiEntropyEvery: intFlag('anti-entropy-every', values['anti-entropy-every'], 4, 1, 1000),
      maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
    },
    timeoutMs: intFlag('timeout', values.timeout, 10_000, 1, 3_600_000),
    startupTimeoutMs: intFlag('startup-timeout', values['startup-timeout'], 15_000, 1, 3_600_000),
    out: values.out ?? 'gossipcheck-report',
  };
}

/** Full mesh: every node may contact every other. */
function fullMesh(nodes: NodeId[]): Record<NodeId, NodeId[]> {
  return Object.fromEntries(nodes.map((id) => [id, nodes.filter((p) => p !== id)]));
}

function unsupported(variant: Variant, caps: Capabilities | null, seed: number): CaseResult {
  return {
    id: 'capabilities/variant',
    requirement: `The implementation runs variant ${variant} if it declares it.`,
    level: 'MUST',
    verdict: 'UNSUPPORTED',
    source: 'Init capabilities',
    evidence: {
      expected: `${variant} declared`,
      observed: caps ? `declared: ${caps.variants.join(', ') || 'none'}` : 'no capabilities',
      details: [],
    },
    scenario: '-',
    suite: 'capabilities',
    runs: 0,
    variant,
    seed,
  };
}

function harnessFailure(variant: Variant, scenario: string, seed: number, message: string): CaseResult {
  return {
    id: 'run/completed',
    requirement: 'The IUT answers every call of the run within its deadline and does not exit.',
    level: 'MUST',
    verdict: 'FAIL',
    source: 'GossipNode contract (proto/gossipcheck/v1/gossip.proto)',
    evidence: { expected: 'a completed run', observed: message, details: [] },
    scenario,
    suite: 'run',
    runs: 1,
    variant,
    seed,
  };
}

export async function runCommand(argv: string[]): Promise<number> {
  const config = parseConfig(argv);
  if (!config) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  await mkdir(config.out, { recursive: true });
  let spawned: SpawnedEndpoint | null = null;
  let endpoint: GossipEndpoint;
  if (config.impl) {
    try {
      spawned = await spawnEndpoint(config.impl, {
        startupTimeoutMs: config.startupTimeoutMs,
        callTimeoutMs: config.timeoutMs,
      });
    } catch (err) {
      throw new UsageError(`cannot start --impl: ${err instanceof Error ? err.message : String(err)}`);
    }
    endpoint = spawned.endpoint;
  } else {
    endpoint = new ReferenceHost();
  }

  const history: string[] = [];
  const results: CaseResult[] = [];
  let implementation = { name: 'unknown', version: '', capabilities: null as Capabilities | null };
  try {
    outer: for (const variant of config.variants) {
      const params: Parameters = { variant, ...config.base };
      let caps: Capabilities;
      try {
        // A probe Init learns the declared capabilities before any scenario.
        const probe = await endpoint.init(
          config.nodes.map((id) => ({
            id,
            peers: [],
            seeds: [],
            rngSeed: 0,
            initialValue: 0,
            restoreDurable: false,
          })),
          params,
          'lockstep',
        );
        caps = probe.capabilities;
        implementation = { name: probe.implementation, version: probe.version, capabilities: caps };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (implementation.capabilities && !implementation.capabilities.variants.includes(variant)) {
          results.push(unsupported(variant, implementation.capabilities, config.seed));
          continue;
        }
        results.push(harnessFailure(variant, 'init', config.seed, withExit(message, spawned)));
        break;
      }
      if (!caps.variants.includes(variant) || !caps.lockstep) {
        results.push(unsupported(variant, caps, config.seed));
        continue;
      }
      for (const plan of scenariosFor(variant, config.nodes, params, config.seed)) {
        const events: HistoryEvent[] = [];
        const initialValues = Object.fromEntries(
          config.nodes.map((id, i) => [id, variant === 'push-sum' ? pushSumValue(config.seed, i) : 0]),
        );
        const outcome = await runLockstep(
          {
            seed: plan.seed,
            scenario: plan.id,
            nodes: config.nodes,
            peers: fullMesh(config.nodes),
            params,
            rounds: config.rounds ?? plan.rounds,
            hopLimit: 4,
            workload: plan.workload,
            schedule: plan.schedule,
            initialValues,
            callTimeoutMs: config.timeoutMs,
          },
          [{ endpoint, nodes: config.nodes }],
          (e) => events.push(e),
        );
        for (const e of events) history.push(serializeEvent(e));
        const verdicts: Verdict[] = checkHistory(events);
        for (const v of verdicts) {
          results.push({
            ...v,
            scenario: plan.id,
            suite: v.id.split('/')[0],
            runs: 1,
            variant,
            seed: config.seed,
            history: 'history.jsonl',
          });
        }
        if (!outcome.completed) {
          await explainExit(results, spawned);
          // The IUT hung or died: later scenarios would only repeat this.
          break outer;
        }
      }
    }
  } finally {
    await (spawned ? spawned.close() : endpoint.close());
  }

  const report: RunReport = {
    kit: { name: 'gossipcheck', version: KIT_VERSION },
    implementation,
    seed: config.seed,
    command: ['gossipcheck', 'run', ...argv.map(shellQuote)].join(' '),
    startedAt: new Date().toISOString(),
    results,
    totals: countVerdicts(results),
  };
  await writeFile(join(config.out, 'history.jsonl'), history.length ? `${history.join('\n')}\n` : '');
  await writeReportDir(config.out, report);
  printSummary(report, config.out);
  return gateExitCode(results);
}

/** Push-sum initial values: distinct, seeded, so the true average is known. */
function pushSumValue(seed: number, index: number): number {
  return (deriveSeed(seed, `value:${index}`) % 1000) / 10;
}

/**
 * A call that failed because the IUT process died says so: wait briefly for
 * the exit to be seen, then name it in the run/completed verdict.
 */
async function explainExit(results: CaseResult[], spawned: SpawnedEndpoint | null): Promise<void> {
  if (!spawned) return;
  for (let i = 0; i < 20 && !spawned.exitReason(); i++) await new Promise((r) => setTimeout(r, 25));
  const failure = results.findLast((x) => x.id === 'run/completed' && x.verdict === 'FAIL');
  const exit = spawned.exitReason();
  if (failure && exit) failure.evidence.observed = `${failure.evidence.observed} (${exit})`;
}

function withExit(message: string, spawned: SpawnedEndpoint | null): string {
  const exit = spawned?.exitReason();
  return exit ? `${message} (${exit})` : message;
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

function printSummary(report: RunReport, out: string): void {
  const t = report.totals;
  const lines = [
    `gossipcheck ${report.kit.version}: ${report.implementation.name} ${report.implementation.version}, seed ${report.seed}`,
    `PASS ${t.PASS}  FAIL ${t.FAIL}  NON-STRICT ${t['NON-STRICT']}  INFO ${t.INFO}  UNSUPPORTED ${t.UNSUPPORTED}`,
  ];
  for (const r of report.results.filter((x) => x.verdict === 'FAIL')) {
    lines.push(
      `FAIL ${r.variant} ${r.scenario} ${r.id}: expected ${r.evidence.expected}, observed ${r.evidence.observed}`,
    );
  }
  lines.push(`report: ${join(out, 'index.html')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (t.FAIL > 0) {
    const first = report.results.find((x) => x.verdict === 'FAIL');
    process.stderr.write(
      `gossipcheck: ${t.FAIL} MUST failed; first: ${first?.id}: ${first?.evidence.observed}\n`,
    );
  }
}
