// Docker helpers shared by the docker test files. The kit's base image is
// built once when missing and shared by every file; the vitest global teardown
// removes base images the test run built (test files never remove it: another
// file may be using it at that moment).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli } from './cli.js';

/** stdout of a command, trimmed; '' when it failed. */
export function sh(file: string, args: string[]): string {
  const r = spawnSync(file, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

export const imageExists = (tag: string): boolean =>
  spawnSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' }).status === 0;

/** The base image's tag, built through the CLI if missing; throws when no engine answers. */
export async function ensureBaseImageForTests(): Promise<string> {
  if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(
      'no docker engine answers: run scripts/ensure-docker.sh (or set GOSSIPCHECK_DOCKER_TESTS=0)',
    );
  }
  const tag = (await runCli(['docker-image', '--print-tag'])).stdout.trim();
  if (!imageExists(tag)) {
    const res = await runCli(['docker-image'], 300_000);
    expect(res.code, res.stderr).toBe(0);
  }
  return tag;
}

/** Base images (label gossipcheck.image) on the machine now. */
export function baseImages(): string[] {
  return sh('docker', ['images', '-q', '--filter', 'label=gossipcheck.image=base'])
    .split('\n')
    .filter(Boolean);
}

/** Everything of run `id` still on the machine: containers, networks, images, its chain and jump, temp dirs. */
export function leftoversOf(id: string): string[] {
  const found: string[] = [];
  const byLabel = (what: string, args: string[]) => {
    const ids = sh('docker', [...args, '--filter', `label=gossipcheck.run=${id}`]);
    if (ids) found.push(`${what}: ${ids.split('\n').join(' ')}`);
  };
  byLabel('containers', ['ps', '-aq']);
  byLabel('networks', ['network', 'ls', '-q']);
  byLabel('images', ['images', '-q']);
  const rules = sh('iptables', ['-w', '30', '-S'])
    .split('\n')
    .filter((l) => l.includes(`gossipcheck:${id}`) || l.includes(`GC-${id}`));
  if (rules.length) found.push(`iptables: ${rules.join('; ')}`);
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith('gossipcheck-'))) {
    try {
      if (readFileSync(join(tmpdir(), name, '.gossipcheck-owner'), 'utf8').includes(`"runId":"${id}"`))
        found.push(`temp dir ${name}`);
    } catch {
      // No owner file: not a run's dir.
    }
  }
  return found;
}

/** The rules of DOCKER-USER that are not gossipcheck's, in order. */
export const foreignDockerUserRules = (): string[] =>
  sh('iptables', ['-w', '30', '-S', 'DOCKER-USER'])
    .split('\n')
    .filter((l) => l && !l.includes('gossipcheck:'));
