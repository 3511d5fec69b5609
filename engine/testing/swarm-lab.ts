// A real multi-engine Docker Swarm on one machine, for the multi-host chaos
// tests (root only). Each engine is a "host" of its own: a network namespace
// joined to a lab bridge by a veth pair, with its own dockerd (and the
// containerd that dockerd manages), data root, exec root, cgroup parent and
// hostname. Engine 0 inits a swarm (and the first `managers` engines are its
// managers), the others join it over the bridge, so the swarm control plane
// (2377/tcp), gossip (7946/tcp+udp) and the overlay's VXLAN data path
// (4789/udp) really cross a network between engines.
//
//   const lab = await startSwarmLab({ engines: 3 });
//   await lab.loadImage(tag);                        // docker save (host engine) | docker load (each engine)
//   await lab.docker(0, ['service', 'create', ...]); // docker -H unix://<engine 0> ...
//   const leftovers = await lab.stop();              // [] when everything is gone
//
// The host's own engine is only read from (`docker save` in loadImage). The
// lab touches the host in these places only, all named after the lab and all
// removed by stop(): netns gcl-<name>-<i> (/run/netns), links gcl-<name> (a
// bridge, never docker0) and gcl-<name>-<i> (veth host ends), one ACCEPT rule
// in the host's FORWARD chain (comment gossipcheck-swarm-lab:<name>), cgroups
// /gcl-<name>-<i> (the engines' --cgroup-parent), the mounts dockerd makes
// under the lab's temp dir, and the temp dir itself.
//
// stop() is synchronous inside (it also runs from the exit / signal cleanup
// registry, where nothing asynchronous can run), idempotent, and returns what
// it could not remove: [] means nothing of the lab is left on the machine.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from '../backends/cleanup.js';
import { ownerAlive, self } from '../backends/owner.js';
import { allPids, isZombie } from '../backends/proc.js';

export type EngineRole = 'manager' | 'worker';

export interface LabEngine {
  index: number;
  /** The engine's hostname (its own UTS namespace) and swarm node name: gcl-<name>-<i>. */
  hostname: string;
  /** The network namespace it runs in (/run/netns/<netns>). */
  netns: string;
  /** For `docker -H` / DOCKER_HOST: unix:///…/docker.sock */
  host: string;
  /** The socket's path on this machine. */
  socket: string;
  /** Its address on the lab network (the swarm advertise address). */
  address: string;
  role: EngineRole;
  /** Its swarm node id. */
  nodeId: string;
  dockerdPid: number;
  /** The dockerd-managed containerd's pid (0 when it could not be read). */
  containerdPid: number;
  /** Its data root, exec root and dockerd log, all under the lab's dir. */
  dataRoot: string;
  execRoot: string;
  log: string;
}

