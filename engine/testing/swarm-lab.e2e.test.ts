// The swarm lab (swarm-lab.ts) end to end, as root: three real dockerd
// engines, each in a network namespace of its own, in one real swarm; the
// kit's base image loaded into each; a global service on an attachable
// overlay lands one task per engine, and a container on engine 1 reaches the
// tasks on the other engines over VXLAN; then stop() leaves nothing behind.
//
// Prints what it measured (lab start, image load, engines' memory).
// GOSSIPCHECK_SWARM_LAB_CAPACITY=30,60,90 also fills the lab with idle
// reference nodes, step by step, and prints what each step cost.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isZombie, processStart } from '../backends/proc.js';
import { ensureBaseImageForTests } from './docker.js';
import { type SwarmLab, startSwarmLab, sweepStaleSwarmLabs } from './swarm-lab.js';

const isRoot = process.getuid?.() === 0;
const disabled = process.env.GOSSIPCHECK_DOCKER_TESTS === '0';
const skipReason = disabled
  ? 'GOSSIPCHECK_DOCKER_TESTS=0'
  : !isRoot
    ? 'not root (the swarm lab makes network namespaces and runs dockerd)'
    : '';
if (skipReason) process.stdout.write(`swarm-lab.e2e: skipped: ${skipReason}\n`);

const NET = 'gclnet';
const SERVICE = 'gcl-echo';
const PORT = 7100;
/** Answers every connection with the swarm node (engine) its task runs on. */
const SERVER = `require('net').createServer((s) => s.end(process.env.GCL_NODE + '\\n')).listen(${PORT})`;
/** Connects to every address in argv and prints what each answered, one JSON line; resolves tasks.<service> when argv is a name. */
const CLIENT = `
const net = require('net'), dns = require('dns');
const ask = (ip) => new Promise((ok) => {
  const s = net.connect(${PORT}, ip); let got = '';
  s.setTimeout(5000, () => { s.destroy(); ok(ip + ' timeout'); });
  s.on('data', (d) => { got += d; }); s.on('end', () => ok(got.trim())); s.on('error', (e) => ok(ip + ' ' + e.code));
});
const main = async () => {
  let ips = process.argv.slice(1);
  if (ips.length === 1 && !/^[0-9.]+$/.test(ips[0]))
    ips = (await dns.promises.lookup(ips[0], { all: true })).map((a) => a.address);
  console.log(JSON.stringify({ ips, answers: await Promise.all(ips.map(ask)) }));
};
main().catch((e) => { console.log(JSON.stringify({ error: String(e) })); process.exit(1); });`;

const sh = (file: string, args: string[]) => spawnSync(file, args, { encoding: 'utf8' }).stdout ?? '';
const memAvailable = () =>
  Number(/MemAvailable:\s+(\d+)/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) * 1024;
