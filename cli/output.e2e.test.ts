// What a user sees of an external run: a few lines on stderr, no ANSI when
// piped, a report with node logs and durations, replay commands that work
// from another directory.
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runCli, tempDirs } from '../engine/testing/cli.js';
import type { RunReport } from '../suites/result.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const SERVE_BROKEN = resolve('dist/reference/broken/serve.js');

describe('a failing external run', () => {
  test('stderr is a handful of plain lines; the report keeps node logs, durations and the real start', async () => {
    const out = join(dirs.make(), 'r');
    const before = Date.now();
    const impl = `"${process.execPath}" "${SERVE_BROKEN}" ignores-pull`;
    const res = await runCli([
      'run',
      '--impl',
      impl,
      '--variant',
      'anti-entropy-pull',
      '--runs',
      '3',
      '--out',
      out,
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr.trim().split('\n').length).toBeLessThanOrEqual(3);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for ANSI escapes
    expect(res.stdout + res.stderr).not.toMatch(/\x1b\[/);
    expect(res.stdout).toMatch(/^FAIL convergence\/no-faults \[anti-entropy-pull\]: /m);
    expect(res.stdout).toMatch(/^ {2}replay: npx gossipcheck replay /m);
    const r = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
    expect(r.nodeLogs?.length).toBeGreaterThan(0);
    for (const log of r.nodeLogs ?? []) readFileSync(join(out, log));
    expect(r.results.some((x) => (x.durationMs ?? 0) > 0)).toBe(true);
    expect(Date.parse(r.startedAt)).toBeLessThanOrEqual(Date.parse(r.finishedAt ?? ''));
    expect(Date.parse(r.startedAt)).toBeGreaterThanOrEqual(before - 1000);
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testcase [^>]*time="(?!0\.000")\d+\.\d{3}"/);
  });

  test('its replay command works from another directory, with a relative --impl', async () => {
    const dir = dirs.make();
    const out = join(dir, 'r');
    // A relative command: it resolves from where the run started.
    const res = await runCli([
      'run',
      '--impl',
      `"${process.execPath}" dist/reference/broken/serve.js ignores-pull`,
      '--variant',
      'anti-entropy-pull',
      '--case',
      'convergence/no-faults',
      '--runs',
      '3',
      '--out',
      out,
    ]);
    expect(res.code).toBe(1);
    const r = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunReport;
    const cx = r.results.find((x) => x.counterexample)?.counterexample;
    expect(cx).toBeDefined();
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    const replay = await runCli(['replay', join(out, cx!.file)], 120_000, elsewhere);
    expect(replay.code, replay.stderr).toBe(1);
    expect(replay.stdout).toMatch(/^FAIL convergence\/no-faults \[anti-entropy-pull\]/);
  });
});
