// A cgroup v2 of its own per IUT process tree: the one container a process
// cannot leave by setsid() or double fork, so killing everything in it kills
// everything the IUT started. Used when running as root with a writable
// cgroup2 hierarchy: /sys/fs/cgroup itself (pure v2) or /sys/fs/cgroup/unified
// (hybrid v1 + v2 hosts). Cgroups are named `gossipcheck-PID.START-N` after
// their owner, so `gossipcheck clean` can tell a dead run's cgroup.
// GOSSIPCHECK_CGROUP=0 turns this off (the process backend then falls back to
// the process group plus /proc walks; see process.ts).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Owner, ownerTag, parseOwnerTag } from './owner.js';

const CANDIDATES = ['/sys/fs/cgroup', '/sys/fs/cgroup/unified'];
const PREFIX = 'gossipcheck-';

function isCgroup2Root(dir: string): boolean {
  try {
    return (
      existsSync(join(dir, 'cgroup.procs')) &&
      existsSync(join(dir, 'cgroup.controllers')) &&
      readFileSync('/proc/self/mounts', 'utf8')
        .split('\n')
        .some((l) => l.split(' ')[1] === dir && l.split(' ')[2] === 'cgroup2')
    );
  } catch {
    return false;
  }
}

let root: string | null | undefined;

/** The writable cgroup2 mount, or null (not root, no cgroup2, turned off). */
export function cgroupRoot(): string | null {
  if (process.env.GOSSIPCHECK_CGROUP === '0') return null;
  if (root !== undefined) return root;
  root = null;
  if (process.getuid?.() !== 0) return root;
  for (const dir of CANDIDATES) {
    if (!isCgroup2Root(dir)) continue;
    // Writable for us only if we can make (and remove) a child.
    const probe = join(dir, `${PREFIX}probe-${process.pid}`);
    try {
      mkdirSync(probe);
      rmdirSync(probe);
      root = dir;
      break;
    } catch {
      // Read-only or delegated elsewhere: try the next mount.
    }
  }
  return root;
}

let counter = 0;

/** Makes an empty cgroup for one process tree; null when cgroups are not usable here. */
export function createCgroup(): string | null {
  const r = cgroupRoot();
  if (!r) return null;
  const dir = join(r, `${PREFIX}${ownerTag()}-${++counter}`);
  try {
    mkdirSync(dir);
    return dir;
  } catch {
    return null;
  }
}

export function cgroupPids(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** SIGKILLs every process in the cgroup (cgroup.kill when the kernel has it, else one by one). */
export function killCgroup(dir: string): void {
  try {
    writeFileSync(join(dir, 'cgroup.kill'), '1');
    return;
  } catch {
    // Kernel before 5.14: no cgroup.kill.
  }
  for (let pass = 0; pass < 5; pass++) {
    const pids = cgroupPids(dir);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
}

/** Kills what is left and removes the cgroup once it is empty; true when it is gone. */
export function removeCgroup(dir: string, waitMs = 5000): boolean {
  if (!existsSync(dir)) return true;
  killCgroup(dir);
  const end = Date.now() + waitMs;
  for (;;) {
    try {
      rmdirSync(dir);
      return true;
    } catch {
      // EBUSY until the killed processes are reaped.
    }
    if (Date.now() > end) return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}

/** Cgroups any gossipcheck process made, with their owners. */
export function listCgroups(): { dir: string; owner: Owner | null }[] {
  const out: { dir: string; owner: Owner | null }[] = [];
  for (const r of CANDIDATES) {
    if (!isCgroup2Root(r)) continue;
    let names: string[] = [];
    try {
      names = readdirSync(r).filter((n) => n.startsWith(PREFIX) && !n.startsWith(`${PREFIX}probe-`));
    } catch {
      continue;
    }
    for (const n of names) {
      const m = /^gossipcheck-(\d+\.\d+)-\d+$/.exec(n);
      out.push({ dir: join(r, n), owner: m ? parseOwnerTag(m[1]) : null });
    }
  }
  return out;
}