const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
const report = (line: string) => process.stdout.write(`swarm-lab.e2e: ${line}\n`);

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out (${ms} ms) waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(skipReason !== '')(
  `swarm lab: three real engines in one swarm, on one machine${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let lab: SwarmLab | undefined;
    let tag = '';
    let stopped: string[] | undefined;

    beforeAll(async () => {
      for (const stale of sweepStaleSwarmLabs())
        report(
          `removed a stale lab ${stale.dir}${stale.leftovers.length ? `; left: ${stale.leftovers.join('; ')}` : ''}`,
        );
      // The host's engine only provides the image (docker save); a daemon this
      // starts is left running (another run may be using it by then):
      // scripts/ensure-docker.sh stop stops it.
      if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0)
        report(spawnSync('bash', ['scripts/ensure-docker.sh', 'start'], { encoding: 'utf8' }).stdout.trim());
      tag = await ensureBaseImageForTests();
    }, 300_000);

    afterAll(async () => {
      if (lab && !stopped) {
        const left = await lab.stop();
        if (left.length) report(`stop left: ${left.join('; ')}`);
      }
    }, 120_000);

    it('starts: every engine Ready in one swarm, one manager and two workers', async () => {
      const t0 = Date.now();
      lab = await startSwarmLab({ engines: 3, log: (l) => report(`lab: ${l}`) });
      report(`lab start (3 engines + swarm): ${Date.now() - t0} ms`);
      expect(lab.engines.map((e) => e.role)).toEqual(['manager', 'worker', 'worker']);
      const nodes = (await lab.docker(0, ['node', 'ls', '--format', '{{json .}}'])).stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { ID: string; Hostname: string; Status: string; ManagerStatus: string });
      expect(nodes).toHaveLength(3);
      expect(nodes.every((n) => n.Status === 'Ready')).toBe(true);
      expect(nodes.filter((n) => n.ManagerStatus === 'Leader').map((n) => n.ID)).toEqual([
        lab.engines[0]!.nodeId,
      ]);
      expect(
        nodes
          .filter((n) => n.ManagerStatus === '')
          .map((n) => n.ID)
          .sort(),
      ).toEqual([lab.engines[1]!.nodeId, lab.engines[2]!.nodeId].sort());
      expect(new Set(nodes.map((n) => n.Hostname))).toEqual(new Set(lab.engines.map((e) => e.hostname)));
      // Three engines for real: distinct daemons, sockets, engine ids, addresses.
      expect(new Set(lab.engines.map((e) => e.dockerdPid)).size).toBe(3);
      const ids = await Promise.all(
        lab.engines.map(async (e) =>
          (await lab!.docker(e.index, ['info', '--format', '{{.ID}}'])).stdout.trim(),
        ),
      );
      expect(new Set(ids).size).toBe(3);
      for (const e of lab.engines) expect(e.host).toBe(`unix://${e.socket}`);
      const rss = lab.engineRss();
      report(`idle engine RSS (dockerd + containerd): ${rss.map(mb).join(', ')}`);
    });

    it('loads the kit image into every engine', async () => {
      const t0 = Date.now();
      await lab!.loadImage(tag);
      report(`image load (${tag}, save once + load into 3 engines): ${Date.now() - t0} ms`);
      for (const e of lab!.engines)
        expect((await lab!.docker(e.index, ['image', 'inspect', '--format', '{{.Id}}', tag])).stdout).toMatch(
          /sha256:/,
        );
    });

    it('a global service on an attachable overlay: one task per engine, reachable across engines', async () => {
      const l = lab!;
      await l.docker(0, ['network', 'create', '--driver', 'overlay', '--attachable', NET]);
      const t0 = Date.now();
      // dnsrr: no virtual IP (the kernel here has no IPVS); the service name resolves to its tasks.
      await l.docker(0, [
        'service',
        'create',
        '--detach',
        '--name',
        SERVICE,
        '--mode',
        'global',
        '--network',
        NET,
        '--endpoint-mode',
        'dnsrr',
        '--no-resolve-image',
        '--env',
        'GCL_NODE={{.Node.Hostname}}',
        tag,
        '/usr/bin/node',
        '-e',
        SERVER,
      ]);
      const tasks = await until('3 tasks running', 60_000, async () => {
        const r = await l.docker(0, [
          'service',
          'ps',
          SERVICE,
          '--filter',
          'desired-state=running',
          '--format',
          '{{.Node}} {{.CurrentState}}',
        ]);
        const running = r.stdout
          .trim()
          .split('\n')
          .filter((t) => / Running /.test(t));
        return running.length === 3 ? running.map((t) => t.split(' ')[0]!) : undefined;
      });
      report(`global service: 3 tasks running after ${Date.now() - t0} ms`);
      expect(new Set(tasks)).toEqual(new Set(l.engines.map((e) => e.hostname)));
      // Each engine itself runs exactly one of the tasks.
      const containers: string[] = [];
      for (const e of l.engines) {
        const ids = (
          await l.docker(e.index, ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${SERVICE}`])
        ).stdout
          .trim()
          .split('\n')
          .filter(Boolean);
        expect(ids, `engine ${e.index}`).toHaveLength(1);
        containers.push(ids[0]!);
      }
      const ipOn = async (i: number) =>
        (
          await l.docker(i, [
            'inspect',
            '--format',
            `{{(index .NetworkSettings.Networks "${NET}").IPAddress}}`,
            containers[i]!,
          ])
        ).stdout.trim();
      // A container on engine 1 reaches the task on engine 2 by its overlay IP.
      const ip2 = await ipOn(2);
      const direct = JSON.parse(
        (await l.docker(1, ['exec', containers[1]!, '/usr/bin/node', '-e', CLIENT, ip2])).stdout,
      ) as { answers: string[] };
      expect(direct.answers).toEqual([l.engines[2]!.hostname]);
      // ... and every task by the service's name (swarm DNS: tasks.<service>).
      const byName = JSON.parse(
        (await l.docker(1, ['exec', containers[1]!, '/usr/bin/node', '-e', CLIENT, `tasks.${SERVICE}`]))
          .stdout,
      ) as { ips: string[]; answers: string[] };
      expect(byName.ips).toHaveLength(3);
      expect(new Set(byName.answers)).toEqual(new Set(l.engines.map((e) => e.hostname)));
      // A plain container (docker run) on the attachable overlay, on engine 1, reaches engine 0's task.
      const ip0 = await ipOn(0);
      const attached = JSON.parse(
        (
          await l.docker(1, [
            'run',
            '--rm',
            '--network',
            NET,
            '--entrypoint',
            '/usr/bin/node',
            tag,
            '-e',
            CLIENT,
            ip0,
          ])
        ).stdout,
      ) as { answers: string[] };
      expect(attached.answers).toEqual([l.engines[0]!.hostname]);
      await l.docker(0, ['service', 'rm', SERVICE]);
    });

    it.runIf(process.env.GOSSIPCHECK_SWARM_LAB_CAPACITY)(
      'capacity: idle reference nodes across the engines (GOSSIPCHECK_SWARM_LAB_CAPACITY=30,60,...)',
      async () => {
        const l = lab!;
        const steps = (process.env.GOSSIPCHECK_SWARM_LAB_CAPACITY ?? '')
          .split(',')
          .map(Number)
          .filter((n) => n > 0);
        const floor = 4 * 1024 ** 3;
        report(
          `capacity: before: MemAvailable ${mb(memAvailable())}, load ${sh('cat', ['/proc/loadavg']).trim()}`,
        );
        await l.docker(0, [
          'service',
          'create',
          '--detach',
          '--name',
          'gcl-ref',
          '--replicas',
          '0',
          '--network',
          NET,
          '--endpoint-mode',
          'dnsrr',
          '--no-resolve-image',
          tag,
        ]);
        try {
          for (const n of steps) {
            const t0 = Date.now();
            await l.docker(0, ['service', 'scale', '--detach', `gcl-ref=${n}`]);
            const running = await until(`${n} reference nodes running`, 300_000, async () => {
              const per = await Promise.all(
                l.engines.map(async (e) =>
                  Number(
                    (
                      await l.docker(e.index, [
                        'ps',
                        '-q',
                        '--filter',
                        'label=com.docker.swarm.service.name=gcl-ref',
                      ])
                    ).stdout
                      .trim()
                      .split('\n')
                      .filter(Boolean).length,
                  ),
                ),
              );
              return per.reduce((a, b) => a + b, 0) === n ? per : undefined;
            }).catch((err: Error) => err);
            if (running instanceof Error) {
              report(`capacity: ${n}: ${running.message}; stopping here`);
              break;
            }
            const converged = Date.now() - t0;
            // Settle, then measure the idle nodes over 10 s, from the engines' cgroups (the machine may be busy with others).
            await new Promise((r) => setTimeout(r, 10_000));
            const before = l.containerUsage();
            const w0 = Date.now();
            await new Promise((r) => setTimeout(r, 10_000));
            const after = l.containerUsage();
            const cores =
              after.reduce((a, u, i) => a + u.cpuNs - before[i]!.cpuNs, 0) / ((Date.now() - w0) * 1e6);
            const rss = after.reduce((a, u) => a + u.rss, 0);
            report(
              `capacity: ${n} running (per engine ${running.join('/')}) after ${converged} ms; ` +
                `containers: RSS ${mb(rss)} (${mb(rss / n)} each), idle CPU ${cores.toFixed(2)} cores; ` +
                `engines RSS ${l.engineRss().map(mb).join(', ')}; MemAvailable ${mb(memAvailable())}; ` +
                `load ${sh('cat', ['/proc/loadavg']).trim()}`,
            );
            if (memAvailable() < floor || cores > 1) {
              report(`capacity: stopping at ${n} (memory below ${mb(floor)} or idle nodes above 1 core)`);
              break;
            }
          }
        } finally {
          const t0 = Date.now();
          await l.docker(0, ['service', 'rm', 'gcl-ref'], { reject: false });
          await until('the reference nodes to go', 300_000, async () => {
            const left = await Promise.all(
              l.engines.map(async (e) => (await l.docker(e.index, ['ps', '-aq'])).stdout.trim()),
            );
            return left.every((s) => s === '') ? true : undefined;
          });
          report(`capacity: removed in ${Date.now() - t0} ms`);
        }
      },
      1_800_000,
    );

    it('stops and leaves nothing: no netns, link, process, mount, cgroup, rule or dir of the lab', async () => {
      const l = lab!;
      const pids = l.engines.flatMap((e) => [e.dockerdPid, e.containerdPid]).filter((p) => p > 0);
      expect(pids).toHaveLength(6);
      const starts = pids.map((p) => processStart(p));
      const t0 = Date.now();
      stopped = await l.stop();
      report(`lab stop: ${Date.now() - t0} ms`);
      expect(stopped).toEqual([]);
      // Checked here from the machine itself, not only by the lab's own leftovers().
      expect(
        sh('ip', ['netns', 'list'])
          .split('\n')
          .filter((n) => n.startsWith(`gcl-${l.name}-`)),
      ).toEqual([]);
      expect(
        sh('ip', ['-o', 'link', 'show'])
          .split('\n')
          .filter((n) => n.includes(`gcl-${l.name}`)),
      ).toEqual([]);
      expect(
        pids.filter((p, i) => starts[i] !== null && processStart(p) === starts[i] && !isZombie(p)),
      ).toEqual([]);
      const mine = readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((d) => {
          try {
            return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(l.dir);
          } catch {
            return false;
          }
        });
      expect(mine).toEqual([]);
      expect(readFileSync('/proc/self/mountinfo', 'utf8').includes(l.dir)).toBe(false);
      expect(existsSync(l.dir)).toBe(false);
      const cgroupRoots = readFileSync('/proc/self/mounts', 'utf8')
        .split('\n')
        .map((m) => m.split(' '))
        .filter((f) => f[2] === 'cgroup' || f[2] === 'cgroup2')
        .map((f) => f[1]!);
      expect(
        cgroupRoots.flatMap((r) => l.engines.map((e) => `${r}/${e.hostname}`)).filter(existsSync),
      ).toEqual([]);
      expect(
        sh('iptables', ['-w', '30', '-S'])
          .split('\n')
          .filter((r) => r.includes(l.bridge)),
      ).toEqual([]);
      // Idempotent.
      expect(await l.stop()).toEqual([]);
    }, 120_000);
  },
);
