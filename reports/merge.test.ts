import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../cli/report.js';
import { UsageError } from '../cli/usage.js';
import type { RunReport } from '../suites/result.js';
import { renderMergedHtml } from './html.js';
import { mergeReportDirs, ReportInputError } from './merge.js';
import { historyText, report, result } from './testing/fixtures.js';
import { writeReportDir } from './write.js';

const dirs: string[] = [];
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'gossipcheck-merge-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function runDir(name: string, version: string): Promise<string> {
  const dir = await tmp();
  await mkdir(join(dir, 'histories'), { recursive: true });
  await writeFile(join(dir, 'histories', 'a.jsonl'), historyText({ nodes: ['n0', 'n1', 'n2'], rounds: 6 }));
  await writeReportDir(
    dir,
    report(name, version, [
      result('convergence/no-faults', 'anti-entropy-push', 'PASS', { history: 'histories/a.jsonl' }),
      result('convergence/gone', 'anti-entropy-push', 'FAIL', { history: 'histories/missing.jsonl' }),
      result('convergence/escape', 'anti-entropy-push', 'PASS', { history: '../../etc/passwd' }),
    ]),
  );
  return dir;
}

describe('writeReportDir', () => {
  it('writes report.json (the RunReport as is), junit.xml, index.html and the summary; notes unreadable histories', async () => {
    const dir = await runDir('impl', '1.0');
    const summary = join(await tmp(), 'sub', 'summary.md');
    const r = report('impl', '1.0', [result('a/b', 'anti-entropy-push', 'PASS')]);
    await writeReportDir(dir, r, { summary });
    expect(JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))).toEqual(r);
    expect(await readFile(join(dir, 'junit.xml'), 'utf8')).toContain(
      '<testcase name="a/b [anti-entropy-push]"',
    );
    expect(await readFile(summary, 'utf8')).toContain('## gossipcheck: impl 1.0 — gate passed');
    const again = await runDir('impl', '1.0');
    const html = await readFile(join(again, 'index.html'), 'utf8');
    expect(html).toContain('history histories/missing.jsonl could not be read: file not found');
    expect(html).toContain('could not be read: path is not inside the report directory');
    expect(html).not.toContain('href="../../etc/passwd"');
    expect(html).toContain('<polyline');
  });
});

