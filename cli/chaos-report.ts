// What a chaos run reports beside its verdicts: the report itself, the
// report of a run that had nothing to run, and (swarm) where each node ran.
import { type GateOptions, gate } from '../checks/gate.js';
import { unsupportedRun } from '../checks/realtime.js';
import type { Verdict } from '../checks/verdict.js';
import { NODE_OPS } from '../engine/backends/swarm/agent/protocol.js';
import type { SwarmCluster } from '../engine/backends/swarm/cluster.js';
import type { InitResult, Variant } from '../proto/contract.js';
import { commandLine } from '../reports/run-info.js';
import { writeReportDir } from '../reports/write.js';
import { caseResult, type HostPlacement, type RunReport, runReport } from '../suites/result.js';

/**
 * Where each node ran and what each host's agent did; an agent whose counts
 * differ from what the harness asked of it broke the run's evidence (exit 2).
 */
export async function swarmPlacement(swarm: SwarmCluster): Promise<HostPlacement[]> {
  const hosts = await swarm.report();
  for (const [node, asked] of swarm.requestedOps()) {
    const h = hosts.find((x) => x.nodes.includes(node));
    for (const op of NODE_OPS) {
      const done = h?.ops[node]?.[op] ?? 0;
      if (done !== asked[op])
        throw new Error(
          `the fault agent on ${h?.host ?? '?'} counted ${op} ${node} ×${done}; the harness asked ×${asked[op]}`,
        );
    }
  }
  return hosts;
}

/** Nothing to run: the endpoint does not declare what the run needs. Exit 1 (nothing judged). */
export async function unsupportedReport(
  out: string,
  argv: string[],
  seed: number,
  variant: Variant,
  declared: InitResult,
  missing: string,
  gateOpts: GateOptions,
  closeHistory: () => Promise<void>,
): Promise<number> {
  await closeHistory();
  const implementation = {
    name: declared.implementation,
    version: declared.version,
    capabilities: declared.capabilities,
  };
  const report = chaosReport(
    argv,
    seed,
    variant,
    implementation,
    unsupportedRun(variant, missing),
    {
      startedAt: new Date().toISOString(),
      runs: 0,
    },
    gateOpts,
  );
  await writeReportDir(out, report);
  process.stdout.write(`chaos: nothing judged: ${declared.implementation} ${missing}; report in ${out}\n`);
  return gate(report.results, gateOpts).code;
}

/** A chaos run's verdicts as the case results of `variant`, in a report. */
export function chaosReport(
  argv: string[],
  seed: number,
  variant: Variant,
  implementation: RunReport['implementation'],
  verdicts: Verdict[],
  run: { startedAt: string; runs: number; scenario?: string; history?: string },
  gateOpts: GateOptions,
): RunReport {
  const { startedAt, ...perCase } = run;
  return runReport({
    implementation,
    seed,
    command: commandLine('chaos', argv),
    startedAt,
    finishedAt: new Date().toISOString(),
    results: verdicts.map((v) => caseResult(v, { variant, seed, ...perCase })),
    ...gateOpts,
  });
}
