// index.html in a real browser: Debian's headless Chromium driven by
// playwright-core. scripts/ensure-chromium.sh installs it when missing (as
// root); GOSSIPCHECK_SKIP_BROWSER=1 skips these tests on a machine without it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../engine/history/events.js';
import { toJsonl } from '../engine/history/recorder.js';
import { runLockstep } from '../engine/runner/lockstep.js';
import { ReferenceHost } from '../reference/host.js';
import { membershipSpec } from '../suites/cases/membership.js';
import { mergeReportDirs } from './merge.js';
import { historyText, report, result, XSS, XSS_IMG, XSS_SCRIPT } from './testing/fixtures.js';
import { writeReportDir } from './write.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = '/usr/bin/chromium';
const skip = process.env.GOSSIPCHECK_SKIP_BROWSER === '1';
/** Where the screenshots go (kept after the run, for a person to look at). */
// Screenshots are kept only where GOSSIPCHECK_SCREENSHOTS asks; by default they go with the temp dir.
let SHOTS = process.env.GOSSIPCHECK_SCREENSHOTS ?? '';

let context: BrowserContext;
let work: string;

async function launch(under: string): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    // Installs Debian's chromium as root; fails with the command to run otherwise.
    execFileSync(join(ROOT, 'scripts/ensure-chromium.sh'), { stdio: 'inherit' });
  }
  // playwright manages --user-data-dir itself: a fresh, empty one per run.
  const profile = await mkdtemp(join(under, 'chromium-'));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
    ],
    viewport: { width: 1280, height: 900 },
  });
}

interface Opened {
  page: Page;
  errors: string[];
  requests: string[];
}

async function open(file: string): Promise<Opened> {
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`file://${file}`);
  await page.waitForLoadState('load');
  return { page, errors, requests };
}

const nodes = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];

/** A run with two implementations' worth of cases; the second IUT's strings carry script payloads. */
async function fixtureDir(name: string, version: string, failing: boolean): Promise<string> {
  const dir = await mkdtemp(join(work, 'run-'));
  await mkdir(join(dir, 'histories'), { recursive: true });
  await mkdir(join(dir, 'counterexamples'), { recursive: true });
  await writeFile(join(dir, 'histories/nofault.jsonl'), historyText({ nodes, rounds: 30 }));
  await writeFile(
    join(dir, 'histories/partition.jsonl'),
    historyText({ nodes, rounds: 8, scenario: 'other' }) +
      historyText({ nodes, rounds: 14, scenario: 'halves', partition: { from: 3, until: 7 } }),
  );
  await writeFile(
    join(dir, 'counterexamples/cx.jsonl'),
    historyText({ nodes: nodes.slice(0, 4), rounds: 9, partition: { from: 2, until: 5 } }),
  );
  await writeFile(join(dir, 'counterexamples/cx.json'), '{}');
  const results = [
    result('convergence/no-faults', 'anti-entropy-push', 'PASS', { history: 'histories/nofault.jsonl' }),
    result('convergence/after-partition/halves', 'anti-entropy-push', failing ? 'FAIL' : 'PASS', {
      history: 'histories/partition.jsonl',
      scenario: 'halves',
      ...(failing
        ? {
            evidence: {
              expected: '<= 9 rounds',
              observed: `diverged: ${XSS}`,
              details: [`node ${XSS}`, XSS_IMG],
            },
            counterexample: {
              seed: 3,
              path: '1:0',
              file: 'counterexamples/cx.json',
              replay: `gossipcheck replay counterexamples/cx.json --impl "${XSS_SCRIPT}"`,
              history: 'counterexamples/cx.jsonl',
            },
          }
        : {}),
    }),
    result('bounds/fanout', 'anti-entropy-push', 'NON-STRICT', {}, 'SHOULD'),
    result('sir/quiescence', 'rumor-push', 'UNSUPPORTED'),
    result('convergence/lost-history', 'rumor-push', 'INFO', { history: 'histories/does-not-exist.jsonl' }),
  ];
  await writeReportDir(dir, report(name, version, results));
  return dir;
}

/** Nodes of the membership fixture run (two of them crash). */
const SWIM_NODES = 6;

