// The examples are real implementations in other languages: each is built
// from the contract with Debian's toolchains, then checked by the built CLI
// exactly as an implementer would check theirs. GOSSIPCHECK_EXAMPLE_TESTS=0
// skips them where the toolchains cannot be installed (no root).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli, tempDirs } from '../engine/testing/cli.js';

interface Example {
  name: string;
  build: string;
  impl: string;
  /** Every variant the example declares, with the case that shows it works. */
  passes: Record<string, string>;
}

const EXAMPLES: Example[] = [
  {
    name: 'python',
    build: resolve('examples/python/build.sh'),
    impl: `/usr/bin/python3 "${resolve('examples/python/gossip_node.py')}" --listen {listen}`,
    passes: {
      'direct-mail': 'convergence/no-faults',
      'anti-entropy-push': 'convergence/no-faults',
      'anti-entropy-pull': 'convergence/no-faults',
      'anti-entropy-push-pull': 'convergence/no-faults',
      'rumor-push': 'sir/termination',
      'rumor-pull': 'sir/termination',
      hybrid: 'convergence/no-faults',
      'push-sum': 'pushsum/epsilon-rounds',
    },
  },
  {
    name: 'go',
    build: resolve('examples/go/build.sh'),
    impl: `"${resolve('examples/go/bin/gossip-node')}" --listen {listen}`,
    passes: {
      'direct-mail': 'convergence/no-faults',
      'anti-entropy-push': 'convergence/no-faults',
      'anti-entropy-pull': 'convergence/no-faults',
      'anti-entropy-push-pull': 'convergence/no-faults',
      'rumor-push': 'sir/termination',
      hybrid: 'convergence/no-faults',
      'push-sum': 'pushsum/epsilon-rounds',
    },
  },
];

interface Result {
  id: string;
  variant: string;
  verdict: string;
}

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

/** Why the examples cannot run here, or null when the toolchains are installed. */
let unavailable: string | null = null;

beforeAll(() => {
  try {
    execFileSync('bash', ['scripts/ensure-examples.sh'], { stdio: ['ignore', 'inherit', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    const why = `scripts/ensure-examples.sh failed: ${stderr || String(err)}`;
    // Skipping is an explicit choice; by default a missing toolchain is a failure.
    if (process.env.GOSSIPCHECK_EXAMPLE_TESTS !== '0') throw new Error(why);
    unavailable = why;
    process.stdout.write(`examples: skipped (GOSSIPCHECK_EXAMPLE_TESTS=0): ${why}\n`);
  }
}, 900_000);

describe('each example is built from proto/ and passes gossipcheck run for every variant it declares', () => {
  for (const example of EXAMPLES) {
    test(example.name, { timeout: 600_000 }, async (ctx) => {
      if (unavailable) ctx.skip(unavailable);
      execFileSync('bash', [example.build], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
      const out = dirs.make();
      const run = await runCli(['run', '--impl', example.impl, '--runs', '3', '--out', out], 540_000);
      const results = (JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { results: Result[] })
        .results;
      const failed = results.filter((r) => r.verdict === 'FAIL');
      expect(failed, JSON.stringify(failed.slice(0, 2))).toEqual([]);
      expect(run.code, run.stderr).toBe(0);
      for (const [variant, id] of Object.entries(example.passes)) {
        const verdict = results.find((r) => r.id === id && r.variant === variant)?.verdict;
        expect(verdict, `${id} [${variant}]`).toBe('PASS');
      }
      // Declared only what it implements: every other variant is left unjudged.
      const judged = new Set(results.filter((r) => r.verdict === 'PASS').map((r) => r.variant));
      expect([...judged].sort()).toEqual(Object.keys(example.passes).sort());
      // It declares the kit's contract version: no line says the contract moved.
      expect(run.stderr).not.toContain('declares contract');
      // The fast path: the run says the endpoint played most quiet rounds itself, and fell back nowhere.
      const played = /^transport: Session \+ Round: (\d+) % of \d+ rounds played by the endpoint/m.exec(
        run.stdout,
      );
      expect(played, run.stdout).not.toBeNull();
      expect(Number(played?.[1])).toBeGreaterThan(50);
      expect(run.stdout).not.toContain('fell back to unary');

      // Its played rounds are the harness's call-by-call ones: the same histories, byte for byte.
      const [fast, slow] = [dirs.make(), dirs.make()];
      const some = ['run', '--impl', example.impl, '--case', 'convergence/no-faults', '--runs', '3'];
      await runCli([...some, '--out', fast], 300_000);
      await runCli([...some, '--out', slow], 300_000, undefined, { ...process.env, GOSSIPCHECK_UNARY: '1' });
      const files = readdirSync(join(fast, 'histories')).sort();
      expect(files.length).toBeGreaterThan(0);
      expect(readdirSync(join(slow, 'histories')).sort()).toEqual(files);
      for (const f of files)
        expect(
          readFileSync(join(fast, 'histories', f)).equals(readFileSync(join(slow, 'histories', f))),
          f,
        ).toBe(true);
    });
  }
});
