// What dead runs left behind, and removing it. A resource is stale when its
// owner (owner.ts: pid + start time, from a label, a chain rule, a cgroup
// name, a temp dir's owner file, a process's environment) no longer runs.
// A SIGKILLed harness cannot clean up after itself; this is how the next
// `gossipcheck chaos` notices and `gossipcheck clean` removes it.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listCgroups, removeCgroup } from './cgroup.js';
import { idsByLabelSync, runSync, tryRunSync } from './docker/exec.js';
import { BASE_REPOSITORY, liveUsersSync, releaseBaseImageSync } from './docker/image.js';
import { listRunChainsSync, removeChainSync } from './docker/iptables.js';
import { LOCK_DIR } from './lock.js';
import { ENV, LABEL, type Owner, ownerAlive, ownerFromLabels, parseOwnerTag, tempDirOwner } from './owner.js';
import { allPids, cmdlineOf, environOf, isZombie, parentPid } from './proc.js';

export type StaleKind =
  | 'process'
  | 'cgroup'
  | 'service'
  | 'container'
  | 'network'
  | 'chain'
  | 'image'
  | 'tempdir'
  | 'lock';

export interface StaleResource {
  kind: StaleKind;
  /** What to remove it by: a pid, an id, a chain name, a path. */
  id: string;
  /** Human-readable: its name and why it is stale. */
  what: string;
  runId: string;
}

const dead = (o: Owner | null): boolean => o === null || !ownerAlive(o);
const ownerText = (o: Owner | null): string => (o ? `owner pid ${o.pid} gone` : 'no owner recorded');

/** Rows of `docker ... --format` output, tab-separated. */
function dockerRows(args: string[]): string[][] {
  const out = tryRunSync('docker', args, 60_000);
  return (out ?? '')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));
}

function labelled(kind: 'container' | 'network'): StaleResource[] {
  const fmt = `{{.ID}}\t{{.Names}}\t{{.Label "${LABEL.run}"}}\t{{.Label "${LABEL.pid}"}}\t{{.Label "${LABEL.pidStart}"}}`;
  const args =
    kind === 'container'
      ? ['ps', '-a', '--no-trunc', '--filter', `label=${LABEL.run}`, '--format', fmt]
      : [
          'network',
          'ls',
          '--no-trunc',
          '--filter',
          `label=${LABEL.run}`,
          '--format',
          fmt.replace('.Names', '.Name'),
        ];
  const out: StaleResource[] = [];
  for (const [id, name, runId, pid, start] of dockerRows(args)) {
    const o = ownerFromLabels({ [LABEL.pid]: pid, [LABEL.pidStart]: start });
    if (dead(o)) out.push({ kind, id, runId, what: `${kind} ${name} (run ${runId}, ${ownerText(o)})` });
  }
  return out;
}

/** Swarm services of dead runs (chaos --backend swarm), on a manager; none elsewhere. */
function services(): StaleResource[] {
  const ids = idsByLabelSync('service', LABEL.run);
  if (ids.length === 0) return [];
  const fmt = `{{.ID}}\t{{.Spec.Name}}\t{{index .Spec.Labels "${LABEL.run}"}}\t{{index .Spec.Labels "${LABEL.pid}"}}\t{{index .Spec.Labels "${LABEL.pidStart}"}}`;
  const out: StaleResource[] = [];
  for (const [id, name, runId, pid, start] of dockerRows(['service', 'inspect', '--format', fmt, ...ids])) {
    const o = ownerFromLabels({ [LABEL.pid]: pid ?? '', [LABEL.pidStart]: start ?? '' });
    if (dead(o))
      out.push({
        kind: 'service',
        id: id!,
        runId: runId ?? '',
        what: `service ${name} (run ${runId}, ${ownerText(o)})`,
      });
  }
  return out;
}

