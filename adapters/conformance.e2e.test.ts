// npm run conformance, short: the reference and the four libraries through
// the kit (real processes, real gRPC, the Go adapter built from Debian's
// packages), merged into one report, opened in Debian's Chromium: one matrix
// column per implementation, each with cells it really judged.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, test } from 'vitest';
import type { RunReport } from '../suites/result.js';

const ROOT = resolve(import.meta.dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
const skipBrowser = process.env.GOSSIPCHECK_SKIP_BROWSER === '1';
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function conformance(out: string, matrix: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      'bash',
      [
        'scripts/conformance.sh',
        '--no-build',
        '--runs',
        '1',
        '--shrink-budget',
        '10',
        '--out',
        out,
        '--matrix',
        matrix,
      ],
      { cwd: ROOT, maxBuffer: 64 << 20, timeout: 1_500_000 },
      (err, stdout, stderr) =>
        done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const IMPLEMENTATIONS = [
  'gossipcheck-reference',
  'scuttlebutt',
  'hashicorp/memberlist',
  'libp2p-gossipsub',
  'hashicorp/serf',
];

describe('npm run conformance', () => {
  test('five implementations, one column each, every column judged something', {
    timeout: 1_600_000,
  }, async () => {
    const work = await mkdtemp(join(tmpdir(), 'gossipcheck-conformance-'));
    dirs.push(work, `${join(work, 'report')}.work`);
    const out = join(work, 'report');
    const matrix = join(work, 'matrix.md');
    const res = await conformance(out, matrix);
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
    expect(res.stdout).toContain(`conformance report: ${out}/index.html`);

    // Every run of every implementation is kept; the page combines them per implementation.
    const merged = JSON.parse(await readFile(join(out, 'merged.json'), 'utf8')) as {
      runs: { report: RunReport }[];
    };
    const names = [...new Set(merged.runs.map((r) => r.report.implementation.name))];
    expect(names).toEqual(IMPLEMENTATIONS);
    for (const name of IMPLEMENTATIONS) {
      const judged = merged.runs
        .filter((r) => r.report.implementation.name === name)
        .flatMap((r) => r.report.results)
        .filter((x) => x.verdict === 'PASS' || x.verdict === 'FAIL' || x.verdict === 'INFO');
      expect(judged.length, `${name} judged nothing`).toBeGreaterThan(0);
    }
    // The matrix for the docs (npm run conformance writes docs/conformance-matrix.md): one column
    // each, and memberlist's long-cut failure shown as what it is.
    const md = (await readFile(matrix, 'utf8')).split('\n');
    const head = md.find((l) => l.startsWith('| case | variant |'));
    for (const name of IMPLEMENTATIONS) expect(head).toContain(name);
    const heal = md.find((l) => l.startsWith('| `membership/partition-heal` | membership-swim |'));
    expect(heal?.split(' | ')[4]).toMatch(/^\*\*FAIL\*\*/);

    if (skipBrowser || !existsSync(CHROMIUM)) return;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${out}/index.html`);
      const headers = await page.locator('table.matrix th.impl').allTextContents();
      expect(headers).toHaveLength(IMPLEMENTATIONS.length);
      for (const [i, name] of IMPLEMENTATIONS.entries()) expect(headers[i]).toContain(name);
      // The realtime-only libraries have real cells on the realtime rows.
      const row = page.locator('table.matrix tr', { hasText: 'convergence/monotonic-versions' }).filter({
        hasText: 'rumor-push',
      });
      const cells = await row.locator('td.cell').evaluateAll((tds) => tds.map((td) => td.className));
      expect(cells).toHaveLength(IMPLEMENTATIONS.length);
      expect(cells[2]).toContain('PASS');
      expect(cells[3]).toContain('PASS');
    } finally {
      await browser.close();
    }
  });
});
