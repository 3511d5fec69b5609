// The vitest side of a suite file: one test per (case, declared variant),
// each a fast-check property against the session's IUT. A FAIL fails the
// test, so the suites read the same in vitest's own output.
import { appendFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { GrpcEndpoint } from '../harness/endpoint/grpc-client.js';
import type { GossipEndpoint } from '../proto/contract.js';
import { builtInReference } from '../reference/built-in.js';
import type { CaseContext, CaseDef } from './model.js';
import { checkCase } from './property.js';
import { selected } from './registry.js';
import { loadSession } from './session.js';

/** Generous: a case is many property runs, each a whole lockstep run. */
const CASE_TIMEOUT_MS = 15 * 60_000;

export function defineSuite(name: string, cases: CaseDef<unknown>[]): void {
  const session = loadSession();
  describe(name, () => {
    if (!session) {
      test.skip('run through `gossipcheck run` (no GOSSIPCHECK_SESSION)', () => {});
      return;
    }
    const endpoint: GossipEndpoint = session.address
      ? new GrpcEndpoint(session.address, session.callTimeoutMs)
      : builtInReference();
    afterAll(() => endpoint.close());
    const ctx: CaseContext = {
      endpoint,
      capabilities: session.capabilities,
      callTimeoutMs: session.callTimeoutMs,
      minRounds: session.minRounds,
    };
    for (const def of cases) {
      if (!selected(def.id, session.suites, session.cases)) continue;
      for (const variant of def.variants) {
        test(`${def.id} [${variant}]`, { timeout: CASE_TIMEOUT_MS }, async () => {
          const result = await checkCase(def, variant, ctx, session);
          appendFileSync(session.resultsFile, `${JSON.stringify(result)}\n`);
          expect(result.verdict, `${def.id} [${variant}]: ${result.evidence.observed}`).not.toBe('FAIL');
        });
      }
    }
  });
}
