// vitest global setup: the real parts the tests use and a fresh machine lacks.
// Chromium (Debian's package) for the report's browser tests, and a docker
// engine for the chaos tests; a daemon started here is stopped at teardown.
// GOSSIPCHECK_DOCKER_TESTS=0 skips docker, GOSSIPCHECK_SKIP_BROWSER=1 the browser
// (no root to install them).
import { execFileSync } from 'node:child_process';
import { baseImages } from './docker.js';

let startedDocker = false;
/** Base images present before the tests: teardown removes only the ones the tests built. */
let imagesBefore: string[] = [];

function script(name: string, ...args: string[]): string {
  return execFileSync('bash', [`scripts/${name}`, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

export function setup(): void {
  if (process.env.GOSSIPCHECK_SKIP_BROWSER !== '1') process.stdout.write(script('ensure-chromium.sh'));
  if (process.env.GOSSIPCHECK_DOCKER_TESTS !== '0') {
    const out = script('ensure-docker.sh', 'start');
    process.stdout.write(out);
    startedDocker = out.startsWith('docker: started dockerd');
    imagesBefore = baseImages();
  }
}

export function teardown(): void {
  if (process.env.GOSSIPCHECK_DOCKER_TESTS !== '0') {
    const built = baseImages().filter((id) => !imagesBefore.includes(id));
    if (built.length) execFileSync('docker', ['rmi', '-f', ...built], { stdio: 'ignore' });
  }
  if (startedDocker) process.stdout.write(script('ensure-docker.sh', 'stop'));
}