describe('gossipcheck report (merge)', () => {
  it('merges runs into one matrix, copying the histories they reference', async () => {
    const a = await runDir('alpha', '1');
    const b = await runDir('beta', '2');
    const out = join(await tmp(), 'merged');
    const summary = join(out, 'summary.md');
    expect(await reportCommand([a, b, '--out', out, '--summary', summary])).toBe(0);
    const merged = JSON.parse(await readFile(join(out, 'merged.json'), 'utf8')) as {
      runs: { report: RunReport }[];
    };
    expect(merged.runs.map((r) => r.report.implementation.name)).toEqual(['alpha', 'beta']);
    expect(merged.runs[1].report.results[0].history).toBe('runs/2/histories/a.jsonl');
    expect(await readFile(join(out, 'runs/2/histories/a.jsonl'), 'utf8')).toContain('"t":"run"');
    const html = await readFile(join(out, 'index.html'), 'utf8');
    expect(html).toContain('<th class="impl">alpha 1</th><th class="impl">beta 2</th>');
    expect((html.match(/<td class="cell /g) ?? []).length).toBe(6);
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).toContain('<testsuite name="beta 2: convergence"');
    expect(await readFile(summary, 'utf8')).toContain('### gossipcheck: beta 2');
    // a merged directory merges again
    const out2 = join(await tmp(), 'merged2');
    const again = await mergeReportDirs([out, a], out2);
    expect(again.map((r) => r.implementation.name)).toEqual(['alpha', 'beta', 'alpha']);
    expect(await readFile(join(out2, 'runs/2/runs/2/histories/a.jsonl'), 'utf8')).toContain('"t":"run"');
  });

  it('turns bad input into a UsageError with a one-line reason', async () => {
    const missing = join(await tmp(), 'nope');
    await expect(reportCommand([missing])).rejects.toThrow(UsageError);
    await expect(reportCommand([missing])).rejects.toThrow(/nope: no such directory/);
    await expect(reportCommand([])).rejects.toThrow(/at least one report directory/);
    await expect(reportCommand(['--bogus'])).rejects.toThrow(UsageError);
    const empty = await tmp();
    await expect(reportCommand([empty])).rejects.toThrow(/no report\.json/);
    const bad = await tmp();
    await writeFile(join(bad, 'report.json'), '{ not json');
    await expect(reportCommand([bad])).rejects.toThrow(/report\.json: not valid JSON/);
    await writeFile(
      join(bad, 'report.json'),
      JSON.stringify({ implementation: { name: 'x', version: '1' }, results: [{ id: 'a' }] }),
    );
    await expect(mergeReportDirs([bad], bad)).rejects.toThrow(ReportInputError);
    await expect(reportCommand([bad])).rejects.toThrow(/results\[0\]\.variant is not a string/);
    const a = await runDir('alpha', '1');
    const b = await runDir('beta', '2');
    await expect(reportCommand([a, b, '--out', a])).rejects.toThrow(/is one of the inputs/);
  });
});

describe('column labels of merged runs', () => {
  it('two runs of one implementation with the same seed still get distinct labels', () => {
    const a = report('ref', '0.1', [result('convergence/no-faults', 'hybrid', 'PASS')], {
      startedAt: '2026-01-01T00:00:00Z',
    });
    const b = report('ref', '0.1', [result('convergence/no-faults', 'hybrid', 'FAIL')], {
      startedAt: '2026-01-02T00:00:00Z',
    });
    const html = renderMergedHtml([{ report: a }, { report: b }]);
    expect(html).toContain('ref 0.1 (seed 1) (2026-01-01T00:00:00Z)');
    expect(html).toContain('ref 0.1 (seed 1) (2026-01-02T00:00:00Z)');
  });
});

describe('gossipcheck report --combine', () => {
  it('runs of one implementation become one column; a case judged twice shows its worse verdict', async () => {
    const dirOf = async (r: RunReport) => {
      const dir = await tmp();
      await writeReportDir(dir, r);
      return dir;
    };
    const lockstep = await dirOf(
      report('ref', '0.1', [
        result('convergence/no-faults', 'hybrid', 'PASS'),
        result('convergence/identical-state', 'hybrid', 'PASS'),
      ]),
    );
    const realtime = await dirOf(
      report('ref', '0.1', [
        result('convergence/identical-state', 'hybrid', 'FAIL'),
        result('run/completed', 'hybrid', 'INCONCLUSIVE'),
      ]),
    );
    const other = await dirOf(report('lib', '2', [result('run/completed', 'hybrid', 'NOT-RUN')]));
    const out = join(await tmp(), 'combined');
    const matrix = join(out, 'matrix.md');
    expect(
      await reportCommand([lockstep, realtime, other, '--combine', '--out', out, '--matrix', matrix]),
    ).toBe(0);
    // The same matrix in markdown: one column per implementation, the worse verdict and its reason in the cell.
    const md = (await readFile(matrix, 'utf8')).split('\n');
    expect(md[0]).toBe('# Conformance matrix (generated)');
    expect(md).toContain('| case | variant | ref 0.1 | lib 2 |');
    expect(md).toContain('| `convergence/identical-state` | hybrid | **FAIL**: FAIL observed | — |');
    expect(md).toContain('| `convergence/no-faults` | hybrid | PASS | — |');
    expect(md).toContain(
      '| `run/completed` | hybrid | **INCONCLUSIVE**: INCONCLUSIVE observed | **NOT-RUN**: NOT-RUN observed |',
    );
    const html = await readFile(join(out, 'index.html'), 'utf8');
    expect(html.match(/<th class="impl">[^<]*<\/th>/g)).toEqual([
      '<th class="impl">ref 0.1</th>',
      '<th class="impl">lib 2</th>',
    ]);
    const row = html.split('\n').find((l) => l.includes('<td class="case">convergence/identical-state</td>'));
    expect(row).toContain('data-verdict="FAIL"');
    // every run stays in merged.json: a later merge can split or combine again
    const merged = JSON.parse(await readFile(join(out, 'merged.json'), 'utf8')) as { runs: unknown[] };
    expect(merged.runs).toHaveLength(3);
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).toContain('ref 0.1');
  });
});