export interface SwarmLabOptions {
  /** How many engines (hosts); default 3. */
  engines?: number;
  /** How many of them are swarm managers (engines 0..managers-1); default 1. */
  managers?: number;
  /** 1 to 8 of [a-z0-9]; names every object of the lab (default: random). */
  name?: string;
  /** The lab network, a /24 (default 192.168.240.0/24; engine i gets .10+i). */
  subnet?: string;
  /** How long an engine may take to answer, and the swarm to show every node Ready; default 60 s. */
  readyTimeoutMs?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface DockerResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface DockerOptions {
  input?: string;
  timeoutMs?: number;
  /** false: resolve with a non-zero code instead of rejecting. */
  reject?: boolean;
}

export interface ContainerUsage {
  /** Anonymous memory (v1 total_rss, v2 anon). */
  rss: number;
  /** Page cache (v1 total_cache, v2 file). */
  cache: number;
  cpuNs: number;
}

export interface SwarmLab {
  name: string;
  /** The lab's temp dir (everything of its engines lives under it). */
  dir: string;
  bridge: string;
  subnet: string;
  engines: LabEngine[];
  /**
   * The engines' sockets as one path with docker's {{.Node.Hostname}}
   * template: what a global service bind-mounts to reach its own engine
   * (`chaos --backend swarm --agent-socket`); on real hosts /var/run/docker.sock.
   */
  socketTemplate: string;
  /** Runs the docker CLI against engine `index`. Rejects on a non-zero exit unless `reject: false`. */
  docker(index: number, args: readonly string[], opts?: DockerOptions): Promise<DockerResult>;
  /** `docker save` from the host's engine (or `from`, a docker host URL), `docker load` into every engine. */
  loadImage(tag: string, opts?: { from?: string; timeoutMs?: number }): Promise<void>;
  /** RSS (bytes) of each engine's dockerd + containerd now. */
  engineRss(): number[];
  /** Each engine's containers together, from its cgroup parent: memory (bytes) now, CPU time (ns) so far. */
  containerUsage(): ContainerUsage[];
  /** What of the lab is on the machine now (netns, links, processes, mounts, cgroups, rules, dir). */
  leftovers(): string[];
  /** Removes everything; resolves to what could not be removed. Idempotent. */
  stop(): Promise<string[]>;
}

const NAME = /^[a-z0-9]{1,8}$/;
/** The file in a lab's dir that says whose lab it is and what it is made of (for stale sweeps). */
const LAB_FILE = 'swarm-lab.json';
const DIR_PREFIX = 'gcl-';
const STOP_GRACE_MS = 20_000;

interface LabPlan {
  name: string;
  dir: string;
  engines: number;
  owner: { pid: number; start: string };
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs a command to completion (synchronously); never throws. */
function sh(file: string, args: readonly string[], timeoutMs = 30_000): DockerResult {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: timeoutMs, env: cliEnv() });
  return {
    code: r.status ?? -1,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? (r.error ? String(r.error) : ''),
  };
}

/** Like sh, but throws with the command and its stderr on failure. */
function must(file: string, args: readonly string[], timeoutMs?: number): string {
  const r = sh(file, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** The environment for the docker CLI: -H decides the engine, never a context or DOCKER_HOST. */
function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DOCKER_HOST;
  delete env.DOCKER_CONTEXT;
  return env;
}

function runAsync(
  file: string,
  args: readonly string[],
  opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<DockerResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 120_000,
        env: opts.env ?? cliEnv(),
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr: stderr || (err && code === -1 ? String(err) : '') });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

const netnsName = (name: string, i: number) => `gcl-${name}-${i}`;
const bridgeName = (name: string) => `gcl-${name}`;
const vethName = (name: string, i: number) => `gcl-${name}-${i}`;
const cgroupName = (name: string, i: number) => `gcl-${name}-${i}`;
const ruleComment = (name: string) => `gossipcheck-swarm-lab:${name}`;
const engineDir = (dir: string, i: number) => join(dir, `e${i}`);
const FORWARD_RULE = (name: string) => [
  'FORWARD',
  '-i',
  bridgeName(name),
  '-o',
  bridgeName(name),
  '-m',
  'comment',
  '--comment',
  ruleComment(name),
  '-j',
  'ACCEPT',
];

function parseSubnet(subnet: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/24$/.exec(subnet);
  if (!m || [m[1], m[2], m[3]].some((o) => Number(o) > 255))
    throw new Error(`subnet must be a /24 like 192.168.240.0/24, not ${subnet}`);
  return `${m[1]}.${m[2]}.${m[3]}.`;
}

function netnsList(): string[] {
  return sh('ip', ['netns', 'list'])
    .stdout.split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean);
}

function linkExists(link: string): boolean {
  return sh('ip', ['link', 'show', 'dev', link]).code === 0;
}

