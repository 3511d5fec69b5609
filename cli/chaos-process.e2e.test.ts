// `gossipcheck chaos --backend process`: a realtime run with every node in one
// real --impl process, over real gRPC, with the seeded fault schedule, no
// docker. Nothing here asserts how fast anything happens: settle waits for
// convergence up to a generous limit; the verdicts are judged on the history.
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { CLI, readHistory, readReport, runCli, tempDirs } from '../engine/testing/cli.js';
import type { RunReport } from '../suites/result.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const reference = (extra = '') => `"${process.execPath}" "${CLI}" serve-reference --listen {listen}${extra}`;
const report = (dir: string) => readReport<RunReport>(dir);
const history = readHistory;
const verdict = (r: RunReport, id: string) => r.results.find((x) => x.id === id)?.verdict;
const RUN = [
  'chaos',
  '--backend',
  'process',
  '--nodes',
  '4',
  '--duration',
  '5',
  '--settle',
  '60',
  '--period',
  '50',
];

describe('chaos --backend process', () => {
  test('the reference under the seeded schedule: kill, restart and partition applied, converged, exit 0', async () => {
    const out = join(dirs.make(), 'r');
    const res = await runCli([...RUN, '--impl', reference(), '--seed', '3', '--out', out]);
    expect(res.code, res.stderr).toBe(0);
    const r = report(out);
    for (const id of ['run/completed', 'convergence/identical-state', 'convergence/no-lost-update'])
      expect(verdict(r, id), id).toBe('PASS');
    const h = history(out);
    expect(h.some((e) => e.t === 'crash')).toBe(true);
    expect(h.some((e) => e.t === 'restart')).toBe(true);
    expect(h.some((e) => e.t === 'fault' && e.fault.kind === 'partition')).toBe(true);
  });

  test('a node that never repairs (ignores digests) fails convergence: exit 1', async () => {
    const out = join(dirs.make(), 'r');
    const res = await runCli([
      ...RUN,
      '--impl',
      reference(' --fixture ignores-pull'),
      '--seed',
      '3',
      '--settle',
      '5',
      '--out',
      out,
    ]);
    expect(res.code, res.stderr).toBe(1);
    expect(verdict(report(out), 'convergence/identical-state')).toBe('FAIL');
  });

  test('a rumor variant is measured, not gated: identical state and lost updates are INFO', async () => {
    const out = join(dirs.make(), 'r');
    const res = await runCli([
      ...RUN,
      '--impl',
      reference(),
      '--variant',
      'rumor-push',
      '--faults',
      'none',
      '--settle',
      '3',
      '--out',
      out,
    ]);
    expect(res.code, res.stderr).toBe(0);
    const r = report(out);
    expect(verdict(r, 'convergence/identical-state')).toBe('INFO');
    expect(verdict(r, 'convergence/monotonic-versions')).toBe('PASS');
    expect(history(out).some((e) => e.t === 'fault')).toBe(false);
  });

  test('membership-swim on its own timers: after the heal every view is one, all alive', async () => {
    const out = join(dirs.make(), 'r');
    const res = await runCli([
      ...RUN,
      '--impl',
      reference(),
      '--variant',
      'membership-swim',
      '--seed',
      '3',
      // 5 s: the seeded schedule draws no join or leave, and the crash is restarted before its
      // detection bound: those cases are INCONCLUSIVE, which alone would fail the gate.
      '--allow-inconclusive',
      '--out',
      out,
    ]);
    expect(res.code, res.stderr).toBe(0);
    const r = report(out);
    expect(verdict(r, 'membership/partition-heal')).toBe('PASS');
    expect(r.results.filter((x) => x.verdict === 'FAIL').map((x) => x.id)).toEqual([]);
    const reads = history(out).filter((e) => e.t === 'read');
    expect(reads.every((e) => e.t === 'read' && (e.members?.length ?? 0) > 0)).toBe(true);
    expect(history(out).some((e) => e.t === 'update')).toBe(false);
  });

  test('a variant the endpoint does not declare runs nothing: UNSUPPORTED, exit 1', async () => {
    const out = join(dirs.make(), 'r');
    const res = await runCli([
      ...RUN,
      '--impl',
      reference(' --variant anti-entropy-push-pull'),
      '--variant',
      'hybrid',
      '--out',
      out,
    ]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stdout).toMatch(/nothing judged: .*variant hybrid not declared/);
    const r = report(out);
    expect(r.results.length).toBeGreaterThan(1);
    expect(r.results.every((x) => x.verdict === 'UNSUPPORTED')).toBe(true);
  });

  test.each([
    [['--impl', 'x'], /--impl needs --backend process/],
    [['--backend', 'process'], /needs --impl/],
    [
      ['--backend', 'process', '--impl', 'x', '--transport', 'direct'],
      /--transport direct is for --backend docker or swarm/,
    ],
    [['--backend', 'process', '--impl', 'x', '--variant', 'push-sum'], /--variant must be one of/],
    [['--backend', 'process', '--impl', 'exit 3'], /cannot start --impl: IUT process exited with code 3/],
    [['--stack', 'st'], /--stack is for --backend swarm/],
    [['--agent-image', 'reg/kit:1'], /--agent-image is for --backend swarm/],
    [['--backend', 'swarm', '--build', '.'], /--build is for --backend docker/],
    [['--backend', 'swarm', '--stack', 'Bad Name'], /--stack must be 1 to 40 of/],
  ])('usage: %j', async (args, message) => {
    const res = await runCli(['chaos', ...args, '--out', join(dirs.make(), 'r')]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
  });
});
