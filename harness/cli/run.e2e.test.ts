// gossipcheck run end to end: real processes, real gRPC over loopback.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { VARIANTS } from '../../proto/contract.js';
import type { RunReport } from '../../reports/model.js';
import { BROKEN_ENDPOINT, CLI, runCli, tempDirs } from '../testing/cli.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

function report(dir: string): RunReport {
  return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunReport;
}

const SERVE_REFERENCE = `"${process.execPath}" "${CLI}" serve-reference --listen {listen}`;

/** The case ids each family must produce (and pass) in a run. */
const EXPECTED: Record<string, string[]> = {
  'direct-mail': ['convergence/identical-state', 'convergence/no-lost-update', 'bounds/direct-mail'],
  'anti-entropy-push': [
    'convergence/identical-state',
    'convergence/within-bound',
    'convergence/no-lost-update',
  ],
  'anti-entropy-pull': ['convergence/identical-state', 'convergence/within-bound'],
  'anti-entropy-push-pull': ['convergence/identical-state', 'convergence/within-bound'],
  hybrid: ['convergence/identical-state', 'convergence/within-bound', 'sir/terminal-status'],
  'rumor-push': ['sir/quiescence', 'sir/terminal-status'],
  'rumor-pull': ['sir/quiescence', 'sir/terminal-status'],
  'push-sum': ['pushsum/estimate-within-epsilon', 'pushsum/mass-conservation'],
};

describe('every reference variant passes without faults and after each partition shape heals', () => {
  for (const variant of VARIANTS) {
    for (const n of [3, 64]) {
      test(`${variant} on ${n} nodes`, async () => {
        const out = dirs.make();
        const res = await runCli([
          'run',
          '--variant',
          variant,
          '--nodes',
          String(n),
          '--seed',
          '11',
          '--out',
          out,
        ]);
        const r = report(out);
        const failed = r.results.filter((x) => x.verdict === 'FAIL' || x.verdict === 'NON-STRICT');
        expect(failed, JSON.stringify(failed.slice(0, 3), null, 1)).toEqual([]);
        expect(res.code).toBe(0);
        const passed = new Set(r.results.filter((x) => x.verdict === 'PASS').map((x) => x.id));
        for (const id of EXPECTED[variant]) expect(passed, `${id} passed`).toContain(id);
        if (variant.startsWith('anti-entropy') || variant === 'hybrid') {
          const scenarios = new Set(r.results.map((x) => x.scenario));
          for (const s of ['isolate', 'halves', 'majority-minority', 'ring', 'bridge', 'one-way']) {
            expect(scenarios).toContain(`partition/${s}`);
          }
        }
      });
    }
  }
});

describe('determinism', () => {
  test('the same seed gives identical history bytes; another seed does not', async () => {
    const [a, b, c] = [dirs.make(), dirs.make(), dirs.make()];
    const args = ['run', '--variant', 'hybrid', '--nodes', '12'];
    await runCli([...args, '--seed', '5', '--out', a]);
    await runCli([...args, '--seed', '5', '--out', b]);
    await runCli([...args, '--seed', '6', '--out', c]);
    const [ha, hb, hc] = [a, b, c].map((d) => readFileSync(join(d, 'history.jsonl')));
    expect(ha.length).toBeGreaterThan(1000);
    expect(ha.equals(hb)).toBe(true);
    expect(ha.equals(hc)).toBe(false);
  });
});

describe('the reference out of process (--impl) passes the same checks as in-process', () => {
  for (const variant of ['anti-entropy-push-pull', 'rumor-push', 'push-sum', 'direct-mail'] as const) {
    test(variant, async () => {
      const [inproc, outproc] = [dirs.make(), dirs.make()];
      const args = ['run', '--variant', variant, '--nodes', '10', '--seed', '3'];
      const a = await runCli([...args, '--out', inproc]);
      const b = await runCli([...args, '--impl', SERVE_REFERENCE, '--out', outproc]);
      expect(a.code).toBe(0);
      expect(b.code).toBe(0);
      const verdicts = (d: string) => report(d).results.map((x) => `${x.scenario} ${x.id} ${x.verdict}`);
      expect(verdicts(outproc)).toEqual(verdicts(inproc));
      // Same seed, same behaviour: gRPC changes nothing in the history.
      expect(
        readFileSync(join(outproc, 'history.jsonl')).equals(readFileSync(join(inproc, 'history.jsonl'))),
      ).toBe(true);
    });
  }
});

function processesWith(marker: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((line) => line.includes(marker) && !line.includes('ps -eo'));
}

describe('a broken IUT fails the run with a reason and leaves no process behind', () => {
  for (const [mode, reason] of [
    ['hang-tick', /Tick did not answer within 1500 ms/],
    ['exit-mid-run', /exited with code 3/],
  ] as const) {
    test(mode, async () => {
      const out = dirs.make();
      const marker = `gc-marker-${mode}-${process.pid}`;
      const impl = `"${process.execPath}" "${BROKEN_ENDPOINT}" ${mode} --marker ${marker}`;
      const res = await runCli([
        'run',
        '--impl',
        impl,
        '--variant',
        'anti-entropy-push-pull',
        '--nodes',
        '4',
        '--timeout',
        '1500',
        '--out',
        out,
      ]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(reason);
      const fail = report(out).results.find((x) => x.id === 'run/completed');
      expect(fail?.verdict).toBe('FAIL');
      expect(processesWith(marker)).toEqual([]);
    });
  }
});

describe('bad user input is exit code 2 with a one-line reason', () => {
  for (const args of [
    ['run', '--nodes', 'many'],
    ['run', '--variant', 'telepathy'],
    ['run', '--bogus'],
    ['frobnicate'],
    ['serve-reference', '--listen', 'nowhere'],
  ]) {
    test(args.join(' '), async () => {
      const res = await runCli(args);
      expect(res.code).toBe(2);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(/^gossipcheck: /);
    });
  }
});
