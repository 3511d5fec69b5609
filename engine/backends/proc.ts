// Linux /proc lookups, for finding what a run started after the fact:
// a pid's start time (so a reused pid is not taken for its dead owner), the
// parent links between processes, and the environment a process inherited.
// Off Linux (no /proc) every lookup answers "unknown" and callers fall back.
import { readdirSync, readFileSync } from 'node:fs';

/** Fields of /proc/PID/stat after the command name (which may contain spaces and parens). */
function statFields(pid: number): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** The pid's start time in clock ticks since boot (field 22), or null when it is gone / unknown. */
export function processStart(pid: number): string | null {
  return statFields(pid)?.[19] ?? null;
}

/** Parent pid (field 4), or null. */
export function parentPid(pid: number): number | null {
  const f = statFields(pid);
  return f ? Number(f[1]) : null;
}

/** Whether a zombie: dead, only waiting for its parent to reap it. */
export function isZombie(pid: number): boolean {
  return statFields(pid)?.[0] === 'Z';
}

export const hasProc = (): boolean => processStart(process.pid) !== null;

/** Every pid in /proc now. */
export function allPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [];
  }
}

/** Every live descendant of `root` (by parent links, as of now). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const pp = parentPid(pid);
    if (pp === null) continue;
    const list = children.get(pp) ?? [];
    list.push(pid);
    children.set(pp, list);
  }
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** The environment a process started with (what it inherited), or null when unreadable. */
export function environOf(pid: number): Map<string, string> | null {
  try {
    const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
    const env = new Map<string, string>();
    for (const kv of raw.split('\0')) {
      const i = kv.indexOf('=');
      if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
    }
    return env;
  } catch {
    return null;
  }
}

/** Pids whose inherited environment has KEY=VALUE (a marker a run puts on everything it spawns). */
export function pidsWithEnv(key: string, value: string): number[] {
  return allPids().filter((pid) => pid !== process.pid && environOf(pid)?.get(key) === value);
}

/** The command line of a pid, arguments joined by spaces ('' when unreadable). */
export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}
