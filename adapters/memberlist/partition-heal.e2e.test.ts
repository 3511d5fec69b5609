// docs/implementations.md's known memberlist finding, as the realtime suites
// find it: a partition longer than the time to declare a member dead leaves
// two views that never merge again (probes and push-pull pick only members
// held alive). A saved realtime counterexample with such a cut, replayed
// against the real library, FAILs membership/partition-heal (the reference
// heals such cuts: cli/chaos-membership.e2e.test.ts, and the realtime suites'
// own runs). GOSSIPCHECK_EXAMPLE_TESTS=0 skips it where the library cannot
// be built, as for the adapter's own test.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, tempDirs } from '../../engine/testing/cli.js';
import { cutLengths, REALTIME_MEMBERSHIP, realtimeParams } from '../../suites/realtime/params.js';
import type { RealtimeCounterexample } from '../../suites/realtime/property.js';

const dirs = tempDirs();
let unavailable: string | null = null;
beforeAll(() => {
  try {
    execFileSync('bash', ['scripts/ensure-memberlist.sh'], { stdio: ['ignore', 'inherit', 'pipe'] });
    execFileSync('bash', ['adapters/memberlist/build.sh'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 600_000,
    });
  } catch (err) {
    const why = `memberlist adapter cannot be built: ${(err as { stderr?: Buffer }).stderr?.toString().trim() || String(err)}`;
    if (process.env.GOSSIPCHECK_EXAMPLE_TESTS !== '0') throw new Error(why);
    unavailable = why;
  }
}, 900_000);
afterAll(() => dirs.cleanup());

function counterexample(impl: string | null): string {
  const { longCut } = cutLengths(REALTIME_MEMBERSHIP, 100, 5);
  const cx: Omit<RealtimeCounterexample, 'verdict' | 'evidence' | 'fastCheck'> = {
    kit: 'gossipcheck',
    mode: 'realtime',
    case: 'membership/partition-heal',
    variant: 'membership-swim',
    // {n1, n2, n3} | {n4, n5}, longer than the time by which both sides hold each other dead (whp).
    input: {
      nodes: 5,
      writes: 0,
      faults: [{ kind: 'partition', shape: 'halves', pick: 0, start: 3, length: longCut }],
    },
    params: realtimeParams({
      variant: 'membership-swim',
      fanout: 2,
      periodMs: 100,
      lossOfInterest: 'feedback-counter',
      rumorK: 2,
      antiEntropyEvery: 3,
    }),
    seed: 1,
    durable: false,
    impl,
    cwd: process.cwd(),
    callTimeoutMs: 2000,
    startupTimeoutMs: 15_000,
  };
  const file = join(dirs.make(), 'cx.json');
  writeFileSync(file, JSON.stringify(cx));
  return file;
}

describe('memberlist, a partition longer than the dead timeout', () => {
  test('never heals: membership/partition-heal FAILs on replay', { timeout: 120_000 }, async (ctx) => {
    if (unavailable) return ctx.skip();
    const r = await runCli(
      ['replay', counterexample('adapters/memberlist/bin/memberlist-node --listen {listen}')],
      110_000,
    );
    expect(r.stdout, r.stderr).toMatch(
      /^FAIL membership\/partition-heal \[membership-swim\] \(hashicorp\/memberlist/,
    );
    expect(r.stdout).toMatch(/never one all-alive view/);
    expect(r.code).toBe(1);
  });
});
