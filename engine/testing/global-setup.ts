// vitest global setup: the real parts the tests use and a fresh machine lacks.
// Chromium (Debian's package) for the report's browser tests, a docker
// engine for the chaos tests (a daemon started here is stopped at teardown),
// and the Debian toolchains the examples and the memberlist and serf
// adapters build from: installed here, once and in turn, because two apt-gets from test
// files running side by side would fight over dpkg's lock.
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

/** The test files that need each real part; the rest of the suite needs neither. */
const BROWSER_TESTS = ['reports/browser.test.ts', 'adapters/conformance.e2e.test.ts'];
const EXAMPLE_TESTS = ['examples/examples.e2e.test.ts'];
const MEMBERLIST_TESTS = [
  'adapters/memberlist/memberlist.e2e.test.ts',
  'adapters/serf/serf.e2e.test.ts',
  'adapters/memberlist/partition-heal.e2e.test.ts',
  'adapters/conformance.e2e.test.ts',
];
const DOCKER_TESTS = [
  'engine/backends/docker/chaos.e2e.test.ts',
  'engine/backends/docker/isolation.e2e.test.ts',
  'engine/backends/swarm/agent.e2e.test.ts',
  'engine/testing/swarm-lab.e2e.test.ts',
  'cli/chaos-swarm.e2e.test.ts',
  'adapters/maelstrom/docker.e2e.test.ts',
];

/**
 * Whether this vitest invocation may run one of `files`: with no file filter
 * on the command line, it runs everything; with filters, only files a filter
 * matches (vitest matches filters as substrings of the path).
 */
function selects(files: readonly string[]): boolean {
  const at = process.argv.findIndex((a) => a === 'run' || a.endsWith('vitest.mjs') || a.endsWith('vitest'));
  const filters = process.argv.slice(at + 1).filter((a) => !a.startsWith('-') && a !== 'run');
  if (filters.length === 0) return true;
  return files.some((f) => filters.some((x) => f.includes(x.replace(/^\.\//, ''))));
}

/** Root installs; elsewhere the test file itself reports what is missing (and how to install it). */
function maybe(name: string): void {
  try {
    process.stdout.write(script(name));
  } catch {
    // not root, or apt failed: the test that needs it says so with the script's message
  }
}

export function setup(): void {
  if (process.env.GOSSIPCHECK_SKIP_BROWSER !== '1' && selects(BROWSER_TESTS))
    process.stdout.write(script('ensure-chromium.sh'));
  if (selects(EXAMPLE_TESTS)) maybe('ensure-examples.sh');
  if (selects(MEMBERLIST_TESTS)) maybe('ensure-memberlist.sh');
  if (process.env.GOSSIPCHECK_DOCKER_TESTS !== '0' && selects(DOCKER_TESTS)) {
    const out = script('ensure-docker.sh', 'start');
    process.stdout.write(out);
    startedDocker = out.startsWith('docker: started dockerd');
    imagesBefore = baseImages();
  }
}

export function teardown(): void {
  if (process.env.GOSSIPCHECK_DOCKER_TESTS !== '0' && selects(DOCKER_TESTS)) {
    const built = baseImages().filter((id) => !imagesBefore.includes(id));
    if (built.length) execFileSync('docker', ['rmi', '-f', ...built], { stdio: 'ignore' });
  }
  if (startedDocker) process.stdout.write(script('ensure-docker.sh', 'stop'));
}
