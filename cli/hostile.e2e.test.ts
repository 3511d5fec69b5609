// Sound verdicts end to end: hostile and broken IUTs over real gRPC, and the
// situations where a gate used to go green without evidence. Each asserts
// the exit code, the verdicts, and that nothing was fabricated.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { BROKEN_ENDPOINT, CLI, readReport, runCli, tempDirs } from '../engine/testing/cli.js';
import type { RunReport } from '../suites/result.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const report = (dir: string) => readReport<RunReport>(dir);
const hostile = (mode: string, fixture?: string) =>
  `"${process.execPath}" "${BROKEN_ENDPOINT}" ${mode}${fixture ? ` --fixture ${fixture}` : ''}`;
const verdict = (r: RunReport, id: string) => r.results.find((x) => x.id === id)?.verdict;
/** Staging dirs are named .<out>.staging-<pid> beside the report dir. */
const staging = (out: string) => readdirSync(dirname(out)).filter((f) => f.includes('.staging-'));

describe('misbehaviour fails a named case, never a bound that saw nothing', () => {
  const AE = ['--variant', 'anti-entropy-push-pull', '--runs', '5'];
  test.each([
    ['strip-metadata', undefined, ['contract/envelope-kind', 'contract/declared-keys']],
    ['strip-metadata', 'ships-known-values', ['contract/envelope-kind', 'contract/declared-keys']],
    ['self-address', undefined, ['contract/addressing']],
    ['unknown-address', undefined, ['contract/addressing']],
    ['forgets-generation', undefined, ['contract/unique-versions']],
  ] as const)('%s %s', async (mode, fixture, failing) => {
    const out = join(dirs.make(), 'r');
    const res = await runCli(['run', '--impl', hostile(mode, fixture), ...AE, '--out', out]);
    expect(res.code, res.stderr).toBe(1);
    const r = report(out);
    for (const id of failing) expect(verdict(r, id), id).toBe('FAIL');
    // Without keys the redundant-values bound has nothing to count, never a PASS: the
    // contract rides along with it and fails it, naming the clause broken.
    if (mode === 'strip-metadata') {
      const bound = r.results.find((x) => x.id === 'bounds/no-redundant-values');
      expect(bound?.verdict).toBe('FAIL');
      expect(bound?.evidence.observed).toMatch(/^contract\/(envelope-kind|declared-keys): /);
      // It declares no contract version: one line says the contract moved, and which failures follow.
      const note = r.warnings?.find((w) => w.startsWith('the node declares contract none (1.0)'));
      expect(note, res.stderr).toMatch(/Failures that follow from them: .*contract\/envelope-kind/);
      expect(res.stderr).toContain('warning: the node declares contract none (1.0)');
    }
  });

  test('a pull that pushes still converges, and fails contract/exchange-direction', async () => {
    const out = join(dirs.make(), 'r');
    const args = [
      '--variant',
      'anti-entropy-pull',
      '--runs',
      '5',
      '--suite',
      'convergence',
      '--suite',
      'contract',
    ];
    const res = await runCli(['run', '--impl', hostile('pull-pushes'), ...args, '--out', out]);
    expect(res.code).toBe(1);
    const r = report(out);
    expect(verdict(r, 'convergence/no-faults')).toBe('PASS');
    expect(verdict(r, 'contract/exchange-direction')).toBe('FAIL');
  });
});

describe('failures that point at one bug', () => {
  test('a node that acknowledges and drops every third write: one group line per broken check, the smallest counterexample of 3 writes or fewer', async () => {
    const out = join(dirs.make(), 'r');
    const args = [
      '--suite',
      'convergence',
      '--variant',
      'anti-entropy-push-pull',
      '--variant',
      'direct-mail',
    ];
    const res = await runCli(['run', '--impl', hostile('drops-every-third-write'), ...args, '--out', out]);
    expect(res.code, res.stderr).toBe(1);
    const r = report(out);
    const lost = r.results.filter((x) => x.brokenCheck === 'convergence/no-lost-update');
    expect(lost.length).toBeGreaterThan(1);
    const lines = res.stdout.split('\n');
    const groups = lines.filter((l) => l.startsWith('  convergence/no-lost-update broke '));
    expect(groups, res.stdout).toHaveLength(1);
    expect(groups[0]).toContain(`broke ${lost.length} cases`);
    expect(groups[0]).toMatch(/smallest counterexample: \S+ \[[a-z-]+\], \d+ nodes, [123] writes?, /);
    // The replay it names is a saved input of that many writes.
    const file = /replay (\S+\.json)/.exec(groups[0])?.[1] ?? '';
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { input: { writes: unknown[] } };
    expect(saved.input.writes.length).toBeLessThanOrEqual(3);
    // Detail lines never contradict themselves: a value missing at a node is not also held by it.
    for (const x of lost) {
      for (const d of x.evidence.details) {
        const m = /missing at ([^;]+); held at the end by (.+)$/.exec(d);
        if (!m) continue;
        const missing = m[1].split(', ');
        for (const h of m[2].split(', ')) expect(missing, d).not.toContain(h);
      }
      expect(x.evidence.observed).not.toMatch(/\b1 acknowledged updates\b/);
    }
  });
});

