// Docker helpers shared by the docker test files. The kit's base image is
// built once when missing and shared by every file; the vitest global teardown
// removes base images the test run built (test files never remove it: another
// file may be using it at that moment).
import { spawnSync } from 'node:child_process';
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