/** A membership/detect-crash report from a real run of the in-process reference (SWIM, 2 crashes). */
async function membershipDir(): Promise<string> {
  const dir = await mkdtemp(join(work, 'swim-'));
  await mkdir(join(dir, 'histories'), { recursive: true });
  const spec = membershipSpec(
    'crash',
    {
      n: SWIM_NODES,
      seed: 5,
      probePeriod: 2,
      indirectProbes: 2,
      retransmitMult: 2,
      suspicionExtra: 0,
      pushPullPeriods: 3,
      joiners: 0,
      at: 5,
      victims: 2,
      lossPercent: 0,
      span: 10,
    },
    10_000,
    0,
  );
  const events: HistoryEvent[] = [];
  await runLockstep(spec, [{ endpoint: new ReferenceHost(), nodes: spec.nodes }], (e) => events.push(e));
  await writeFile(join(dir, 'histories/detect-crash.jsonl'), toJsonl(events));
  const results = [
    result('membership/detect-crash', 'membership-swim', 'PASS', {
      history: 'histories/detect-crash.jsonl',
      scenario: 'membership/crash',
    }),
  ];
  await writeReportDir(dir, report('reference', '0.1.0', results));
  return dir;
}

describe.skipIf(skip)('index.html in headless Chromium', () => {
  let single: string;
  let merged: string;
  let swim: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'gossipcheck-browser-'));
    SHOTS ||= join(work, 'screenshots');
    await mkdir(SHOTS, { recursive: true });
    context = await launch(work);
    single = await fixtureDir('reference', '0.1.0', false);
    const evil = await fixtureDir(`evil ${XSS}`, `6.6.6 ${XSS}`, true);
    merged = join(work, 'merged');
    await mergeReportDirs([single, evil], merged);
    swim = await membershipDir();
  }, 600_000);

  afterAll(async () => {
    await context?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('renders the matrix and the plots with no console errors and no requests beyond the file', async () => {
    const { page, errors, requests } = await open(join(merged, 'index.html'));
    // 5 rows (case, variant) × 2 implementations
    expect(await page.locator('#matrix tbody tr').count()).toBe(5);
    expect(await page.locator('#matrix td.cell').count()).toBe(10);
    expect(await page.locator('#matrix td.cell.FAIL').count()).toBe(1);
    expect(await page.locator('section.case').count()).toBe(10);
    // informed fraction + messages per history-backed case, with the theory curve
    expect(await page.locator('figure.informed svg polyline.s-measured').count()).toBe(4);
    expect(await page.locator('figure.informed svg polyline.s-theory').count()).toBe(4);
    expect(await page.locator('figure.messages svg polyline').count()).toBe(4);
    // fault windows shaded in the partition case's plots (both runs)
    expect(await page.locator('figure.messages svg rect.shade-link').count()).toBeGreaterThanOrEqual(2);
    // the counterexample timeline: 2 halves of 4 nodes -> 8 directed edges cut
    expect(await page.locator('figure.timeline-fig svg rect.bar-cut').count()).toBe(8);
    // space-time diagrams: arrows drawn, paged
    expect(await page.locator('svg.spacetime path.env-ok').count()).toBeGreaterThan(0);
    expect(await page.locator('svg.spacetime path.env-drop').count()).toBeGreaterThan(0);
    // the missing history is a note, not a crash
    expect(await page.locator('body').textContent()).toContain(
      'histories/does-not-exist.jsonl could not be read: file not found',
    );
    // the scenario's run block was drawn (14 rounds, not the first block's 8)
    expect(await page.locator('section.case').nth(2).textContent()).toContain('6 nodes, 14 rounds');
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'merged-top.png') });
    await page
      .locator('section.case.v-FAIL')
      .first()
      .screenshot({ path: join(SHOTS, 'failure-section.png') });
    await page.close();
  });

  it('filters rows by verdict and by suite', async () => {
    const { page, errors } = await open(join(merged, 'index.html'));
    const visible = () => page.locator('#matrix tbody tr:visible').count();
    expect(await visible()).toBe(5);
    // hide PASS: rows whose cells are all PASS disappear (no-faults); after-partition stays (FAIL in one column)
    await page.locator('input[name=verdict][value=PASS]').uncheck();
    expect(await visible()).toBe(4);
    expect(await page.locator('#matrix td.cell.dim').count()).toBe(3);
    expect(await page.locator('section.case.v-PASS:visible').count()).toBe(0);
    await page.locator('input[name=verdict][value=NON-STRICT]').uncheck();
    await page.locator('input[name=verdict][value=UNSUPPORTED]').uncheck();
    await page.locator('input[name=verdict][value=INFO]').uncheck();
    expect(await visible()).toBe(1);
    expect(await page.locator('#shown').textContent()).toBe('1 of 5 rows shown');
    await page.locator('input[name=verdict][value=PASS]').check();
    await page.locator('select[name=suite]').selectOption('bounds');
    expect(await visible()).toBe(0);
    await page.locator('input[name=verdict][value=NON-STRICT]').check();
    expect(await visible()).toBe(1);
    expect(await page.locator('section.case:visible').count()).toBe(2);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('pages the space-time diagram with prev/next', async () => {
    const { page, errors } = await open(join(single, 'index.html'));
    const pager = page.locator('#case-0-0 .pager');
    await page.locator('#case-0-0 details').evaluate((d) => {
      (d as HTMLDetailsElement).open = true;
    });
    const pages = pager.locator(':scope > .page');
    const n = await pages.count();
    expect(n).toBeGreaterThan(2);
    expect(await pager.locator(':scope > .page:visible').count()).toBe(1);
    expect(await pager.locator('.pos').textContent()).toBe(`page 1 of ${n}`);
    expect(await pager.locator('.prev').isDisabled()).toBe(true);
    await pager.locator('.next').click();
    expect(await pager.locator('.pos').textContent()).toBe(`page 2 of ${n}`);
    expect(await pages.nth(1).isVisible()).toBe(true);
    expect(await pages.nth(0).isVisible()).toBe(false);
    // every round is on some page: the last page ends at the run's last round
    expect(
      await pages
        .nth(n - 1)
        .locator('svg title')
        .first()
        .textContent(),
    ).toMatch(/to 30 \(page/);
    await page.locator('#case-0-0').screenshot({ path: join(SHOTS, 'case-with-plots.png') });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('executes nothing an IUT put in its name, version or error texts', async () => {
    const { page, errors } = await open(join(merged, 'index.html'));
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('script').count()).toBe(1);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('[onerror]').count()).toBe(0);
    // the payloads are shown as text
    expect(await page.locator('table.meta').textContent()).toContain(`evil ${XSS_SCRIPT}`);
    expect(await page.locator('section.case.v-FAIL').textContent()).toContain(`diverged: ${XSS}`);
    expect(await page.locator('section.case.v-FAIL pre.cmd').textContent()).toContain(XSS_SCRIPT);
    const csp = await page.locator('meta[http-equiv=Content-Security-Policy]').getAttribute('content');
    expect(csp).toMatch(
      /^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; style-src 'sha256-[A-Za-z0-9+/=]+';/,
    );
    expect(csp).not.toContain('unsafe');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a membership case’s detection CDFs against theory and its view matrix', async () => {
    const { page, errors } = await open(join(swim, 'index.html'));
    const section = page.locator('#case-0-0');
    await section.locator('details').evaluate((d) => {
      (d as HTMLDetailsElement).open = true;
    });
    // first detection: the ECDF, the theory curve and the bound, drawn (not just present)
    const first = section.locator('figure.detection-cdf');
    await expect(first.isVisible()).resolves.toBe(true);
    expect(await first.locator('svg polyline.s-measured').count()).toBe(1);
    expect(await first.locator('svg polyline.s-theory').count()).toBe(1);
    expect(await first.locator('svg polyline.s-bound').count()).toBe(1);
    expect((await first.locator('svg polyline.s-theory').boundingBox())?.width).toBeGreaterThan(100);
    expect(await first.locator('figcaption').textContent()).toContain('over 2 crashes');
    expect(await first.locator('figcaption').textContent()).toContain('1 − e^(−q_f·t)');
    // dissemination: the two shifted theory curves bracket the measured one
    expect(await section.locator('figure.dissemination-cdf svg polyline.s-theory').count()).toBe(2);
    // no informed-fraction figure: a membership run writes nothing
    expect(await section.locator('figure.informed').count()).toBe(0);
    // the view matrix: n·n cells per grid, the end grid with both crashed members dead
    // at every live holder and the crashed holders' rows blank
    const grids = section.locator('figure.viewmatrix svg.viewgrid');
    const count = await grids.count();
    expect(count).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < count; i++)
      expect(await grids.nth(i).locator('g.vm-cell').count()).toBe(SWIM_NODES * SWIM_NODES);
    const end = grids.nth(count - 1);
    expect(await end.locator('g.vm-dead').count()).toBe((SWIM_NODES - 2) * 2);
    expect(await end.locator('g.vm-down').count()).toBe(2 * SWIM_NODES);
    expect(await grids.first().locator('g.vm-dead').count()).toBe(0);
    expect((await end.boundingBox())?.width).toBeGreaterThan(100);
    expect(errors).toEqual([]);
    await section.screenshot({ path: join(SHOTS, 'membership-case.png') });
    await page.close();
  });

  it('lists the failures by the check that broke, above the matrix, smallest counterexample first', async () => {
    const dir = join(work, 'groups');
    const cx = (writes: number, replay: string) => ({
      seed: 1,
      path: '0',
      file: 'counterexamples/x.json',
      history: 'counterexamples/x.jsonl',
      replay,
      shape: { nodes: 3, writes, faults: 0, text: `3 nodes, ${writes} writes, no faults` },
    });
    const broken = { brokenCheck: 'convergence/no-lost-update' };
    await writeReportDir(
      dir,
      report('drops-writes', '1', [
        result('convergence/no-faults', 'direct-mail', 'FAIL', {
          ...broken,
          counterexample: cx(4, 'replay A'),
        }),
        result('convergence/under-loss', 'hybrid', 'FAIL', { ...broken, counterexample: cx(2, 'replay B') }),
        result('contract/unique-versions', 'hybrid', 'FAIL'),
        result('convergence/no-faults', 'hybrid', 'PASS'),
      ]),
    );
    const { page, errors } = await open(join(dir, 'index.html'));
    const items = page.locator('ul.groups li');
    expect(await items.count()).toBe(2);
    expect(await items.first().textContent()).toBe(
      'convergence/no-lost-update broke 2 cases (2 case ids, 2 variants); smallest counterexample: convergence/under-loss [hybrid], 3 nodes, 2 writes, no faults: replay B',
    );
    // Above the matrix: the first thing after the header.
    expect(await page.locator('main > h2').first().textContent()).toBe('Failures by check');
    expect(await items.first().isVisible()).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('junit.xml parses in the browser; every testcase has name and classname; failures carry a message', async () => {
    const { page } = await open(join(merged, 'index.html'));
    const xml = await readFile(join(merged, 'junit.xml'), 'utf8');
    const check = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      const cases = [...doc.querySelectorAll('testsuites > testsuite > testcase')];
      return {
        parseError: doc.querySelector('parsererror')?.textContent ?? null,
        suites: doc.querySelectorAll('testsuites > testsuite').length,
        suitesNamed: [...doc.querySelectorAll('testsuite')].every((s) => !!s.getAttribute('name')),
        cases: cases.length,
        casesNamed: cases.every((c) => !!c.getAttribute('name') && !!c.getAttribute('classname')),
        failures: [...doc.querySelectorAll('failure')].map((f) => f.getAttribute('message')),
        skipped: doc.querySelectorAll('skipped').length,
      };
    }, xml);
    expect(check.parseError).toBeNull();
    expect(check.suites).toBe(6);
    expect(check.suitesNamed).toBe(true);
    expect(check.cases).toBe(10);
    expect(check.casesNamed).toBe(true);
    expect(check.failures).toEqual([`MUST broken: diverged: ${XSS}`]);
    expect(check.skipped).toBe(2);
    await page.close();
  });

  const cli = join(ROOT, 'dist/cli/main.js');
  it.skipIf(!existsSync(cli))(
    'renders a real run of the CLI (built dist/) without errors',
    async () => {
      const out = join(work, 'cli-run');
      try {
        execFileSync(
          process.execPath,
          [cli, 'run', '--variant', 'anti-entropy-push-pull', '--nodes', '8', '--out', out],
          {
            stdio: 'pipe',
            timeout: 120_000,
          },
        );
      } catch (err) {
        // exit 1 (a MUST failed) still writes the report
        if ((err as { status?: number }).status !== 1) throw err;
      }
      // and `gossipcheck report DIR` re-renders it in place
      execFileSync(process.execPath, [cli, 'report', out], { stdio: 'pipe' });
      const { page, errors } = await open(join(out, 'index.html'));
      const cells = await page.locator('#matrix td.cell').count();
      expect(cells).toBeGreaterThan(0);
      expect(await page.locator('figure.informed svg polyline').count()).toBeGreaterThan(0);
      expect(await page.locator('figure.messages svg polyline').count()).toBeGreaterThan(0);
      expect(errors).toEqual([]);
      await page.screenshot({ path: join(SHOTS, 'cli-run.png'), fullPage: false });
      await page.close();
    },
    180_000,
  );
});