function images(): StaleResource[] {
  const out: StaleResource[] = [];
  const rows = dockerRows([
    'images',
    '--no-trunc',
    '--filter',
    'label=gossipcheck.image',
    '--format',
    '{{.ID}}\t{{.Repository}}:{{.Tag}}',
  ]);
  for (const [id, ref] of rows) {
    const labels = JSON.parse(
      runSync('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', id]) || '{}',
    ) as Record<string, string> | null;
    const runId = labels?.[LABEL.run] ?? '';
    // A half-built base image keeps its staging tag, which names its builder.
    const staging = /:staging-(\d+)-(\d+)$/.exec(ref);
    const o = staging ? parseOwnerTag(`${staging[1]}.${staging[2]}`) : ownerFromLabels(labels);
    // Kept images (`gossipcheck docker-image`, --keep-image) carry no run: never stale.
    if (!runId && !staging) continue;
    if (!staging && ref.startsWith(`${BASE_REPOSITORY}:`) && liveUsersSync(ref).length > 0) continue;
    if (dead(o))
      out.push({
        kind: 'image',
        id: ref.endsWith(':<none>') ? id : ref,
        runId,
        what: `image ${ref} (run ${runId || '?'}, ${ownerText(o)})`,
      });
  }
  return out;
}

function chains(): StaleResource[] {
  return listRunChainsSync()
    .filter((c) => dead(c.owner))
    .map((c) => ({
      kind: 'chain' as const,
      id: c.runId,
      runId: c.runId,
      what: `iptables chain ${c.chain} and its DOCKER-USER jump (${ownerText(c.owner)})`,
    }));
}

/** Another gossipcheck CLI process is running (for temp dirs that name no owner). */
function otherGossipcheckRuns(): boolean {
  return allPids().some(
    (p) => p !== process.pid && /(gossipcheck|harness\/cli\/main\.js)\s+run\b/.test(cmdlineOf(p)),
  );
}

function tempDirs(): StaleResource[] {
  const out: StaleResource[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(tmpdir()).filter((n) => n.startsWith('gossipcheck-'));
  } catch {
    return out;
  }
  let busy: boolean | null = null;
  for (const name of names) {
    const path = join(tmpdir(), name);
    try {
      if (!statSync(path).isDirectory()) continue;
    } catch {
      continue;
    }
    const o = tempDirOwner(path);
    if (o) {
      if (dead(o))
        out.push({ kind: 'tempdir', id: path, runId: o.runId, what: `temp dir ${path} (${ownerText(o)})` });
      continue;
    }
    // Made by code that writes no owner file (`run`'s work dir): stale only when no gossipcheck run is going on.
    if (!/^gossipcheck-(run|image)-/.test(name)) continue;
    busy ??= otherGossipcheckRuns();
    if (!busy)
      out.push({
        kind: 'tempdir',
        id: path,
        runId: '',
        what: `temp dir ${path} (no owner file, no gossipcheck run going on)`,
      });
  }
  return out;
}

function cgroups(): StaleResource[] {
  return listCgroups()
    .filter((c) => c.owner !== null && dead(c.owner))
    .map((c) => ({
      kind: 'cgroup' as const,
      id: c.dir,
      runId: '',
      what: `cgroup ${c.dir} (${ownerText(c.owner)})`,
    }));
}

/** Our own pid and its ancestors: never killed, whatever their environment says. */
function ancestry(): Set<number> {
  const out = new Set<number>();
  for (let p: number | null = process.pid; p && p > 1 && !out.has(p); p = parentPid(p)) out.add(p);
  return out;
}

function processes(): StaleResource[] {
  const keep = ancestry();
  const out: StaleResource[] = [];
  for (const pid of allPids()) {
    if (keep.has(pid) || isZombie(pid)) continue;
    const env = environOf(pid);
    const owner = Number(env?.get(ENV.ownerPid));
    if (!env || !Number.isInteger(owner) || owner <= 0) continue;
    const o = { pid: owner, start: env.get(ENV.ownerStart) ?? '' };
    if (!dead(o)) continue;
    const cmd = cmdlineOf(pid).slice(0, 80);
    out.push({
      kind: 'process',
      id: String(pid),
      runId: env.get(ENV.runId) ?? '',
      what: `process ${pid} \`${cmd}\` (${ownerText(o)})`,
    });
  }
  return out;
}

