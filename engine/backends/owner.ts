// Who owns a resource: every container, network, image, iptables chain,
// cgroup, temp dir and child process a run makes carries its run id and its
// owner (the harness's pid plus that pid's start time, so a pid the kernel
// reused for an unrelated process does not keep a dead run's leftovers
// "alive"). `gossipcheck clean` removes what belongs to owners that are gone.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';
import { hasProc, processStart } from './proc.js';

export interface Owner {
  pid: number;
  /** /proc start time of the pid (clock ticks since boot); '' when unknown. */
  start: string;
}

/** Docker labels (containers, networks, images). */
export const LABEL = {
  run: 'gossipcheck.run',
  pid: 'gossipcheck.pid',
  pidStart: 'gossipcheck.pid-start',
  started: 'gossipcheck.started',
} as const;

/** Environment markers every child process the harness spawns inherits. */
export const ENV = {
  ownerPid: 'GOSSIPCHECK_OWNER_PID',
  ownerStart: 'GOSSIPCHECK_OWNER_START',
  runId: 'GOSSIPCHECK_RUN_ID',
} as const;

/** The file in every temp dir the kit makes that names its owner. */
export const OWNER_FILE = '.gossipcheck-owner';

const startedAt = new Date().toISOString();
export const self: Owner = { pid: process.pid, start: processStart(process.pid) ?? '' };

/** Whether the owner still runs (the same process, not a reuse of its pid). */
export function ownerAlive(o: Owner): boolean {
  if (o.pid === process.pid) return true;
  if (hasProc()) {
    const now = processStart(o.pid);
    return now !== null && (o.start === '' || now === o.start);
  }
  try {
    process.kill(o.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Owner from docker labels; null when the object has none (made before owners were recorded). */
export function ownerFromLabels(labels: Record<string, string> | null | undefined): Owner | null {
  const pid = Number(labels?.[LABEL.pid]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return { pid, start: labels?.[LABEL.pidStart] ?? '' };
}

/** `--label K=V` pairs for a docker object of run `runId`. */
export function runLabels(runId: string): Record<string, string> {
  return {
    [LABEL.run]: runId,
    [LABEL.pid]: String(self.pid),
    [LABEL.pidStart]: self.start,
    [LABEL.started]: startedAt,
  };
}

export const labelArgs = (runId: string): string[] =>
  Object.entries(runLabels(runId)).flatMap(([k, v]) => ['--label', `${k}=${v}`]);

/** Environment for a child process: markers that let `clean` find it if this process dies. */
export function ownerEnv(runId?: string): Record<string, string> {
  return {
    [ENV.ownerPid]: String(self.pid),
    [ENV.ownerStart]: self.start,
    ...(runId ? { [ENV.runId]: runId } : {}),
  };
}

/** Owner encoded in a compact tag (`PID.START`) for names and comments. */
export const ownerTag = (o: Owner = self): string => `${o.pid}.${o.start || '0'}`;

export function parseOwnerTag(tag: string): Owner | null {
  const m = /^(\d+)\.(\d+)$/.exec(tag);
  return m ? { pid: Number(m[1]), start: m[2] === '0' ? '' : m[2] } : null;
}

/**
 * A temp dir `PREFIX-XXXXXX` in os.tmpdir() with an owner file, removed on
 * every exit path of this process (the cleanup registry) and by `remove`.
 */
export function ownedTempDir(prefix: string, runId = ''): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `${prefix}-`));
  writeFileSync(join(path, OWNER_FILE), `${JSON.stringify({ ...self, runId, startedAt })}\n`);
  const remove = () => rmSync(path, { recursive: true, force: true });
  const unregister = onCleanup(remove);
  return {
    path,
    remove() {
      remove();
      unregister();
    },
  };
}

/** The owner written into a temp dir; null when it has no (readable) owner file. */
export function tempDirOwner(dir: string): (Owner & { runId: string }) | null {
  try {
    const o = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as Owner & { runId?: string };
    return Number.isInteger(o.pid)
      ? { pid: o.pid, start: String(o.start ?? ''), runId: o.runId ?? '' }
      : null;
  } catch {
    return null;
  }
}