describe('nothing judged is never green', () => {
  test.each(['declares-nothing', 'no-clock'])(
    '%s: exit 1, every case UNSUPPORTED, the reason on stderr',
    async (mode) => {
      const out = join(dirs.make(), 'r');
      const res = await runCli(['run', '--impl', hostile(mode), '--runs', '1', '--out', out]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('nothing was judged');
      expect(report(out).results.every((x) => x.verdict === 'UNSUPPORTED')).toBe(true);
    },
  );

  test('a selection of INFO cases only judges no MUST: exit 1', async () => {
    const out = join(dirs.make(), 'r');
    const res = await runCli(['run', '--case', 'bounds/rumor-traffic', '--runs', '1', '--out', out]);
    expect(report(out).results.length).toBeGreaterThan(0);
    expect(res.code).toBe(1);
  });
});

describe('bounded cost whatever the node does', () => {
  test('a flood of 1,000,000 envelopes a Tick fails with the figure; later cases NOT-RUN, nothing shrunk', async () => {
    const out = join(dirs.make(), 'r');
    const args = ['--suite', 'convergence', '--variant', 'anti-entropy-push-pull', '--jobs', '1'];
    const res = await runCli(['run', '--impl', hostile('flood-tick'), ...args, '--out', out], 300_000);
    expect(res.code).toBe(1);
    const r = report(out);
    const failed = r.results.filter((x) => x.verdict === 'FAIL');
    expect(failed).toHaveLength(1);
    expect(failed[0].evidence.observed).toMatch(/1000000 envelopes .* over the cap of \d+/);
    expect(failed[0].counterexample).toBeUndefined();
    expect(r.results.filter((x) => x.verdict === 'NOT-RUN').length).toBeGreaterThan(5);
    expect(existsSync(join(out, 'counterexamples'))).toBe(false);
  });

  test('a slow node meets --deadline: FAIL with the figure, exit 1', async () => {
    const out = join(dirs.make(), 'r');
    const res = await runCli([
      'run',
      '--impl',
      hostile('slow'),
      '--suite',
      'convergence',
      '--deadline',
      '3',
      '--out',
      out,
    ]);
    expect(res.code).toBe(1);
    const r = report(out);
    expect(r.status).toBe('deadline');
    expect(
      r.results.some((x) => x.verdict === 'FAIL' && /deadline of 3 s passed/.test(x.evidence.observed)),
    ).toBe(true);
  });
});

describe('aborts are not failures of cases that never ran', () => {
  test('a node that dies fails the case it died in, with its exit code; the rest are NOT-RUN, no replay', async () => {
    const out = join(dirs.make(), 'r');
    const res = await runCli([
      'run',
      '--impl',
      hostile('exit-mid-run'),
      '--suite',
      'convergence',
      '--jobs',
      '1',
      '--out',
      out,
    ]);
    expect(res.code).toBe(1);
    const r = report(out);
    const failed = r.results.filter((x) => x.verdict === 'FAIL');
    expect(failed).toHaveLength(1);
    expect(failed[0].evidence.observed).toContain('exited with code 3');
    expect(failed[0].counterexample).toBeUndefined();
    expect(r.results.filter((x) => x.verdict === 'NOT-RUN').length).toBeGreaterThan(10);
    expect(existsSync(join(out, 'counterexamples'))).toBe(false);
    expect(r.nodeLogs?.length).toBe(1);
  });

  test('SIGINT mid-run: exit 130, a report marked aborted, no FAIL, no staging or temp dir left', async () => {
    const out = join(dirs.make(), 'r');
    const before = new Set(readdirSync(tmpdir()));
    const child = spawn(process.execPath, [CLI, 'run', '--runs', '200', '--out', out], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 2500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(130);
    const r = report(out);
    expect(r.status).toBe('aborted');
    expect(r.results.some((x) => x.verdict === 'NOT-RUN')).toBe(true);
    expect(r.results.filter((x) => x.verdict === 'FAIL')).toEqual([]);
    expect(staging(out)).toEqual([]);
    const leaked = readdirSync(tmpdir()).filter((f) => !before.has(f) && f.startsWith('gossipcheck-run-'));
    expect(leaked).toEqual([]);
  });

  test('Ctrl-C at a terminal (SIGINT to the whole group, workers and IUTs too) with --impl: exit 130, aborted', async () => {
    const out = join(dirs.make(), 'r');
    const impl = `"${process.execPath}" "${CLI}" serve-reference --listen {listen}`;
    const child = spawn(process.execPath, [CLI, 'run', '--impl', impl, '--runs', '200', '--out', out], {
      stdio: 'ignore',
      detached: true,
    });
    await new Promise((r) => setTimeout(r, 4000));
    process.kill(-child.pid!, 'SIGINT');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(130);
    const r = report(out);
    expect(r.status).toBe('aborted');
    expect(r.results.filter((x) => x.verdict === 'FAIL')).toEqual([]);
    expect(staging(out)).toEqual([]);
  });

  test('`run | head -1` still writes the report and keeps the exit code', () => {
    const out = join(dirs.make(), 'r');
    const cmd = `"${process.execPath}" "${CLI}" run --impl '${hostile('self-address')}' --suite contract --runs 2 --out "${out}" | head -1; exit \${PIPESTATUS[0]}`;
    const res = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 120_000 });
    expect(res.status).toBe(1);
    expect(existsSync(join(out, 'report.json'))).toBe(true);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
  });
});

