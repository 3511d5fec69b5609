// A worker process of `gossipcheck run`: one endpoint (the built-in reference
// in-process, or its own --impl process), cases run one at a time as the
// coordinator hands them out. Results go back over IPC; nothing is printed.

import type { SpawnedEndpoint } from '../../engine/backends/process.js';
import { spawnEndpoint } from '../../engine/backends/process.js';
import type { GossipEndpoint } from '../../proto/contract.js';
import { builtInReference } from '../../reference/built-in.js';
import type { CaseContext } from '../../suites/model.js';
import { checkCase } from '../../suites/property.js';
import { findCase } from '../../suites/registry.js';
import { probe } from '../iut.js';
import type { FromWorker, ToWorker, WorkerSettings } from './protocol.js';

const send = (m: FromWorker) => process.send?.(m);

let spawned: SpawnedEndpoint | null = null;
let endpoint: GossipEndpoint | null = null;
let ctx: CaseContext | null = null;
let settings: WorkerSettings | null = null;

async function start(s: WorkerSettings): Promise<void> {
  settings = s;
  try {
    if (s.impl) {
      process.chdir(s.cwd);
      spawned = await spawnEndpoint(s.impl, {
        startupTimeoutMs: s.startupTimeoutMs,
        callTimeoutMs: s.callTimeoutMs,
        ...(s.logFile ? { logFile: s.logFile } : {}),
      });
    }
  } catch (err) {
    send({ t: 'startup-failed', message: err instanceof Error ? err.message : String(err), init: false });
    return;
  }
  endpoint = spawned?.endpoint ?? builtInReference();
  try {
    const init = await probe(endpoint);
    const capabilities = { ...init.capabilities };
    if (s.variants) capabilities.variants = capabilities.variants.filter((v) => s.variants!.includes(v));
    ctx = {
      endpoint,
      capabilities,
      callTimeoutMs: s.callTimeoutMs,
      minRounds: s.minRounds,
      maxEnvelopesPerRound: s.maxEnvelopesPerRound,
    };
    send({
      t: 'ready',
      implementation: init.implementation,
      version: init.version,
      capabilities: init.capabilities,
      contractVersion: init.contractVersion ?? '',
      iutPid: spawned?.pid ?? null,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const exit = spawned?.exitReason();
    send({ t: 'startup-failed', message: exit ? `${message} (${exit})` : message, init: true });
  }
}

async function runCase(id: string, variant: ToWorker & { t: 'case' }): Promise<void> {
  const def = findCase(id);
  if (!def || !ctx || !settings) {
    send({ t: 'harness-error', message: `worker got case ${id} before it was ready, or an unknown case` });
    return;
  }
  try {
    const result = await checkCase(def, variant.variant, ctx, {
      seed: settings.seed,
      runs: settings.runs,
      minNodes: settings.minNodes,
      maxNodes: settings.maxNodes,
      minRounds: settings.minRounds,
      outDir: settings.writeDir,
      replayDir: settings.outDir,
      impl: settings.impl,
    });
    let broken = ctx.broken ?? null;
    // A dropped connection is usually the process exiting: wait for its exit code and output.
    if (broken && spawned) await exitOf(spawned, 2000);
    const exit = spawned?.exitReason();
    if (exit) {
      broken = exit;
      if (result.verdict === 'FAIL') result.evidence.observed = `${result.evidence.observed} (${exit})`;
    }
    const transport = endpoint?.callPaths?.();
    send({ t: 'result', result, broken, ...(transport ? { transport } : {}) });
  } catch (err) {
    send({
      t: 'harness-error',
      message: `${id} [${variant.variant}]: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    });
  }
}

/** Polls until the IUT process has exited (its reason known) or `ms` passed. */
async function exitOf(p: SpawnedEndpoint, ms: number): Promise<void> {
  for (let waited = 0; waited < ms && p.exitReason() === null; waited += 50)
    await new Promise((r) => setTimeout(r, 50));
}

async function shutdown(): Promise<void> {
  await (spawned ? spawned.close() : endpoint?.close())?.catch(() => undefined);
  process.exit(0);
}

// The coordinator owns Ctrl-C: a worker stops when told, or when its parent goes.
process.on('SIGINT', () => undefined);
process.on('disconnect', () => void shutdown());
process.on('message', (m: ToWorker) => {
  if (m.t === 'start') void start(m.settings);
  else if (m.t === 'case') void runCase(m.id, m);
});
