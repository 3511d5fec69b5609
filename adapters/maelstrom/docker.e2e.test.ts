// `gossipcheck chaos --maelstrom` end to end, through the built CLI (dist/),
// against a real docker engine: every node of the test fixture in its own
// container, the harness routing its lines (partition) and pausing / killing
// containers. GOSSIPCHECK_DOCKER_TESTS=0 skips it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, tempDirs } from '../../engine/testing/cli.js';
import { ensureBaseImageForTests, sh } from '../../engine/testing/docker.js';
import type { RunReport } from '../../suites/result.js';

const NODE = resolve('adapters/maelstrom/fixtures/broadcast-node.mjs');

/** Containers and networks of run `id` still on the machine. */
function leftovers(id: string): string[] {
  const found: string[] = [];
  const containers = sh('docker', ['ps', '-aq', '--filter', `label=gossipcheck.run=${id}`]);
  if (containers) found.push(`containers: ${containers}`);
  const networks = sh('docker', ['network', 'ls', '-q', '--filter', `label=gossipcheck.run=${id}`]);
  if (networks) found.push(`networks: ${networks}`);
  return found;
}

const runIdOf = (stderr: string): string => /\(run ([0-9a-f]{8}),/.exec(stderr)?.[1] ?? '';
const verdict = (report: RunReport, id: string) => report.results.find((r) => r.id === id);
const readReport = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunReport;

describe.skipIf(process.env.GOSSIPCHECK_DOCKER_TESTS === '0')(
  'gossipcheck chaos --maelstrom (docker)',
  () => {
    const dirs = tempDirs();
    beforeAll(async () => {
      await ensureBaseImageForTests();
    }, 300_000);

    afterAll(() => dirs.cleanup());

    it('4 retry nodes with anti-entropy, partition + pause + kill/restart: PASS, nothing left', async () => {
      const out = dirs.make();
      const res = await runCli([
        'chaos',
        '--maelstrom',
        `node ${NODE} retry --sync-ms 300`,
        '--nodes',
        '4',
        '--duration',
        '5',
        '--settle',
        '8',
        '--out',
        out,
      ]);
      const id = runIdOf(res.stderr);
      expect(id, res.stderr).not.toBe('');
      expect(leftovers(id)).toEqual([]);
      expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
      const report = readReport(out);
      expect(verdict(report, 'maelstrom/protocol')?.verdict).toBe('PASS');
      const conv = verdict(report, 'maelstrom/convergence/chaos');
      expect(conv?.verdict).toBe('PASS');
      expect(conv?.evidence.observed).toMatch(/partition halves/);
      expect(conv?.evidence.observed).toMatch(/pause n\d/);
      expect(conv?.evidence.observed).toMatch(/restarted \(empty\)/);
      const events = readFileSync(join(out, 'histories', 'maelstrom--chaos.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { t: string; action?: string });
      expect(events.filter((e) => e.t === 'pause').map((e) => e.action)).toEqual(['start', 'stop']);
      expect(events.filter((e) => e.t === 'restart')).toHaveLength(1);
      // The second scenario: loss on every edge, a node paused during it.
      const loss = verdict(report, 'maelstrom/convergence/loss');
      expect(loss?.verdict).toBe('PASS');
      expect(loss?.evidence.observed).toMatch(/loss/);
    }, 90_000);

    it('--scenario picks one scenario; an unknown one is a usage error', async () => {
      const out = dirs.make();
      const args = ['chaos', '--maelstrom', `node ${NODE} retry --sync-ms 300`, '--nodes', '3'];
      const res = await runCli([
        ...args,
        '--duration',
        '3',
        '--settle',
        '8',
        '--scenario',
        'loss',
        '--out',
        out,
      ]);
      expect(leftovers(runIdOf(res.stderr))).toEqual([]);
      // The scenario ran and nothing failed; on a loaded machine its few operations may leave the
      // loss window without traffic (INCONCLUSIVE, exit 1), never a FAIL.
      expect([0, 1], `${res.stdout}\n${res.stderr}`).toContain(res.code);
      const results = readReport(out).results;
      expect(results.filter((r) => r.verdict === 'FAIL').map((r) => r.id)).toEqual([]);
      const ids = results.map((r) => r.id);
      expect(ids).toContain('maelstrom/convergence/loss');
      expect(ids).not.toContain('maelstrom/convergence/chaos');
      const bad = await runCli([...args, '--scenario', 'nope']);
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    }, 90_000);

    it('plain retry (no anti-entropy): the restarted node lacks old values: FAIL, exit 1', async () => {
      const out = dirs.make();
      const res = await runCli([
        'chaos',
        '--maelstrom',
        `node ${NODE} retry`,
        '--nodes',
        '3',
        '--duration',
        '4',
        '--settle',
        '2',
        '--out',
        out,
      ]);
      expect(leftovers(runIdOf(res.stderr))).toEqual([]);
      expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(1);
      const conv = verdict(readReport(out), 'maelstrom/convergence/chaos');
      expect(conv?.verdict).toBe('FAIL');
      expect(conv?.evidence.details.join('\n')).toMatch(/lacks \d+ acknowledged value/);
    }, 60_000);

    it('SIGTERM mid-run removes every container and the network', async () => {
      const out = dirs.make();
      const child = spawn(
        process.execPath,
        [CLI, 'chaos', '--maelstrom', `node ${NODE} retry`, '--nodes', '3', '--duration', '30', '--out', out],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      const closed = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
      let id = '';
      const running = () => sh('docker', ['ps', '-q', '--filter', `label=gossipcheck.run=${id}`]);
      for (let i = 0; i < 200 && (id === '' || running() === ''); i++) {
        await new Promise((r) => setTimeout(r, 100));
        id = runIdOf(stderr);
      }
      expect(id, stderr).not.toBe('');
      expect(running()).not.toBe('');
      child.kill('SIGTERM');
      expect(await closed).toBe(143);
      expect(leftovers(id)).toEqual([]);
    }, 60_000);
  },
);
