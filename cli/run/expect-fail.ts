// --expect-fail FILE: known failures, shown but not gating. Entries that name
// no case, or whose cases now pass, are reported (stale); --strict fails on them.
import { readFileSync } from 'node:fs';
import { gating } from '../../checks/gate.js';
import { VARIANTS, type Variant } from '../../proto/contract.js';
import { findCase } from '../../suites/registry.js';
import type { CaseResult } from '../../suites/result.js';
import { UsageError } from '../usage.js';

interface Entry {
  line: number;
  text: string;
  id: string;
  variant: Variant | null;
}

export interface ExpectFail {
  /** Marks expected failures in `results`; returns warnings about stale entries. */
  apply(results: CaseResult[]): string[];
  /** Set by `apply`: some entry is unknown or matched no failure. */
  stale: boolean;
}

export function readExpectFail(file: string): ExpectFail {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`--expect-fail: cannot read ${file}`);
  }
  const entries: Entry[] = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.replace(/#.*/, '').trim();
    if (!t) return;
    const m = /^(\S+)(?:\s+\[([^\]]+)\])?$/.exec(t);
    if (!m)
      throw new UsageError(
        `--expect-fail ${file}:${i + 1}: expected "case-id" or "case-id [variant]", got '${t}'`,
      );
    entries.push({ line: i + 1, text: t, id: m[1], variant: (m[2] as Variant | undefined) ?? null });
  });
  const state: ExpectFail = {
    stale: false,
    apply(results) {
      const warnings: string[] = [];
      for (const e of entries) {
        const where = `--expect-fail ${file}:${e.line} '${e.text}'`;
        if (!findCase(e.id)) {
          warnings.push(`${where}: no such case (see gossipcheck list)`);
          continue;
        }
        if (e.variant && !VARIANTS.includes(e.variant)) {
          warnings.push(`${where}: no such variant`);
          continue;
        }
        const matched = results.filter((r) => r.id === e.id && (!e.variant || r.variant === e.variant));
        // Whatever can fail a gate can be listed: FAIL, NON-STRICT, an INCONCLUSIVE MUST.
        const failing = matched.filter((r) => gating(r, { strict: true }));
        for (const r of failing) r.expectedFailure = true;
        if (matched.length === 0) warnings.push(`${where}: matched no case of this run`);
        else if (failing.length === 0)
          warnings.push(
            `${where}: now passes (${[...new Set(matched.map((r) => r.verdict))].join(', ')}); remove it`,
          );
      }
      state.stale = warnings.length > 0;
      return warnings;
    },
  };
  return state;
}
