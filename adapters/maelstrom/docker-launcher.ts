// Maelstrom nodes in docker containers: each node is `docker run -i --rm
// --name gossipcheck-<run>-<node> --label gossipcheck.run=<run> --network
// gossipcheck-<run> [-v DIR:DIR:ro] IMAGE sh -c CMD`, its stdin / stdout piped
// to the harness like a local process (a NodeLauncher for scenario.ts), so
// the harness stays the network. pause / kill map to docker pause / kill.
import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { docker, runSync } from '../../engine/backends/docker/exec.js';
import { labelArgs } from '../../engine/backends/owner.js';
import type { NodeId } from '../../proto/contract.js';
import { type NodeLauncher, NodeProcess } from './node-process.js';

export interface DockerNodes {
  runId: string;
  network: string;
  image: string;
  command: string;
  /** Host directories bind-mounted read-only at the same path. */
  mounts: string[];
  /** Working directory inside the container (a mounted host dir), or none. */
  workdir?: string;
  /** Host file mounted as /bin/sh (for images without a shell), or none. */
  shell?: string;
}

/** Container name of `node`'s `generation`-th start. */
export const containerName = (runId: string, node: NodeId, generation: number) =>
  `gossipcheck-${runId}-${node}${generation > 0 ? `-r${generation}` : ''}`;

/** Starts each node as `docker run -i --rm ... IMAGE sh -c CMD`, stdin / stdout piped. */
export function dockerLauncher(d: DockerNodes): NodeLauncher {
  return (id, generation, onLine, onExit) => {
    const name = containerName(d.runId, id, generation);
    // Set once `docker rm -f` returned: the sweep after stop has nothing left to do.
    let removed = false;
    const remove = () =>
      docker(['rm', '-f', name], { timeoutMs: 30_000 }).then(
        () => {
          removed = true;
        },
        () => {},
      );
    return new NodeProcess(
      id,
      {
        file: 'docker',
        args: [
          'run',
          '-i',
          '--rm',
          '--name',
          name,
          ...labelArgs(d.runId),
          '--network',
          d.network,
          '-e',
          `GOSSIPCHECK_NODE=${id}`,
          ...d.mounts.flatMap((m) => ['-v', `${m}:${m}:ro`]),
          ...(d.shell ? ['-v', `${d.shell}:/bin/sh:ro`] : []),
          ...(d.workdir ? ['-w', d.workdir] : []),
          d.image,
          'sh',
          '-c',
          d.command,
        ],
        detached: false,
        graceMs: 15_000,
        killSync: (child) => {
          if (!removed) runSync('docker', ['rm', '-f', name]);
          child.kill('SIGKILL');
        },
        terminate: remove,
        kill: async () => {
          await docker(['kill', name], { timeoutMs: 30_000 });
        },
        pause: async () => {
          await docker(['pause', name], { timeoutMs: 30_000 });
        },
        resume: async () => {
          await docker(['unpause', name], { timeoutMs: 30_000 });
        },
      },
      onLine,
      onExit,
    );
  };
}

/** The working directory and the directory of every absolute path in `command` that exists here. */
export function defaultMounts(command: string, cwd = process.cwd()): string[] {
  const dirs = new Set<string>([cwd]);
  for (const token of command.split(/\s+/)) {
    const t = token.replace(/^['"]|['"]$/g, '');
    if (!isAbsolute(t) || !existsSync(t) || t.startsWith('/usr/') || t.startsWith('/bin/')) continue;
    dirs.add(statSync(t).isDirectory() ? t : dirname(t));
  }
  // Drop directories inside another one.
  const all = [...dirs].sort();
  return all.filter((d) => !all.some((o) => o !== d && d.startsWith(`${o}/`)));
}
