// Teeth: every deliberately broken reference (reference/broken/) is caught by
// the case meant for it, over real gRPC, with a shrunk counterexample that
// `gossipcheck replay` reproduces: the same verdict and the same history bytes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runCli, tempDirs } from '../engine/testing/cli.js';
import { BROKEN_FIXTURES } from '../reference/broken/index.js';
import type { RunReport } from '../suites/result.js';

const SERVE_BROKEN = resolve('dist/reference/broken/serve.js');
const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('each broken fixture is caught by its case, with a replayable shrunk counterexample', () => {
  test('there are at least 8 fixtures, each meant for a different bug', () => {
    expect(BROKEN_FIXTURES.length).toBeGreaterThanOrEqual(8);
    expect(new Set(BROKEN_FIXTURES.map((f) => f.name)).size).toBe(BROKEN_FIXTURES.length);
  });

  for (const fixture of BROKEN_FIXTURES) {
    test(`${fixture.name} (${fixture.variant}) fails ${fixture.caughtBy}`, async () => {
      const out = dirs.make();
      const impl = `"${process.execPath}" "${SERVE_BROKEN}" ${fixture.name}`;
      const run = await runCli([
        'run',
        '--impl',
        impl,
        '--case',
        fixture.caughtBy,
        '--variant',
        fixture.variant,
        '--runs',
        String(fixture.runs ?? 10),
        '--out',
        out,
      ]);
      expect(run.code, run.stderr).toBe(1);
      const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
      expect(report.implementation.name).toBe(`broken-${fixture.name}`);
      const result = report.results.find((r) => r.id === fixture.caughtBy && r.variant === fixture.variant);
      expect(result?.verdict).toBe('FAIL');
      const cx = result?.counterexample;
      expect(cx).toBeDefined();
      expect(run.stdout).toContain(`fast-check seed ${cx?.seed}`);

      // Replay gives the same verdict and, in lockstep, the same history bytes.
      const history = join(out, 'replayed.jsonl');
      const replay = await runCli(['replay', join(out, cx!.file), '--history', history]);
      expect(replay.code).toBe(1);
      expect(replay.stdout).toMatch(new RegExp(`^FAIL ${fixture.caughtBy} \\[${fixture.variant}\\]`));
      if (cx!.history) {
        expect(readFileSync(history).equals(readFileSync(join(out, cx!.history)))).toBe(true);
      }
    });
  }
});

describe('--expect-fail', () => {
  test('a listed failure is shown as expected and does not fail the gate', async () => {
    const dir = dirs.make();
    const out = join(dir, 'report');
    const list = join(dir, 'known-failures.txt');
    writeFileSync(list, '# known\nconvergence/no-faults [anti-entropy-pull]\n');
    const impl = `"${process.execPath}" "${SERVE_BROKEN}" ignores-pull`;
    // Another variant passes: a gate is green only on a judged MUST that held.
    const variants = ['--variant', 'anti-entropy-pull', '--variant', 'direct-mail'];
    const args = ['run', '--impl', impl, '--case', 'convergence/no-faults', ...variants];
    const summary = join(dir, 'summary.md');
    const gated = await runCli([
      ...args,
      '--runs',
      '3',
      '--out',
      out,
      '--expect-fail',
      list,
      '--summary',
      summary,
    ]);
    expect(gated.code).toBe(0);
    expect(readFileSync(summary, 'utf8')).toContain('convergence/no-faults');
    expect(readFileSync(join(out, 'junit.xml'), 'utf8')).toContain('<testsuites');
    expect(gated.stdout).toContain('FAIL (expected) convergence/no-faults [anti-entropy-pull]');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
    const listed = report.results.find(
      (r) => r.id === 'convergence/no-faults' && r.variant === 'anti-entropy-pull',
    );
    expect(listed?.expectedFailure).toBe(true);
  });
});