function locks(): StaleResource[] {
  const out: StaleResource[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(LOCK_DIR).filter((n) => n.endsWith('.lock'));
  } catch {
    return out;
  }
  // A base image's user files (image.ts): one per run using it, named after the run's owner.
  for (const d of readdirSync(LOCK_DIR).filter((n) => n.endsWith('.users'))) {
    for (const u of readdirSync(join(LOCK_DIR, d))) {
      const o = parseOwnerTag(u);
      if (o && dead(o))
        out.push({
          kind: 'lock',
          id: join(LOCK_DIR, d, u),
          runId: '',
          what: `image user ${d}/${u} (${ownerText(o)})`,
        });
    }
  }
  for (const n of names) {
    try {
      const o = JSON.parse(readFileSync(join(LOCK_DIR, n), 'utf8')) as Owner;
      if (dead(o))
        out.push({ kind: 'lock', id: join(LOCK_DIR, n), runId: '', what: `lock ${n} (${ownerText(o)})` });
    } catch {
      // Being written right now, or not ours.
    }
  }
  return out;
}

/** Everything dead runs left, in removal order; `runId` narrows it to one run. */
export function findStale(runId?: string): StaleResource[] {
  const all = [
    ...processes(),
    ...cgroups(),
    ...services(),
    ...labelled('container'),
    ...labelled('network'),
    ...chains(),
    ...images(),
    ...tempDirs(),
    ...locks(),
  ];
  return runId === undefined ? all : all.filter((r) => r.runId === runId);
}

/** Removes one stale resource; returns whether it is gone. */
export function removeStale(r: StaleResource): boolean {
  switch (r.kind) {
    case 'process':
      try {
        process.kill(Number(r.id), 'SIGKILL');
      } catch {
        // Gone already.
      }
      return true;
    case 'cgroup':
      return removeCgroup(r.id);
    case 'service':
      return tryRunSync('docker', ['service', 'rm', r.id], 60_000) !== null;
    case 'container':
      return tryRunSync('docker', ['rm', '-f', '-v', r.id], 120_000) !== null;
    case 'network':
      return tryRunSync('docker', ['network', 'rm', r.id], 60_000) !== null;
    case 'chain':
      removeChainSync(r.id);
      return true;
    case 'image':
      // A run-built base image may still be in use by a live run; the release checks under the lock.
      if (r.id.startsWith(`${BASE_REPOSITORY}:`) && !r.id.includes(':staging-'))
        return releaseBaseImageSync(r.id);
      return tryRunSync('docker', ['rmi', '-f', r.id], 60_000) !== null;
    case 'tempdir':
    case 'lock':
      rmSync(r.id, { recursive: true, force: true });
      return true;
  }
}

/** Whether a docker engine answers (clean also works without one: processes, cgroups, temp dirs). */
export const dockerHere = (): boolean =>
  tryRunSync('docker', ['info', '--format', '{{.ServerVersion}}'], 15_000) !== null;

/** One line on stderr when dead runs left something (chaos runs say so before they start). */
export function warnStale(): void {
  const stale = findStale();
  if (stale.length === 0) return;
  const counts = new Map<string, number>();
  for (const r of stale) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
  const list = [...counts]
    .map(([k, n]) => `${n} ${k}${n > 1 ? (k === 'process' ? 'es' : 's') : ''}`)
    .join(', ');
  process.stderr.write(
    `gossipcheck: warning: dead runs left ${list} on this host; \`gossipcheck clean --dry-run\` lists them, \`gossipcheck clean\` removes them\n`,
  );
}
