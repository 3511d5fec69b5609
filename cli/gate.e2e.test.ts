// The gate through the built CLI: a selection that leaves a MUST case
// INCONCLUSIVE (the reference, one run of contract/envelope-kind on 3 nodes:
// its direct-mail run sent no envelope, so there was nothing to judge) exits
// 1 with the reason and one hint; --allow-inconclusive accepts it and the
// report records the option.
import { afterAll, describe, expect, test } from 'vitest';
import { readReport, runCli, tempDirs } from '../engine/testing/cli.js';
import type { RunReport } from '../suites/result.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const SELECTION = [
  'run',
  '--case',
  'contract/envelope-kind',
  '--case',
  'convergence/no-faults',
  '--variant',
  'direct-mail',
  '--runs',
  '1',
  '--nodes',
  '3',
  '--jobs',
  '1',
];

describe('an INCONCLUSIVE MUST case is not green', () => {
  test('exit 1 with the reason per case and one hint; exit 0 with --allow-inconclusive', async () => {
    const out = dirs.make();
    const run = await runCli([...SELECTION, '--out', out]);
    expect(run.code, run.stderr).toBe(1);
    const report = readReport<RunReport>(out);
    const unjudged = report.results.filter((r) => r.verdict === 'INCONCLUSIVE' && r.level === 'MUST');
    expect(unjudged.map((r) => `${r.id} [${r.variant}]`)).toEqual(['contract/envelope-kind [direct-mail]']);
    expect(report.results.find((r) => r.id === 'convergence/no-faults')?.verdict).toBe('PASS');
    expect(report.allowInconclusive).toBe(false);
    // The summary gives the case's reason: its check that judged nothing.
    expect(run.stdout).toMatch(
      /^INCONCLUSIVE contract\/envelope-kind \[direct-mail\]: no run of 1 judged anything \(contract\/envelope-kind: .+\)$/m,
    );
    const hints = run.stderr.split('\n').filter((l) => l.includes('--allow-inconclusive'));
    expect(hints).toHaveLength(1);
    expect(hints[0]).toMatch(
      /^gossipcheck: 1 MUST case\(s\) could not be judged \(INCONCLUSIVE\); first: contract\/envelope-kind \[direct-mail\]: .+\. Not a pass: fix what the reasons say, or accept with --allow-inconclusive$/,
    );

    const allowedOut = dirs.make();
    const allowed = await runCli([...SELECTION, '--allow-inconclusive', '--out', allowedOut]);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).not.toContain('could not be judged');
    const allowedReport = readReport<RunReport>(allowedOut);
    expect(allowedReport.allowInconclusive).toBe(true);
    expect(allowedReport.totals.INCONCLUSIVE).toBe(1);
  });

  test('--allow-inconclusive does not make a run with no judged MUST green', async () => {
    const out = dirs.make();
    const only = SELECTION.filter(
      (a, i) => a !== 'convergence/no-faults' && SELECTION[i + 1] !== 'convergence/no-faults',
    );
    const run = await runCli([...only, '--allow-inconclusive', '--out', out]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('nothing was judged: no MUST case had a judged run that held');
  });
});
