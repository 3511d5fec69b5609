// The realtime suites end to end, real processes: `run --mode realtime`
// against the reference on its own timers (every run a fresh
// serve-reference process), a broken fixture caught, shrunk, saved and
// replayed.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { readReport, runCli, tempDirs } from '../engine/testing/cli.js';
import type { RealtimeCounterexample } from '../suites/realtime/property.js';
import type { RunReport } from '../suites/result.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

describe('run --mode realtime', () => {
  test('the reference passes, every case judged, over generated runs', { timeout: 240_000 }, async () => {
    const out = dirs.make();
    const r = await runCli(
      ['run', '--mode', 'realtime', '--variant', 'anti-entropy-push-pull', '--runs', '3', '--out', out],
      230_000,
    );
    expect(r.stderr).toMatch(/run 3: completed/);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = readReport<RunReport>(out);
    const ids = report.results.map((c) => c.id);
    expect(ids).toEqual(
      expect.arrayContaining(['run/completed', 'convergence/identical-state', 'convergence/within-bound']),
    );
    for (const c of report.results) {
      // Measurements (bounds/messages-per-period, bounds/redundant-deliveries) are INFO;
      // the reference sends no control envelope, so bounds/control-traffic is UNSUPPORTED.
      const expected =
        c.level === 'INFO' ? 'INFO' : c.id === 'bounds/control-traffic' ? 'UNSUPPORTED' : 'PASS';
      expect(c.verdict, `${c.id}: ${c.evidence.observed}`).toBe(expected);
      expect(c.runs).toBe(3);
    }
    // What the generator covered is in the report.
    expect(Object.keys(report.results[0].explored ?? {})).toContain('faults');
  });

  test('a node that ignores pulls fails, shrunk and saved; replay fails it again', {
    timeout: 300_000,
  }, async () => {
    const out = dirs.make();
    const impl = `node ${join('dist', 'cli', 'main.js')} serve-reference --fixture ignores-pull --listen {listen}`;
    const r = await runCli(
      [
        'run',
        '--mode',
        'realtime',
        '--impl',
        impl,
        '--variant',
        'anti-entropy-pull',
        '--runs',
        '1',
        '--shrink-budget',
        '15',
        '--out',
        out,
      ],
      290_000,
    );
    expect(r.code, r.stdout + r.stderr).toBe(1);
    const report = readReport<RunReport>(out);
    const failed = report.results.find((c) => c.counterexample);
    expect(failed?.verdict).toBe('FAIL');
    const file = join(out, failed!.counterexample!.file);
    const cx = JSON.parse(readFileSync(file, 'utf8')) as RealtimeCounterexample;
    expect(cx.mode).toBe('realtime');
    expect(cx.case).toBe(failed!.id);
    expect(cx.input.nodes).toBeGreaterThanOrEqual(3);
    const again = await runCli(['replay', file], 120_000);
    expect(again.stdout).toMatch(new RegExp(`^FAIL ${cx.case}`));
    expect(again.code).toBe(1);
    // The same input against the correct reference does not fail: the failure is the node's.
    // (Shrinking may leave a fault that touched nothing: then the reference is not judged.)
    const fixed = join(out, 'fixed.json');
    writeFileSync(fixed, JSON.stringify({ ...cx, impl: null }));
    const ok = await runCli(['replay', fixed], 120_000);
    expect(ok.stdout, ok.stderr).toMatch(new RegExp(`^(PASS|INCONCLUSIVE) ${cx.case}`));
  });

  test('a hand-edited realtime counterexample is a usage error', async () => {
    const dir = dirs.make();
    const file = join(dir, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({
        kit: 'gossipcheck',
        mode: 'realtime',
        case: 'convergence/identical-state',
        variant: 'anti-entropy-push-pull',
        input: { nodes: 1, writes: 1, faults: [] },
      }),
    );
    const r = await runCli(['replay', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/input.nodes/);
  });
});
