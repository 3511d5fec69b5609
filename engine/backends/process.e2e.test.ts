// The process backend kills everything the IUT started, on every exit path:
// a server left behind by a shell that already exited, a daemon that called
// setsid() (with a cgroup, and with the /proc fallback), and a harness that
// gets SIGINT. Real processes, no mocks; every wait polls a condition.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CLI, tempDirs } from '../testing/cli.js';
import { cgroupRoot } from './cgroup.js';
import { isZombie, processStart } from './proc.js';
import { spawnEndpoint } from './process.js';

const SERVE = `"${process.execPath}" "${CLI}" serve-reference --listen {listen}`;
const OPTS = { startupTimeoutMs: 30_000, callTimeoutMs: 5_000 };
const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const alive = (pid: number) => processStart(pid) !== null && !isZombie(pid);

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function pidIn(file: string): Promise<number> {
  await until(() => existsSync(file) && /^\d+\s*$/.test(readFileSync(file, 'utf8')), `pid in ${file}`);
  return Number(readFileSync(file, 'utf8'));
}

/** Daemons left running by a failed test are killed here, so one failure does not leak. */
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone: what the test wanted.
    }
  }
});

describe('process backend: nothing the IUT started outlives close()', () => {
  it('a server whose shell has exited ("server & sleep N") is killed', async () => {
    const dir = dirs.make();
    const pidFile = join(dir, 'server.pid');
    const go = join(dir, 'go');
    // The shell exits once the test says so: after the server listens, however slow the machine is.
    const cmd = `${SERVE} & echo $! > ${pidFile}; while [ ! -e ${go} ]; do sleep 0.05; done`;
    const iut = await spawnEndpoint(cmd, OPTS);
    const server = await pidIn(pidFile);
    started.push(server);
    writeFileSync(go, '');
    await until(() => iut.exitReason() !== null, 'the shell exits');
    expect(alive(server)).toBe(true);
    await iut.close();
    await until(() => !alive(server), `server ${server} is gone`);
  }, 60_000);

  for (const mode of ['cgroup', 'fallback'] as const) {
    it(`a setsid() daemon does not outlive the run (${mode})`, async () => {
      if (mode === 'fallback') process.env.GOSSIPCHECK_CGROUP = '0';
      try {
        if (mode === 'cgroup' && !cgroupRoot()) return; // Not root or no cgroup2 here: only the fallback applies.
        const pidFile = join(dirs.make(), 'daemon.pid');
        // setsid: a session and process group of its own; the group kill alone misses it.
        const iut = await spawnEndpoint(`setsid sleep 600 & echo $! > ${pidFile}; exec ${SERVE}`, OPTS);
        const daemon = await pidIn(pidFile);
        started.push(daemon);
        await until(() => processStart(daemon) !== null, 'the daemon runs');
        expect(alive(daemon)).toBe(true);
        await iut.close();
        await until(() => !alive(daemon), `daemon ${daemon} is gone`);
      } finally {
        delete process.env.GOSSIPCHECK_CGROUP;
      }
    }, 60_000);
  }

  it('a daemon that also clears its environment is caught by the cgroup', async () => {
    if (!cgroupRoot()) return;
    const pidFile = join(dirs.make(), 'daemon.pid');
    const iut = await spawnEndpoint(`setsid env -i sleep 600 & echo $! > ${pidFile}; exec ${SERVE}`, OPTS);
    const daemon = await pidIn(pidFile);
    started.push(daemon);
    await iut.close();
    await until(() => !alive(daemon), `daemon ${daemon} is gone`);
  }, 60_000);

  it('SIGINT to the harness kills the IUT and its setsid() daemon', async () => {
    const dir = dirs.make();
    const pidFile = join(dir, 'daemon.pid');
    const serverFile = join(dir, 'server.pid');
    const mod = resolve('dist/engine/backends/process.js');
    const cmd = `setsid sleep 600 & echo $! > ${pidFile}; ${SERVE} & echo $! > ${serverFile}; wait`;
    const script = `import(${JSON.stringify(mod)}).then(async (m) => {
      await m.spawnEndpoint(${JSON.stringify(cmd)}, { startupTimeoutMs: 30000, callTimeoutMs: 5000 });
      process.stdout.write('ready\\n');
      setInterval(() => {}, 1000);
    });`;
    const harness: ChildProcess = spawn(process.execPath, ['-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    harness.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const code = new Promise<number | null>((r) => harness.on('close', (c) => r(c)));
    await until(() => out.includes('ready'), 'the harness has its IUT up', 60_000);
    const daemon = await pidIn(pidFile);
    const server = await pidIn(serverFile);
    started.push(daemon, server);
    harness.kill('SIGINT');
    expect(await code).toBe(130);
    await until(() => !alive(daemon) && !alive(server), 'daemon and server are gone');
  }, 90_000);
});

describe('process backend: why an IUT failed', () => {
  it('an IUT that never listens: "did not listen on HOST:PORT within N ms", not the kill that followed', async () => {
    await expect(spawnEndpoint('sleep 600', { startupTimeoutMs: 1500, callTimeoutMs: 1000 })).rejects.toThrow(
      /^IUT did not listen on 127\.0\.0\.1:\d+ within 1500 ms$/,
    );
  }, 30_000);

  it('keeps the whole output in logFile and quotes an error line the 5-line tail dropped', async () => {
    const logFile = join(dirs.make(), 'iut.log');
    // stderr joins stdout's pipe first: two pipes are read in no set order, and the error line must come first.
    const cmd = `exec 2>&1; echo "Error: cannot bind {listen}" >&2; for i in 1 2 3 4 5 6 7 8; do echo "shutdown line $i"; done; exit 3`;
    const err = await spawnEndpoint(cmd, { ...OPTS, logFile }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(
      /^IUT process exited with code 3: Error: cannot bind 127\.0\.0\.1:\d+ \| … \| /,
    );
    expect(err?.message).toContain('shutdown line 8');
    expect(err?.message).not.toContain('shutdown line 3');
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain('Error: cannot bind');
    for (let i = 1; i <= 8; i++) expect(log).toContain(`shutdown line ${i}`);
  }, 30_000);
});
