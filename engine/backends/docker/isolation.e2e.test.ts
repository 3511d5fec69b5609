// Runs are isolated from each other and from the host, and leave nothing:
// concurrent direct-transport runs next to an administrator's DOCKER-USER
// rules, SIGINT at several points of a run's life, SIGKILL then `gossipcheck
// clean`. Through the built CLI against a real docker engine
// (GOSSIPCHECK_DOCKER_TESTS=0 skips it). Waits poll for conditions; nothing
// here asserts how long anything took.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, tempDirs } from '../../testing/cli.js';
import { ensureBaseImageForTests, foreignDockerUserRules, leftoversOf, sh } from '../../testing/docker.js';

const runIdOf = (out: string): string => /run ([0-9a-f]{8}):/.exec(out)?.[1] ?? '';

interface Chaos {
  child: ChildProcess;
  out: () => string;
  code: Promise<number | null>;
}

function startChaos(args: string[]): Chaos {
  const child = spawn(process.execPath, [CLI, 'chaos', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const add = (c: Buffer) => {
    out += c.toString();
  };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  const code = new Promise<number | null>((done) => child.on('close', (c) => done(c)));
  return { child, out: () => out, code };
}

async function until(cond: () => boolean, what: string, ms = 180_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

type Counters = { t: 'counters'; passed: [string, string, number, number][] };
const countersOf = (dir: string): Counters[] =>
  readFileSync(join(dir, 'history.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"t":"counters"'))
    .map((l) => JSON.parse(l) as Counters);

const ipt = (...args: string[]) => spawnSync('iptables', ['-w', '30', ...args], { stdio: 'ignore' }).status;
const SENTINEL_TOP = [
  '-s',
  '192.0.2.1/32',
  '-m',
  'comment',
  '--comment',
  'admin-sentinel-top',
  '-j',
  'ACCEPT',
];
const SENTINEL_END = ['-s', '192.0.2.2/32', '-m', 'comment', '--comment', 'admin-sentinel-end', '-j', 'DROP'];

describe.skipIf(process.env.GOSSIPCHECK_DOCKER_TESTS === '0')('chaos runs: isolation and cleanup', () => {
  const dirs = tempDirs();
  beforeAll(async () => {
    await ensureBaseImageForTests();
  }, 300_000);
  afterAll(() => dirs.cleanup());

  it('two concurrent direct-transport runs: both PASS, admin rules and RETURN intact, counters their own', async () => {
    // An administrator's rules above and below docker's RETURN.
    expect(ipt('-I', 'DOCKER-USER', '1', ...SENTINEL_TOP)).toBe(0);
    expect(ipt('-A', 'DOCKER-USER', ...SENTINEL_END)).toBe(0);
    try {
      const before = foreignDockerUserRules();
      expect(before).toContain('-A DOCKER-USER -j RETURN');
      const [outA, outB] = [dirs.make(), dirs.make()];
      const common = ['--nodes', '5', '--transport', 'direct', '--settle', '30'];
      // A ends (and tears down) while B is still running.
      const a = startChaos([...common, '--duration', '5', '--seed', '3', '--out', outA]);
      const b = startChaos([...common, '--duration', '16', '--seed', '4', '--out', outB]);
      const [codeA, codeB] = await Promise.all([a.code, b.code]);
      expect(codeA, a.out()).toBe(0);
      expect(codeB, b.out()).toBe(0);
      expect(foreignDockerUserRules()).toEqual(before);
      for (const [dir, run] of [
        [outA, a],
        [outB, b],
      ] as const) {
        const counters = countersOf(dir);
        expect(counters.length).toBeGreaterThanOrEqual(2);
        // Every directed edge is counted in every snapshot, and counts only grow: no rule
        // of this run was deleted or reset by the other run.
        let last = new Map<string, number>();
        for (const c of counters) {
          expect(c.passed.map(([f, t]) => `${f}>${t}`)).toHaveLength(20);
          const now = new Map(c.passed.map(([f, t, p]) => [`${f}>${t}`, p] as [string, number]));
          for (const [edge, p] of last) expect(now.get(edge)!, edge).toBeGreaterThanOrEqual(p);
          last = now;
        }
        expect([...last.values()].every((p) => p > 0)).toBe(true);
        expect(leftoversOf(runIdOf(run.out()))).toEqual([]);
      }
      expect(runIdOf(a.out())).not.toEqual(runIdOf(b.out()));
    } finally {
      ipt('-D', 'DOCKER-USER', ...SENTINEL_TOP);
      ipt('-D', 'DOCKER-USER', ...SENTINEL_END);
    }
  }, 300_000);

  it('SIGINT during compose up leaves nothing', async () => {
    const run = startChaos([
      '--nodes',
      '8',
      '--duration',
      '30',
      '--transport',
      'direct',
      '--out',
      dirs.make(),
    ]);
    let id = '';
    const containers = () => sh('docker', ['ps', '-aq', '--filter', `label=gossipcheck.run=${id}`]);
    await until(() => {
      id = runIdOf(run.out());
      return id !== '' && containers() !== '';
    }, 'the first container of the run exists');
    const upDone = run.out().includes('cluster up');
    run.child.kill('SIGINT');
    expect(await run.code, run.out()).toBe(130);
    expect(upDone, 'SIGINT landed after compose up had finished').toBe(false);
    expect(leftoversOf(id)).toEqual([]);
  }, 240_000);

  it('SIGINT twice during teardown leaves nothing', async () => {
    const run = startChaos([
      '--nodes',
      '4',
      '--duration',
      '3',
      '--settle',
      '10',
      '--transport',
      'direct',
      '--out',
      dirs.make(),
    ]);
    await until(() => run.out().includes('tearing down'), 'teardown starts');
    const id = runIdOf(run.out());
    run.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 100));
    run.child.kill('SIGINT');
    expect(await run.code, run.out()).toBe(130);
    expect(leftoversOf(id)).toEqual([]);
  }, 240_000);

  it('SIGINT during the base image build leaves no image, staging tag, lock or temp dir', async () => {
    // A copy of the kit with one extra file has a base image tag of its own, which no one has built.
    const kit = dirs.make();
    cpSync(resolve('dist'), join(kit, 'dist'), { recursive: true });
    symlinkSync(resolve('node_modules'), join(kit, 'node_modules'));
    writeFileSync(join(kit, 'dist', 'reference', 'probe.js'), `// ${kit}\n`);
    const child = spawn(
      process.execPath,
      [join(kit, 'dist/cli/main.js'), 'chaos', '--nodes', '2', '--duration', '1', '--out', dirs.make()],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const code = new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    const pid = child.pid!;
    const locks = join(tmpdir(), 'gossipcheck-locks');
    const holdsLock = () =>
      existsSync(locks) &&
      readdirSync(locks).some((n) => {
        try {
          return n.endsWith('.lock') && JSON.parse(readFileSync(join(locks, n), 'utf8')).pid === pid;
        } catch {
          return false;
        }
      });
    await until(() => holdsLock() || out.includes('base image'), 'the run takes the image lock');
    expect(out).not.toContain('base image');
    child.kill('SIGINT');
    expect(await code, out).toBe(130);
    expect(holdsLock()).toBe(false);
    expect(sh('docker', ['images', '-q', '--filter', `label=gossipcheck.pid=${pid}`])).toBe('');
    expect(sh('docker', ['images', '--format', '{{.Tag}}', 'gossipcheck-reference'])).not.toContain(
      `staging-${pid}-`,
    );
    const ownDirs = readdirSync(tmpdir()).filter((n) => {
      try {
        return JSON.parse(readFileSync(join(tmpdir(), n, '.gossipcheck-owner'), 'utf8')).pid === pid;
      } catch {
        return false;
      }
    });
    expect(ownDirs).toEqual([]);
  }, 240_000);

  it('SIGKILL mid-run leaves things; the next chaos run warns; gossipcheck clean removes them all', async () => {
    const run = startChaos([
      '--nodes',
      '4',
      '--duration',
      '60',
      '--transport',
      'direct',
      '--out',
      dirs.make(),
    ]);
    await until(() => /\d+\.\ds pause n\d/.test(run.out()), 'a node is paused');
    const id = runIdOf(run.out());
    run.child.kill('SIGKILL');
    await run.code;
    const left = leftoversOf(id);
    expect(
      left.some((l) => l.startsWith('containers')),
      left.join('\n'),
    ).toBe(true);
    expect(
      left.some((l) => l.startsWith('iptables')),
      left.join('\n'),
    ).toBe(true);

    const listed = await runCli(['clean', '--dry-run', '--run', id]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`GC-${id}`);
    expect(leftoversOf(id)).toEqual(left);

    // A new run notices before it starts (it fails fast here: --image names no image).
    const warned = await runCli([
      'chaos',
      '--nodes',
      '2',
      '--image',
      'gossipcheck-no-such-image:0',
      '--duration',
      '1',
    ]);
    expect(warned.stderr).toMatch(/warning: dead runs left .*`gossipcheck clean`/);

    const cleaned = await runCli(['clean', '--run', id], 180_000);
    expect(cleaned.code, cleaned.stdout + cleaned.stderr).toBe(0);
    expect(leftoversOf(id)).toEqual([]);
    expect((await runCli(['clean', '--dry-run', '--run', id])).stdout).toContain('nothing to clean');
  }, 300_000);

  it('clean --help exits 0; an unknown flag exits 2 with one line on stderr', async () => {
    const help = await runCli(['clean', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: gossipcheck clean/);
    const bad = await runCli(['clean', '--no-such-flag']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
