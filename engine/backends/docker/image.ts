// Images for docker chaos runs.
// - The offline base image: no registry needed. A root filesystem holding the
//   host's node binary, the shared libraries `ldd` lists for it, and the parts
//   of the kit the reference node needs at run time (dist/proto, dist/shared,
//   dist/reference, and the node_modules closure of @grpc/grpc-js and
//   @bufbuild/protobuf), turned into an image with `docker import`. Its tag is
//   a content hash of all of that, so the same kit on the same node gives the
//   same tag, and an existing image is reused instead of rebuilt. Concurrent
//   runs share it: it is built once, under a host-wide lock (lock.ts), so two
//   builders never race for the tag (which left the loser's image dangling).
//   A run that had to build it labels it with its run id and owner; such an
//   image is removed by the last run still using it (a user file per run
//   under the lock dir), or by `gossipcheck clean` once its users are gone.
//   `gossipcheck docker-image` and `--keep-image` build a plain, kept one.
// - A user's Dockerfile directory (`--build DIR`): `docker build`, tagged for
//   the run and labelled with it (removed with it, or by `gossipcheck clean`).
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { onCleanup } from '../cleanup.js';
import { LOCK_DIR, tryLockSync, withLock } from '../lock.js';
import { labelArgs, ownedTempDir, ownerAlive, ownerTag, parseOwnerTag, runLabels } from '../owner.js';
import { docker, killInFlightSync, run, runSync } from './exec.js';

export const BASE_REPOSITORY = 'gossipcheck-reference';
/** Where the kit lives inside the base image. */
export const KIT_IN_IMAGE = '/kit';
/** The port the reference node serves GossipNode on inside a container. */
export const NODE_PORT = 7000;
/** Label on every image the kit makes. */
export const IMAGE_LABEL = 'gossipcheck.image';

const RUNTIME_PACKAGES = ['@grpc/grpc-js', '@bufbuild/protobuf'];
// The swarm fault agent and relay run from the same image (engine/backends/swarm/agent, with
// the edge rules it shares with the host firewall).
const DIST_DIRS = [
  'dist/proto',
  'dist/reference',
  'dist/shared',
  'dist/engine/backends/swarm/agent',
  'dist/engine/netfilter',
];
/**
 * What the swarm agent runs inside a node container's network namespace for
 * the direct transport's link faults (agent/netns.ts): nsenter and iptables
 * (the variant the host's `iptables` is, as `iptables` and
 * `iptables-restore` in the image), with their libraries and iptables'
 * extension modules. Missing on the host: left out, and the agent says so.
 */
const NETNS_TOOLS = { nsenter: 'nsenter', iptables: 'iptables' } as const;
export const TOOLS_IN_IMAGE = { nsenter: '/usr/bin/nsenter', iptables: '/usr/sbin/iptables' } as const;
const XTABLES_DIRS = [
  '/usr/lib/x86_64-linux-gnu/xtables',
  '/usr/lib/aarch64-linux-gnu/xtables',
  '/usr/lib/xtables',
];

/** Runtime node_modules closure of the reference node (package dirs, relative to the kit root). */
export function runtimePackages(kitRoot: string): string[] {
  const seen = new Set<string>();
  const queue = [...RUNTIME_PACKAGES];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    const pj = join(kitRoot, 'node_modules', name, 'package.json');
    if (!existsSync(pj)) continue;
    seen.add(name);
    const p = JSON.parse(readFileSync(pj, 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    queue.push(...Object.keys({ ...p.dependencies, ...p.optionalDependencies }));
  }
  return [...seen].sort().map((n) => join('node_modules', n));
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (st.isFile()) out.push(p);
  }
}

/** The shared libraries `ldd` lists for `binary` (absolute paths, as the loader looks them up). */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const out = await run('ldd', [binary]);
  const libs = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.add(m[1]);
  }
  return [...libs].sort();
}

export interface BaseImagePlan {
  tag: string;
  node: string;
  libs: string[];
  /** Image path -> host file, for the agent's tools (NETNS_TOOLS); empty when the host lacks them. */
  tools: [string, string][];
  /** Kit files, relative to the kit root. */
  kitFiles: string[];
}

