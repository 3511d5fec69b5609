// The per-period bounds and SIR termination of realtime runs, end to end:
// `chaos --backend process` with the reference on its own timers, and the
// broken fixtures that break them (reference/broken, either clock mode via
// `serve-reference --fixture`). Nothing here asserts how fast anything runs:
// the bounds are counted per gossip period of the declared period_ms.
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { CLI, readReport, runCli, tempDirs } from '../engine/testing/cli.js';
import type { RunReport } from '../suites/result.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const impl = (fixture?: string) =>
  `"${process.execPath}" "${CLI}" serve-reference${fixture ? ` --fixture ${fixture}` : ''} --listen {listen}`;
const RUN = ['chaos', '--backend', 'process', '--nodes', '5', '--duration', '4', '--settle', '10'];
const RUN_ARGS = [...RUN, '--period', '100', '--faults', 'none', '--seed', '3'];

async function chaos(variant: string, fixture: string | undefined, extra: string[] = []) {
  const out = join(dirs.make(), 'r');
  const res = await runCli([
    ...RUN_ARGS,
    '--variant',
    variant,
    '--impl',
    impl(fixture),
    ...extra,
    '--out',
    out,
  ]);
  const r = readReport<RunReport>(out);
  return { code: res.code, stderr: res.stderr, get: (id: string) => r.results.find((x) => x.id === id) };
}

describe('realtime bounds per gossip period', () => {
  test('the reference opens at most fanout exchanges per period; fanout-exceeded (one more) is caught', async () => {
    const ok = await chaos('anti-entropy-push-pull', undefined, ['--fanout', '1']);
    expect(ok.code, ok.stderr).toBe(0);
    for (const id of ['bounds/fanout', 'contract/envelope-kind'])
      expect(ok.get(id)?.verdict, `${id}: ${ok.get(id)?.evidence.observed}`).toBe('PASS');
    expect(ok.get('bounds/messages-per-period')?.verdict).toBe('INFO');
    const broken = await chaos('anti-entropy-push-pull', 'fanout-exceeded', ['--fanout', '1']);
    expect(broken.code).toBe(1);
    expect(broken.get('bounds/fanout')?.verdict).toBe('FAIL');
    expect(broken.get('bounds/fanout')?.evidence.observed).toMatch(/pairs over the bound; max 1[2-9]/);
  });

  test('rumor-push: the reference falls silent within S + L periods; never-loses-interest is caught', async () => {
    const ok = await chaos('rumor-push', undefined);
    expect(ok.code, ok.stderr).toBe(0);
    for (const id of ['sir/quiescence', 'sir/terminal-status', 'bounds/fanout'])
      expect(ok.get(id)?.verdict, `${id}: ${ok.get(id)?.evidence.observed}`).toBe('PASS');
    const broken = await chaos('rumor-push', 'rumor-never-loses-interest');
    expect(broken.code).toBe(1);
    expect(broken.get('sir/quiescence')?.verdict).toBe('FAIL');
    expect(broken.get('sir/terminal-status')?.verdict).toBe('FAIL');
  });
});
