// `gossipcheck replay FILE`: re-runs one saved counterexample exactly (same
// case, variant and input; in lockstep the same history bytes) and prints
// its verdict. Exit 1 when it still fails, 0 when it passes now.
import { readFileSync, writeFileSync } from 'node:fs';
import { VARIANTS } from '../../proto/contract.js';
import { builtInReference } from '../../reference/built-in.js';
import type { CounterexampleFile } from '../../suites/property.js';
import { safeCheck } from '../../suites/property.js';
import { findCase } from '../../suites/registry.js';
import { toJsonl } from '../history/recorder.js';
import { probe, startImpl } from './iut.js';
import { intFlag, parseFlags, UsageError } from './usage.js';

function load(file: string): CounterexampleFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(
      `cannot read counterexample ${file}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const cx = data as Partial<CounterexampleFile>;
  if (cx.kit !== 'gossipcheck' || typeof cx.case !== 'string' || !VARIANTS.includes(cx.variant as never)) {
    throw new UsageError(`${file} is not a gossipcheck counterexample`);
  }
  return cx as CounterexampleFile;
}

export async function replayCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { impl: { type: 'string' }, history: { type: 'string' }, timeout: { type: 'string' } },
    true,
  );
  if (positionals.length !== 1)
    throw new UsageError('usage: gossipcheck replay FILE [--impl CMD] [--history OUT.jsonl]');
  const cx = load(positionals[0]);
  const def = findCase(cx.case);
  if (!def) throw new UsageError(`unknown case '${cx.case}' in ${positionals[0]}`);
  const impl = values.impl ?? cx.impl;
  const timeoutMs = intFlag('timeout', values.timeout, cx.callTimeoutMs, 1, 3_600_000);
  const spawned = impl ? await startImpl(impl, 15_000, timeoutMs) : null;
  const endpoint = spawned?.endpoint ?? builtInReference();
  try {
    const init = await probe(endpoint);
    const ctx = {
      endpoint,
      capabilities: init.capabilities,
      callTimeoutMs: timeoutMs,
      minRounds: cx.minRounds ?? 0,
    };
    const outcome = await safeCheck(def, cx.input, cx.variant, ctx);
    if (values.history) writeFileSync(values.history, toJsonl(outcome.events));
    process.stdout.write(
      `${outcome.verdict} ${cx.case} [${cx.variant}] (${init.implementation} ${init.version})\n`,
    );
    for (const c of outcome.checks) {
      process.stdout.write(
        `  ${c.verdict} ${c.id}: expected ${c.evidence.expected}; observed ${c.evidence.observed}\n`,
      );
      for (const d of c.evidence.details.slice(0, 5)) process.stdout.write(`    ${d}\n`);
    }
    return outcome.verdict === 'FAIL' ? 1 : 0;
  } finally {
    await (spawned ? spawned.close() : endpoint.close());
  }
}