/** What goes into the base image and its deterministic tag. */
export async function planBaseImage(kitRoot: string, nodeBinary = process.execPath): Promise<BaseImagePlan> {
  const node = realpathSync(nodeBinary);
  const tools = await netnsTools();
  const libs = [
    ...new Set([
      ...(await sharedLibraries(node)),
      ...(await Promise.all(tools.map(([, src]) => sharedLibraries(src)))).flat(),
    ]),
  ].sort();
  const files: string[] = [];
  for (const d of [...DIST_DIRS, ...runtimePackages(kitRoot)]) {
    const abs = join(kitRoot, d);
    if (!existsSync(abs)) throw new Error(`${abs} is missing: build the kit first (npm run build)`);
    walk(abs, files);
  }
  const kitFiles = files
    .filter((f) => !f.endsWith('.test.js') && !f.endsWith('.map'))
    .map((f) => relative(kitRoot, f));
  const hash = createHash('sha256');
  const add = (label: string, path: string) => {
    hash.update(`${label}\0`);
    hash.update(readFileSync(path));
    hash.update('\0');
  };
  add('/usr/bin/node', node);
  for (const lib of libs) add(lib, lib);
  for (const [dest, src] of tools) add(dest, src);
  for (const f of kitFiles) add(f, join(kitRoot, f));
  return { tag: `${BASE_REPOSITORY}:${hash.digest('hex').slice(0, 12)}`, node, libs, tools, kitFiles };
}

/** The agent's tools on this host, as image path -> host file (binaries resolved, extension modules listed). */
async function netnsTools(): Promise<[string, string][]> {
  const which = async (name: string) => {
    try {
      return realpathSync((await run('sh', ['-c', `command -v ${name}`])).trim());
    } catch {
      return null;
    }
  };
  const nsenter = await which(NETNS_TOOLS.nsenter);
  const iptables = await which(NETNS_TOOLS.iptables);
  const xtables = XTABLES_DIRS.find((d) => existsSync(d));
  if (!nsenter || !iptables || !xtables) return [];
  const modules: string[] = [];
  walk(xtables, modules);
  return [
    [TOOLS_IN_IMAGE.nsenter, nsenter],
    [TOOLS_IN_IMAGE.iptables, iptables],
    ...modules.map((m): [string, string] => [m, m]),
  ];
}

export async function imageExists(tag: string): Promise<boolean> {
  try {
    await docker(['image', 'inspect', '--format', '{{.Id}}', tag], { timeoutMs: 30_000 });
    return true;
  } catch {
    return false;
  }
}

const lockName = (tag: string) => `image-${tag.split(':')[1]}`;
const usersDir = (tag: string) => join(LOCK_DIR, `${lockName(tag)}.users`);

/** Imports the planned base image as `plan.tag` (caller holds the lock and checked it is missing). */
async function importBaseImage(kitRoot: string, plan: BaseImagePlan, runId: string | null): Promise<void> {
  const stage = ownedTempDir('gossipcheck-image', runId ?? '');
  // A tag of its own first: only a complete image ever carries the shared tag.
  const staging = `${BASE_REPOSITORY}:staging-${ownerTag().replace('.', '-')}`;
  // Interrupted mid-import: stop the import, drop what it made (temp dir: ownedTempDir).
  const unregister = onCleanup(() => {
    killInFlightSync();
    runSync('docker', ['rmi', staging]);
  });
  try {
    const root = join(stage.path, 'root');
    const put = (src: string, dest: string) => {
      mkdirSync(dirname(join(root, dest)), { recursive: true });
      cpSync(src, join(root, dest), { dereference: true });
    };
    put(plan.node, '/usr/bin/node');
    // The loader finds each library by the path ldd printed (symlinks resolved into real files).
    for (const lib of plan.libs) put(lib, lib);
    for (const [dest, src] of plan.tools) put(src, dest);
    // iptables' multi-call binary picks its mode from its name: iptables-restore is the same file.
    if (plan.tools.length) symlinkSync('iptables', join(root, `${TOOLS_IN_IMAGE.iptables}-restore`));
    for (const f of plan.kitFiles) put(join(kitRoot, f), join(KIT_IN_IMAGE, f));
    writeFileSync(join(root, KIT_IN_IMAGE, 'package.json'), '{ "type": "module" }\n');
    mkdirSync(join(root, 'tmp'), { recursive: true });
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc', 'nsswitch.conf'), 'hosts: files dns\n');
    const tar = join(stage.path, 'rootfs.tar');
    await run('tar', ['--sort=name', '--mtime=@0', '--owner=0', '--group=0', '-C', root, '-cf', tar, '.']);
    const labels = { [IMAGE_LABEL]: 'base', ...(runId ? runLabels(runId) : {}) };
    await docker(
      [
        'import',
        ...Object.entries(labels).flatMap(([k, v]) => ['--change', `LABEL ${k}=${v}`]),
        '--change',
        `ENV GOSSIPCHECK_LISTEN=0.0.0.0:${NODE_PORT}`,
        '--change',
        `WORKDIR ${KIT_IN_IMAGE}`,
        '--change',
        `CMD ["/usr/bin/node", "${KIT_IN_IMAGE}/dist/reference/realtime/main.js"]`,
        tar,
        staging,
      ],
      { timeoutMs: 300_000 },
    );
    await docker(['tag', staging, plan.tag]);
  } finally {
    // Untags only: the image keeps its real tag (or, after a failed tag, goes).
    runSync('docker', ['rmi', staging]);
    stage.remove();
    unregister();
  }
}

