// Everything one IUT command started, found three ways, because each one
// alone misses something:
// - its process group (the shell is spawned detached): misses a child that
//   called setsid() or setpgid();
// - a cgroup of its own, when usable (cgroup.ts): misses nothing, but needs
//   root and a writable cgroup2 mount;
// - without a cgroup, the fallback: descendants by parent links (misses
//   orphans already re-parented to init) plus an environment marker
//   (GOSSIPCHECK_RUN_ID=<tree id>) every descendant inherits unless it clears
//   its environment, found by scanning /proc/*/environ.
// killSync signals all of them; the cgroup's own kill covers the last gap.
import { randomBytes } from 'node:crypto';
import { cgroupPids, createCgroup, killCgroup, removeCgroup } from './cgroup.js';
import { ENV } from './owner.js';
import { descendants, isZombie, pidsWithEnv } from './proc.js';

export class ProcessTree {
  /** The marker value of GOSSIPCHECK_RUN_ID in every process of this tree. */
  readonly id = `p${randomBytes(6).toString('hex')}`;
  readonly cgroup: string | null = createCgroup();
  leader = 0;

  /** argv for spawn: the shell moves itself into the cgroup before it runs the command, so no fork escapes it. */
  argv(command: string): string[] {
    if (!this.cgroup) return ['-c', command];
    return [
      '-c',
      'echo $$ > "$1/cgroup.procs" 2>/dev/null; exec /bin/sh -c "$2"',
      'sh',
      this.cgroup,
      command,
    ];
  }

  /** Pids of the tree still alive (the leader's group is signalled separately). */
  members(): number[] {
    const pids = new Set<number>();
    if (this.cgroup) for (const p of cgroupPids(this.cgroup)) pids.add(p);
    if (this.leader > 0) for (const p of descendants(this.leader)) pids.add(p);
    for (const p of pidsWithEnv(ENV.runId, this.id)) pids.add(p);
    pids.delete(process.pid);
    return [...pids].filter((p) => !isZombie(p));
  }

  signal(sig: NodeJS.Signals): void {
    // Even when the leader (the shell) has exited: what it started may live on in its group.
    if (this.leader > 0) tryKill(-this.leader, sig);
    if (sig === 'SIGKILL' && this.cgroup) killCgroup(this.cgroup);
    for (const pid of this.members()) tryKill(pid, sig);
  }

  /** Last resort and final sweep: SIGKILL everything, remove the cgroup. */
  killSync(): void {
    this.signal('SIGKILL');
    if (this.cgroup) removeCgroup(this.cgroup);
  }

  /** SIGKILLs until nothing of the tree is left (or `waitMs` passes); then removes the cgroup. */
  async killAll(waitMs = 5000): Promise<void> {
    const end = Date.now() + waitMs;
    for (;;) {
      this.signal('SIGKILL');
      if (this.members().length === 0 || Date.now() > end) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    if (this.cgroup) removeCgroup(this.cgroup, Math.max(0, end - Date.now()));
  }
}

function tryKill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone already.
  }
}
