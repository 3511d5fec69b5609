// A lock between gossipcheck processes on one host: a lock file made with an
// exclusive create (`open(..., 'wx')`) holding its owner (pid + start time).
// A lock whose owner is gone (SIGKILL, power loss) is stale and broken by the
// next waiter; breaking goes through a rename to a name of the breaker's own,
// so two waiters that both saw it stale cannot both break the same lock and
// then each remove the other's fresh one.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';
import { type Owner, ownerAlive, self } from './owner.js';

/** Where the kit's locks live (shared by every gossipcheck process of this host). */
export const LOCK_DIR = join(tmpdir(), 'gossipcheck-locks');

function readOwner(path: string): Owner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Owner;
    return Number.isInteger(o.pid) ? o : null;
  } catch {
    return null;
  }
}

function tryCreate(path: string): boolean {
  try {
    writeFileSync(path, JSON.stringify(self), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Breaks the lock at `path` if its owner is gone. */
function breakIfStale(path: string): void {
  const o = readOwner(path);
  // Unreadable: its creator is between create and write; wait for it.
  if (!o || ownerAlive(o)) return;
  const mine = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, mine);
  } catch {
    return; // Someone else broke it first.
  }
  const taken = readOwner(mine);
  if (taken && ownerAlive(taken)) {
    // It was replaced by a live owner's lock between our read and our rename: put it back.
    try {
      renameSync(mine, path);
    } catch {
      // Gone meanwhile: nothing to restore.
    }
    return;
  }
  rmSync(mine, { force: true });
}

const lockPath = (name: string) => join(LOCK_DIR, `${name}.lock`);

function releaser(path: string): () => void {
  let done = false;
  const unregister = onCleanup(() => release());
  const release = () => {
    if (done) return;
    done = true;
    unregister();
    const o = readOwner(path);
    if (o?.pid === self.pid && o.start === self.start) rmSync(path, { force: true });
  };
  return release;
}

/**
 * Waits until this process holds lock `name`, runs `fn`, releases it. The
 * lock is also released if this process exits meanwhile.
 */
export async function withLock<T>(name: string, fn: () => Promise<T>, waitMs = 15 * 60_000): Promise<T> {
  mkdirSync(LOCK_DIR, { recursive: true });
  const path = lockPath(name);
  const end = Date.now() + waitMs;
  while (!tryCreate(path)) {
    breakIfStale(path);
    if (Date.now() > end) throw new Error(`waited ${waitMs} ms for lock ${path}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const release = releaser(path);
  try {
    return await fn();
  } finally {
    release();
  }
}

/** Synchronous (for exit and signal handlers): the lock's release, or null if it stayed taken for `waitMs`. */
export function tryLockSync(name: string, waitMs: number): (() => void) | null {
  mkdirSync(LOCK_DIR, { recursive: true });
  const path = lockPath(name);
  const end = Date.now() + waitMs;
  while (!tryCreate(path)) {
    breakIfStale(path);
    if (Date.now() > end) return null;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  return releaser(path);
}