/**
 * Builds the base image (kept: no run labels) unless an image with its tag
 * exists already. `built` says whether this call made it.
 */
export async function ensureBaseImage(kitRoot: string): Promise<{ tag: string; built: boolean }> {
  const plan = await planBaseImage(kitRoot);
  return withLock(lockName(plan.tag), async () => {
    if (await imageExists(plan.tag)) return { tag: plan.tag, built: false };
    await importBaseImage(kitRoot, plan, null);
    return { tag: plan.tag, built: true };
  });
}

export interface BaseImageUse {
  tag: string;
  built: boolean;
  /** Ends this run's use; removes a run-built image when no live run uses it any more. Sync, idempotent. */
  release(): void;
}

/**
 * The base image for run `runId`, shared with concurrent runs: built once
 * under the lock when missing (labelled with the run unless `keep`), and this
 * run registered as one of its users until `release`.
 */
export async function useBaseImage(kitRoot: string, runId: string, keep: boolean): Promise<BaseImageUse> {
  const plan = await planBaseImage(kitRoot);
  const mine = join(usersDir(plan.tag), ownerTag());
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    unregister();
    rmSync(mine, { force: true });
    releaseBaseImageSync(plan.tag);
    try {
      rmdirSync(usersDir(plan.tag));
    } catch {
      // Other users still registered.
    }
  };
  const unregister = onCleanup(release);
  const built = await withLock(lockName(plan.tag), async () => {
    mkdirSync(usersDir(plan.tag), { recursive: true });
    writeFileSync(mine, `${runId}\n`);
    if (await imageExists(plan.tag)) return false;
    await importBaseImage(kitRoot, plan, keep ? null : runId);
    return true;
  });
  return { tag: plan.tag, built, release };
}

/** Live runs registered as users of base image `tag` (dead ones are pruned). */
export function liveUsersSync(tag: string): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(usersDir(tag));
  } catch {
    return [];
  }
  return names.filter((n) => {
    const o = parseOwnerTag(n);
    if (o && ownerAlive(o)) return true;
    rmSync(join(usersDir(tag), n), { force: true });
    return false;
  });
}

/**
 * Removes base image `tag` if a run built it (it has run labels) and no live
 * run uses it; under the lock, or not at all when the lock stays taken.
 * `docker rmi` without -f: an image a container still uses stays.
 */
export function releaseBaseImageSync(tag: string, waitMs = 5000): boolean {
  const unlock = tryLockSync(lockName(tag), waitMs);
  if (!unlock) return false;
  try {
    if (liveUsersSync(tag).length > 0) return false;
    const runLabel = runSync('docker', [
      'image',
      'inspect',
      '--format',
      '{{index .Config.Labels "gossipcheck.run"}}',
      tag,
    ]);
    if (!runLabel) return false;
    runSync('docker', ['rmi', tag], 60_000);
    return runSync('docker', ['image', 'inspect', '--format', '{{.Id}}', tag]) === '';
  } finally {
    unlock();
  }
}

/** `docker build` of a user's directory (with its Dockerfile) under `tag`. */
export async function buildUserImage(dir: string, tag: string, runId: string): Promise<void> {
  if (!existsSync(join(dir, 'Dockerfile')))
    throw new Error(`--build ${dir}: no Dockerfile in that directory`);
  await docker(['build', '--label', `${IMAGE_LABEL}=run`, ...labelArgs(runId), '-t', tag, dir], {
    timeoutMs: 900_000,
  });
}

export async function removeImage(tag: string): Promise<void> {
  try {
    await docker(['rmi', '-f', tag], { timeoutMs: 60_000 });
  } catch {
    // Already gone.
  }
}
