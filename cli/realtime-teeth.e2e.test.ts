// The realtime suites have teeth: each realtime broken fixture (the
// reference with one bug, on its own timers) is caught by `run --mode
// realtime` for its variant, by the case meant to catch it. The fault
// families come round robin (suites/realtime/input.ts), so the first run is
// the long partition / first family and a single run shows each bug.
import { afterAll, describe, expect, test } from 'vitest';
import { readReport, runCli, tempDirs } from '../engine/testing/cli.js';
import type { RunReport } from '../suites/result.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const FIXTURES = [
  { name: 'fanout-exceeded', variant: 'anti-entropy-push-pull', caughtBy: 'bounds/fanout' },
  { name: 'hides-values-in-control', variant: 'anti-entropy-push-pull', caughtBy: 'contract/declared-keys' },
  { name: 'rumor-never-loses-interest', variant: 'rumor-push', caughtBy: 'sir/quiescence' },
  { name: 'swim-never-refutes', variant: 'membership-swim', caughtBy: 'membership/refute' },
  { name: 'swim-never-rejoins', variant: 'membership-swim', caughtBy: 'membership/partition-heal' },
] as const;

describe.concurrent('realtime broken fixtures are caught', () => {
  for (const f of FIXTURES) {
    test(`${f.name} fails ${f.caughtBy}`, { timeout: 240_000 }, async () => {
      const out = dirs.make();
      const impl = `node dist/cli/main.js serve-reference --fixture ${f.name} --listen {listen}`;
      const args = ['run', '--mode', 'realtime', '--impl', impl, '--variant', f.variant];
      // A second run only happens when the first did not fail: on a loaded machine the first may be
      // INCONCLUSIVE (the harness's own stalls), never a PASS of the bug.
      const r = await runCli([...args, '--runs', '2', '--shrink-budget', '0', '--out', out], 230_000);
      expect(r.code, r.stdout + r.stderr).toBe(1);
      const report = readReport<RunReport>(out);
      expect(report.implementation.name).toBe(`broken-${f.name}`);
      const caught = report.results.find((c) => c.id === f.caughtBy);
      expect(caught?.verdict, JSON.stringify(caught?.evidence)).toBe('FAIL');
    });
  }
});