describe('each run owns its --out', () => {
  test('nothing of an earlier run survives in a reused report dir', async () => {
    const out = join(dirs.make(), 'r');
    mkdirSync(join(out, 'counterexamples'), { recursive: true });
    writeFileSync(join(out, 'report.json'), '{}');
    writeFileSync(join(out, 'counterexamples', 'stale.json'), '{}');
    // One run leaves contract/envelope-kind [direct-mail] with no envelope to judge: accepted here.
    const res = await runCli([
      'run',
      '--suite',
      'contract',
      '--runs',
      '1',
      '--allow-inconclusive',
      '--out',
      out,
    ]);
    expect(res.code).toBe(0);
    expect(existsSync(join(out, 'counterexamples', 'stale.json'))).toBe(false);
  });

  test('a non-empty directory that is not a report is refused before anything runs: exit 2', async () => {
    const out = dirs.make();
    writeFileSync(join(out, 'thesis.tex'), 'precious');
    const res = await runCli(['run', '--out', out]);
    expect(res.code).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(readFileSync(join(out, 'thesis.tex'), 'utf8')).toBe('precious');
  });
});

describe('replay validates its input', () => {
  /** One real counterexample, made once; each case corrupts a copy. */
  let saved: Promise<string> | undefined;
  const counterexample = () => {
    saved ??= (async () => {
      const out = join(dirs.make(), 'r');
      await runCli([
        'run',
        '--impl',
        hostile('self-address'),
        '--case',
        'contract/addressing',
        '--variant',
        'rumor-push',
        '--runs',
        '3',
        '--out',
        out,
      ]);
      const cx = report(out).results.find((x) => x.counterexample)?.counterexample;
      expect(cx).toBeDefined();
      return readFileSync(join(out, cx!.file), 'utf8');
    })();
    return saved;
  };
  test.each([
    [(d: Record<string, unknown>) => Object.assign(d.input as object, { n: 'three' }), 'input.n'],
    [(d: Record<string, unknown>) => delete d.input, 'input is missing'],
    [(d: Record<string, unknown>) => Object.assign(d.input as object, { n: 100000 }), 'input.n'],
    [(d: Record<string, unknown>) => Object.assign(d, { case: 'no/such' }), "unknown case 'no/such'"],
  ])('a malformed counterexample is exit 2 naming the field (%#)', async (corrupt, field) => {
    const dir = dirs.make();
    const data = JSON.parse(await counterexample()) as Record<string, unknown>;
    corrupt(data);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(data));
    const res = await runCli(['replay', bad]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(field);
  });
});

describe('--expect-fail is kept honest', () => {
  test('unknown ids and entries that now pass are warned about; --strict fails on them', async () => {
    const dir = dirs.make();
    const list = join(dir, 'known.txt');
    writeFileSync(list, 'convergence/no-such-case\ncontract/addressing [rumor-push]\n');
    const args = [
      'run',
      '--case',
      'contract/addressing',
      '--variant',
      'rumor-push',
      '--runs',
      '2',
      '--expect-fail',
      list,
    ];
    const lax = await runCli([...args, '--out', join(dir, 'a')]);
    expect(lax.code).toBe(0);
    expect(lax.stderr).toContain('no such case');
    expect(lax.stderr).toContain('now passes');
    expect(report(join(dir, 'a')).warnings?.length).toBe(2);
    const strict = await runCli([...args, '--strict', '--out', join(dir, 'b')]);
    expect(strict.code).toBe(1);
  });

  test('a run whose only judged MUST is an expected failure exits 1 and says why on its last line', async () => {
    const dir = dirs.make();
    const list = join(dir, 'known.txt');
    writeFileSync(list, 'convergence/no-faults [anti-entropy-pull]\nconvergence/no-such-case\n');
    const res = await runCli([
      'run',
      '--impl',
      `"${process.execPath}" dist/reference/broken/serve.js ignores-pull`,
      '--case',
      'convergence/no-faults',
      '--variant',
      'anti-entropy-pull',
      '--runs',
      '2',
      '--expect-fail',
      list,
      '--out',
      join(dir, 'r'),
    ]);
    expect(res.code).toBe(1);
    const last = res.stderr.trim().split('\n').at(-1);
    expect(last).toMatch(/^gossipcheck: nothing was judged: .*1 expected failure/);
  });
});