/** Mount points at or under `dir` (this mount namespace), deepest first. */
function mountsUnder(dir: string): string[] {
  let text = '';
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const decode = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
  return text
    .split('\n')
    .map((l) => decode(l.split(' ')[4] ?? ''))
    .filter((mp) => mp === dir || mp.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** The cgroup dirs of the lab's engines (every hierarchy, v1 and v2), existing now. */
function cgroupDirs(name: string, engines: number): string[] {
  let mounts = '';
  try {
    mounts = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return [];
  }
  const roots = mounts
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f[2] === 'cgroup' || f[2] === 'cgroup2')
    .map((f) => f[1] ?? '');
  const found: string[] = [];
  for (const root of roots)
    for (let i = 0; i < engines; i++) {
      const d = join(root, cgroupName(name, i));
      if (existsSync(d)) found.push(d);
    }
  return found;
}

/** Every dir under `d`, deepest first (d last). */
function dirsDeepFirst(d: string): string[] {
  const out: string[] = [];
  try {
    for (const e of readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory()) out.push(...dirsDeepFirst(join(d, e.name)));
  } catch {
    return out;
  }
  out.push(d);
  return out;
}

/** Pids in the lab's cgroups (containers, and anything else started under the cgroup parents). */
function cgroupPids(name: string, engines: number): number[] {
  const pids = new Set<number>();
  for (const root of cgroupDirs(name, engines))
    for (const d of dirsDeepFirst(root)) {
      try {
        for (const p of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n'))
          if (p.trim()) pids.add(Number(p));
      } catch {
        // Gone meanwhile.
      }
    }
  return [...pids];
}

/** Live (non-zombie) pids whose command line mentions the lab's dir: dockerd, containerd, shims. */
function dirPids(dir: string): number[] {
  const found: number[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes(`${dir}/`) && !isZombie(pid)) found.push(pid);
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

function alive(pid: number): boolean {
  if (pid <= 0 || isZombie(pid)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to all, wait up to `graceMs`, then SIGKILL the rest; returns the pids still alive. */
function terminateAllSync(pids: readonly number[], graceMs: number): number[] {
  const signal = (p: number, sig: NodeJS.Signals) => {
    try {
      process.kill(p, sig);
    } catch {
      // Gone meanwhile.
    }
  };
  let rest = pids.filter(alive);
  for (const p of rest) signal(p, 'SIGTERM');
  const waitUntil = (deadline: number) => {
    rest = rest.filter(alive);
    while (rest.length && Date.now() < deadline) {
      sleepSync(50);
      rest = rest.filter(alive);
    }
  };
  waitUntil(Date.now() + graceMs);
  for (const p of rest) signal(p, 'SIGKILL');
  waitUntil(Date.now() + 5000);
  return rest;
}

/**
 * Kills the containers of the engines given (no stop grace) and makes them
 * leave the swarm, those engines at once, in one shell. Managers are asked
 * after the workers: a worker leaves quickest while a manager still answers.
 */
const LEAVE = `for h; do (
  ids=$(docker -H "$h" ps -aq); [ -n "$ids" ] && docker -H "$h" rm -f -v $ids
  docker -H "$h" swarm leave --force
) >/dev/null 2>&1 & done; wait`;

function readPid(file: string): number {
  try {
    const n = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : 0;
  } catch {
    return 0;
  }
}

/** The pid of the dockerd of engine dir `edir`: its pidfile, checked against its command line. */
function dockerdPidOf(edir: string): number {
  const pid = readPid(join(edir, 'dockerd.pid'));
  try {
    if (pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${edir}/`)) return pid;
  } catch {
    // Gone.
  }
  return 0;
}

/** What of lab `plan` is on the machine now. */
function leftoversOf(plan: LabPlan): string[] {
  const { name, dir, engines } = plan;
  const found: string[] = [];
  const ns = netnsList().filter((n) => n.startsWith(`gcl-${name}-`));
  if (ns.length) found.push(`netns: ${ns.join(' ')}`);
  const links = [bridgeName(name), ...Array.from({ length: engines }, (_, i) => vethName(name, i))].filter(
    linkExists,
  );
  if (links.length) found.push(`links: ${links.join(' ')}`);
  const procs = [...new Set([...dirPids(dir), ...cgroupPids(name, engines)])];
  if (procs.length)
    found.push(
      `processes: ${procs
        .map((p) => {
          try {
            return `${p} (${readFileSync(`/proc/${p}/comm`, 'utf8').trim()})`;
          } catch {
            return String(p);
          }
        })
        .join(' ')}`,
    );
  const mounts = mountsUnder(dir);
  if (mounts.length) found.push(`mounts: ${mounts.join(' ')}`);
  const cgroups = cgroupDirs(name, engines);
  if (cgroups.length) found.push(`cgroups: ${cgroups.join(' ')}`);
  const rules = sh('iptables', ['-w', '30', '-S', 'FORWARD'])
    .stdout.split('\n')
    .filter((l) => l.includes(ruleComment(name)) || l.includes(` ${bridgeName(name)} `));
  if (rules.length) found.push(`iptables: ${rules.join('; ')}`);
  if (existsSync(dir)) found.push(`dir: ${dir}`);
  return found;
}

/**
 * Removes everything of lab `plan`, from whatever state it is in (complete,
 * half-built, or with its dockerds killed). Synchronous and idempotent;
 * returns what is still there afterwards.
 */
function teardownSync(plan: LabPlan, log: (line: string) => void = () => {}): string[] {
  const { name, dir, engines } = plan;
  const problems: string[] = [];
  const t0 = Date.now();
  const phase = (what: string) => log(`stop: ${what} (${Date.now() - t0} ms)`);
  // 1. Containers first (killed, no stop grace), then leave the swarm; dockerd's
  //    own shutdown would otherwise wait out each container's stop timeout.
  const live = Array.from({ length: engines }, (_, i) => engineDir(dir, i)).filter((d) => dockerdPidOf(d));
  const isManager = (d: string) =>
    sh(
      'docker',
      ['-H', `unix://${join(d, 'docker.sock')}`, 'info', '--format', '{{.Swarm.ControlAvailable}}'],
      10_000,
    ).stdout.trim() === 'true';
  const managers = live.filter(isManager);
  for (const group of [live.filter((d) => !managers.includes(d)), managers])
    if (group.length)
      sh('sh', ['-c', LEAVE, 'sh', ...group.map((d) => `unix://${join(d, 'docker.sock')}`)], 60_000);
  if (live.length) phase(`containers removed, swarm left (${live.length} engines)`);
  // 2. The daemons: every dockerd (each stops its containerd), then the containerds still running.
  const dockerds = Array.from({ length: engines }, (_, i) => dockerdPidOf(engineDir(dir, i))).filter(Boolean);
  for (const p of terminateAllSync(dockerds, STOP_GRACE_MS)) problems.push(`dockerd ${p} would not die`);
  const containerds = Array.from({ length: engines }, (_, i) => {
    const edir = engineDir(dir, i);
    const cpid = readPid(join(edir, 'exec', 'containerd', 'containerd.pid'));
    try {
      return cpid && readFileSync(`/proc/${cpid}/cmdline`, 'utf8').includes(`${edir}/`) ? cpid : 0;
    } catch {
      return 0;
    }
  }).filter(Boolean);
  for (const p of terminateAllSync(containerds, 10_000)) problems.push(`containerd ${p} would not die`);
  phase('daemons stopped');
  for (let pass = 0; pass < 5; pass++) {
    const rest = [...new Set([...dirPids(dir), ...cgroupPids(name, engines)])].filter(alive);
    if (!rest.length) break;
    log(`killing leftover processes ${rest.join(' ')}`);
    for (const p of rest) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    sleepSync(200);
  }
  // 3. Mounts under the dir (overlay2 layers, shm, netns bind mounts dockerd left).
  for (let pass = 0; pass < 3; pass++) {
    const mounts = mountsUnder(dir);
    if (!mounts.length) break;
    for (const mp of mounts)
      if (sh('umount', [mp]).code !== 0 && sh('umount', ['-R', mp]).code !== 0) sh('umount', ['-l', mp]);
  }
  // 4. Cgroups (empty by now: rmdir deepest first).
  for (const root of cgroupDirs(name, engines)) for (const d of dirsDeepFirst(root)) sh('rmdir', [d]);
  // 5. Network: namespaces (their veth ends go with them), the host veth ends, the bridge, the rule.
  for (const ns of netnsList().filter((n) => n.startsWith(`gcl-${name}-`))) sh('ip', ['netns', 'del', ns]);
  for (let i = 0; i < engines; i++)
    if (linkExists(vethName(name, i))) sh('ip', ['link', 'del', vethName(name, i)]);
  if (linkExists(bridgeName(name))) sh('ip', ['link', 'del', bridgeName(name)]);
  for (let n = 0; n < 10 && sh('iptables', ['-w', '30', '-C', ...FORWARD_RULE(name)]).code === 0; n++)
    sh('iptables', ['-w', '30', '-D', ...FORWARD_RULE(name)]);
  phase('mounts, cgroups, network removed');
  // 6. The dir, only when nothing is mounted under it any more (rm -r must never cross into a mount).
  if (existsSync(dir)) {
    if (mountsUnder(dir).length) problems.push(`dir ${dir} kept: mounts remain under it`);
    else
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch (err) {
        problems.push(`rm -r ${dir}: ${(err as Error).message}`);
      }
  }
  phase('dir removed');
  return [...leftoversOf(plan), ...problems];
}

async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  failFast?: () => string | undefined,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    const fatal = failFast?.();
    if (fatal) throw new Error(`${what}: ${fatal}`);
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(250);
  }
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** A cgroup file of a controller: v1 /sys/fs/cgroup/<controller>/<group>/<file>, else v2. */
function cgroupFile(controller: string, group: string, v1: string, v2: string): string {
  for (const f of [join('/sys/fs/cgroup', controller, group, v1), join('/sys/fs/cgroup', group, v2)])
    try {
      return readFileSync(f, 'utf8');
    } catch {
      // Not this layout.
    }
  return '';
}

function usageOf(group: string): ContainerUsage {
  const stat = cgroupFile('memory', group, 'memory.stat', 'memory.stat');
  const field = (k: string) => Number(new RegExp(`^${k} (\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
  const v1cpu = cgroupFile('cpuacct', group, 'cpuacct.usage', '-');
  const v2cpu = /^usage_usec (\d+)$/m.exec(cgroupFile('-', group, '-', 'cpu.stat'))?.[1];
  return {
    rss: field('total_rss') || field('anon'),
    cache: field('total_cache') || field('file'),
    cpuNs: v1cpu.trim() ? Number(v1cpu.trim()) : Number(v2cpu ?? 0) * 1000,
  };
}

/** Starts dockerd for engine `i` in its netns and its own UTS namespace; resolves once `docker info` answers. */
async function startEngine(
  plan: LabPlan,
  i: number,
  address: string,
  timeoutMs: number,
): Promise<{ pid: number; exited: Promise<void> }> {
  const edir = engineDir(plan.dir, i);
  const dataRoot = join(edir, 'data');
  const execRoot = join(edir, 'exec');
  mkdirSync(dataRoot, { recursive: true });
  mkdirSync(execRoot, { recursive: true });
  // Its own config file, so the host's /etc/docker/daemon.json is not read, and
  // its own engine key (not /etc/docker/key.json, which would give every
  // engine the host engine's ID).
  const config = join(edir, 'daemon.json');
  writeFileSync(
    config,
    `${JSON.stringify({ 'deprecated-key-path': join(edir, 'key.json'), 'shutdown-timeout': 5 }, null, 2)}\n`,
  );
  const socket = join(edir, 'docker.sock');
  const log = join(edir, 'dockerd.log');
  const args = [
    '--config-file',
    config,
    '--data-root',
    dataRoot,
    '--exec-root',
    execRoot,
    '--pidfile',
    join(edir, 'dockerd.pid'),
    '-H',
    `unix://${socket}`,
    '--bip',
    `172.31.${i}.1/24`,
    '--cgroup-parent',
    `/${cgroupName(plan.name, i)}`,
  ];
  const fd = openSync(log, 'a');
  // nsenter --net (not `ip netns exec`, which remounts /sys and hides the
  // cgroup mounts dockerd needs); unshare --uts for a hostname of its own (the
  // swarm node name). Each execs the next, so the child's pid is dockerd's.
  const child = spawn(
    'nsenter',
    [
      `--net=/run/netns/${netnsName(plan.name, i)}`,
      'unshare',
      '--uts',
      'sh',
      '-c',
      'hostname "$0" && exec dockerd "$@"',
      netnsName(plan.name, i),
      ...args,
    ],
    { detached: true, stdio: ['ignore', fd, fd], env: cliEnv() },
  );
  closeSync(fd);
  child.unref();
  let exited = '';
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `dockerd exited (${signal ?? code}); last lines of ${log}:\n${tail(log)}`;
      resolve();
    }),
  );
  child.on('error', (err) => {
    exited = `could not start dockerd: ${err.message}`;
  });
  await waitFor(
    `engine ${i} (${address}) did not answer \`docker info\``,
    timeoutMs,
    async () => {
      const r = await runAsync(
        'docker',
        ['-H', `unix://${socket}`, 'info', '--format', '{{.ServerVersion}}'],
        {
          timeoutMs: 10_000,
        },
      );
      return r.code === 0 ? true : undefined;
    },
    () => exited || undefined,
  ).catch((err: Error) => {
    throw new Error(exited ? err.message : `${err.message}; last lines of ${log}:\n${tail(log)}`);
  });
  return { pid: child.pid ?? 0, exited: gone };
}

/** Starts a lab of `engines` engines in one swarm; on any failure removes what it made and rejects. */
export async function startSwarmLab(opts: SwarmLabOptions = {}): Promise<SwarmLab> {
  if (process.getuid?.() !== 0) throw new Error('a swarm lab needs root (network namespaces, dockerd)');
  const count = opts.engines ?? 3;
  const managers = opts.managers ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > 50)
    throw new Error(`engines must be 1..50, not ${count}`);
  if (!Number.isInteger(managers) || managers < 1 || managers > count)
    throw new Error(`managers must be 1..${count}, not ${managers}`);
  const name = opts.name ?? randomBytes(3).toString('hex');
  if (!NAME.test(name)) throw new Error(`lab name must be 1 to 8 of [a-z0-9], not ${JSON.stringify(name)}`);
  const subnet = opts.subnet ?? '192.168.240.0/24';
  const prefix = parseSubnet(subnet);
  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const log = opts.log ?? (() => {});
  if (linkExists(bridgeName(name)) || netnsList().some((n) => n.startsWith(`gcl-${name}-`)))
    throw new Error(`a lab named ${name} exists already (link ${bridgeName(name)} or netns gcl-${name}-*)`);

  // Short socket paths: unix sockets are limited to 108 bytes.
  const base = tmpdir().length <= 40 ? tmpdir() : '/tmp';
  const dir = mkdtempSync(join(base, `${DIR_PREFIX}${name}-`));
  const plan: LabPlan = { name, dir, engines: count, owner: { pid: self.pid, start: self.start } };
  writeFileSync(join(dir, LAB_FILE), `${JSON.stringify(plan)}\n`);
  let stopped: string[] | null = null;
  const stopSync = (): string[] => {
    stopped = teardownSync(plan, log);
    unregister();
    return stopped;
  };
  const unregister = onCleanup(() => {
    const left = teardownSync(plan, log);
    if (left.length) process.stderr.write(`swarm lab ${name}: could not remove: ${left.join('; ')}\n`);
  });

  try {
    const t0 = Date.now();
    // The network: a bridge of its own, one netns + veth per engine.
    const bridge = bridgeName(name);
    must('ip', ['link', 'add', bridge, 'type', 'bridge']);
    must('ip', ['link', 'set', bridge, 'up']);
    const addresses = Array.from({ length: count }, (_, i) => `${prefix}${10 + i}`);
    for (let i = 0; i < count; i++) {
      const ns = netnsName(name, i);
      must('ip', ['netns', 'add', ns]);
      must('ip', ['link', 'add', vethName(name, i), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      must('ip', ['link', 'set', vethName(name, i), 'master', bridge, 'up']);
      must('ip', ['-n', ns, 'addr', 'add', `${addresses[i]}/24`, 'dev', 'eth0']);
      must('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    // Bridged frames go through the host's FORWARD chain (br_netfilter), whose policy may be DROP.
    if (sh('iptables', ['-w', '30', '-C', ...FORWARD_RULE(name)]).code !== 0)
      must('iptables', ['-w', '30', '-I', ...FORWARD_RULE(name)]);
    log(`network ${bridge} ${subnet} up (${Date.now() - t0} ms)`);

    const started = await Promise.all(addresses.map((a, i) => startEngine(plan, i, a, timeoutMs)));
    log(`${count} engines answer (${Date.now() - t0} ms)`);
    const socketOf = (i: number) => join(engineDir(dir, i), 'docker.sock');
    const hostOf = (i: number) => `unix://${socketOf(i)}`;
    const cli = async (i: number, args: readonly string[], o: DockerOptions = {}): Promise<DockerResult> => {
      const r = await runAsync('docker', ['-H', hostOf(i), ...args], o);
      if (r.code !== 0 && o.reject !== false)
        throw new Error(`engine ${i}: docker ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
      return r;
    };

    // The swarm: init on engine 0, the other managers and the workers join it.
    const listen = (i: number) => [
      '--advertise-addr',
      addresses[i]!,
      '--listen-addr',
      `${addresses[i]}:2377`,
    ];
    await cli(0, ['swarm', 'init', ...listen(0)]);
    const token = {
      manager: (await cli(0, ['swarm', 'join-token', '-q', 'manager'])).stdout.trim(),
      worker: (await cli(0, ['swarm', 'join-token', '-q', 'worker'])).stdout.trim(),
    };
    const role = (i: number): EngineRole => (i < managers ? 'manager' : 'worker');
    // Managers one at a time (raft membership changes are serial); workers together.
    for (let i = 1; i < managers; i++)
      await cli(i, ['swarm', 'join', '--token', token.manager, ...listen(i), `${addresses[0]}:2377`]);
    await Promise.all(
      addresses
        .map((_, i) => i)
        .filter((i) => role(i) === 'worker')
        .map((i) => cli(i, ['swarm', 'join', '--token', token.worker, ...listen(i), `${addresses[0]}:2377`])),
    );
    const nodeIds = await Promise.all(
      addresses.map(async (_, i) => (await cli(i, ['info', '--format', '{{.Swarm.NodeID}}'])).stdout.trim()),
    );
    await waitFor(`not every node of the swarm became Ready`, timeoutMs, async () => {
      const r = await cli(0, ['node', 'ls', '--format', '{{.ID}} {{.Status}}'], { reject: false });
      const ready = new Set(
        r.stdout
          .split('\n')
          .filter((l) => l.endsWith(' Ready'))
          .map((l) => l.split(' ')[0]),
      );
      return nodeIds.every((id) => ready.has(id)) ? true : undefined;
    });
    log(`swarm of ${count} Ready (${Date.now() - t0} ms)`);

    const engines: LabEngine[] = addresses.map((address, i) => ({
      index: i,
      hostname: netnsName(name, i),
      netns: netnsName(name, i),
      host: hostOf(i),
      socket: socketOf(i),
      address,
      role: role(i),
      nodeId: nodeIds[i]!,
      dockerdPid: started[i]!.pid,
      containerdPid: readPid(join(engineDir(dir, i), 'exec', 'containerd', 'containerd.pid')),
      dataRoot: join(engineDir(dir, i), 'data'),
      execRoot: join(engineDir(dir, i), 'exec'),
      log: join(engineDir(dir, i), 'dockerd.log'),
    }));

    // Every engine's socket under its hostname: one path template serves a global service's bind mount.
    mkdirSync(join(dir, 'by-host'));
    for (const e of engines) symlinkSync(engineDir(dir, e.index), join(dir, 'by-host', e.hostname));

    const lab: SwarmLab = {
      name,
      dir,
      bridge,
      subnet,
      engines,
      socketTemplate: join(dir, 'by-host', '{{.Node.Hostname}}', 'docker.sock'),
      docker: (i, args, o) => {
        if (!engines[i]) return Promise.reject(new Error(`no engine ${i} (the lab has ${count})`));
        return cli(i, args, o);
      },
      async loadImage(tag, o = {}) {
        const tar = join(dir, `image-${randomBytes(4).toString('hex')}.tar`);
        const env = cliEnv();
        if (o.from) env.DOCKER_HOST = o.from;
        try {
          const saved = await runAsync('docker', ['save', '-o', tar, tag], {
            timeoutMs: o.timeoutMs ?? 300_000,
            env,
          });
          if (saved.code !== 0)
            throw new Error(`docker save ${tag} (${o.from ?? 'host engine'}) failed: ${saved.stderr.trim()}`);
          await Promise.all(
            engines.map((_, i) => cli(i, ['load', '-q', '-i', tar], { timeoutMs: o.timeoutMs ?? 300_000 })),
          );
        } finally {
          rmSync(tar, { force: true });
        }
      },
      engineRss: () =>
        engines.map((e) => {
          const cpid = readPid(join(e.execRoot, 'containerd', 'containerd.pid'));
          return rssOf(e.dockerdPid) + (cpid ? rssOf(cpid) : 0);
        }),
      containerUsage: () => engines.map((e) => usageOf(cgroupName(name, e.index))),
      leftovers: () => leftoversOf(plan),
      stop: async () => {
        const left = stopSync();
        // Let this process reap the dockerds it started (no zombies after stop).
        await Promise.race([Promise.all(started.map((e) => e.exited)), sleep(2000)]);
        return left;
      },
    };
    return lab;
  } catch (err) {
    const left = stopSync();
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(
      left.length ? `${msg}\n(cleanup could not remove: ${left.join('; ')})` : msg,
      err instanceof Error ? { cause: err } : undefined,
    );
  }
}

/**
 * Removes the labs whose owner process is gone (a SIGKILLed test run): each
 * lab's dir names its owner. Labs of live owners (another run's) are left
 * alone. Returns, per lab removed, what could not be removed.
 */
export function sweepStaleSwarmLabs(): { dir: string; leftovers: string[] }[] {
  const out: { dir: string; leftovers: string[] }[] = [];
  for (const base of new Set([tmpdir(), '/tmp'])) {
    let names: string[] = [];
    try {
      names = readdirSync(base).filter((n) => n.startsWith(DIR_PREFIX));
    } catch {
      continue;
    }
    for (const n of names) {
      let plan: LabPlan;
      try {
        plan = JSON.parse(readFileSync(join(base, n, LAB_FILE), 'utf8')) as LabPlan;
      } catch {
        continue;
      }
      if (plan.dir !== join(base, n) || !NAME.test(plan.name)) continue;
      // A zombie owner (killed, not yet reaped) is gone.
      if (ownerAlive(plan.owner) && !isZombie(plan.owner.pid)) continue;
      out.push({ dir: plan.dir, leftovers: teardownSync(plan) });
    }
  }
  return out;
}
