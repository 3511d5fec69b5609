// The process backend: spawns an IUT command that serves GossipNode, waits
// until its gRPC channel is ready, and on close or harness exit kills
// everything the command started (process-tree.ts: its process group, its
// cgroup when there is one, else its descendants and every process carrying
// its environment marker). The command learns its address from
// GOSSIPCHECK_LISTEN and from `{listen}` / `{port}` placeholders.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { GrpcEndpoint } from '../endpoint/grpc-client.js';
import { onCleanup } from './cleanup.js';
import { OutputLog } from './output-log.js';
import { ownerEnv } from './owner.js';
import { ProcessTree } from './process-tree.js';

export interface ProcessOptions {
  startupTimeoutMs: number;
  callTimeoutMs: number;
  env?: NodeJS.ProcessEnv;
  /** Append everything the IUT writes to stdout / stderr to this file (capped at 64 MiB). */
  logFile?: string;
}

export interface SpawnedEndpoint {
  endpoint: GrpcEndpoint;
  address: string;
  pid: number;
  /** Why the process is gone ("exited with code 3: <stderr tail>"), or null while it runs. */
  exitReason(): string | null;
  close(): Promise<void>;
}

/** How long the IUT gets to end on SIGTERM before everything of it gets SIGKILL. */
const TERM_GRACE_MS = 2000;

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function expandCommand(command: string, host: string, port: number): string {
  return command.replaceAll('{listen}', `${host}:${port}`).replaceAll('{port}', String(port));
}

export async function spawnEndpoint(command: string, opts: ProcessOptions): Promise<SpawnedEndpoint> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const address = `${host}:${port}`;
  const tree = new ProcessTree();
  const unregister = onCleanup(() => tree.killSync());
  // detached: a process group of its own, so a terminal's Ctrl-C reaches the harness only.
  const child = spawn('/bin/sh', tree.argv(expandCommand(command, host, port)), {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env, ...ownerEnv(tree.id), GOSSIPCHECK_LISTEN: address },
  });
  tree.leader = child.pid ?? 0;
  const output = new OutputLog(opts.logFile);
  child.stdout?.on('data', (c: Buffer) => output.add('stdout', c));
  child.stderr?.on('data', (c: Buffer) => output.add('stderr', c));
  let exitReason: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      const how = code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
      const said = output.summary();
      exitReason ??= `IUT process ${how}${said ? `: ${said}` : ''}`;
      resolve();
    });
    child.once('error', (err) => {
      exitReason ??= `IUT command could not start: ${err.message}`;
      resolve();
    });
  });
  // The pipes close after the process (and whatever else held them) is gone.
  const drained = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const endpoint = new GrpcEndpoint(address, opts.callTimeoutMs);

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      await endpoint.close();
      tree.signal('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, TERM_GRACE_MS))]);
      // The shell may be gone while a grandchild (or a setsid() escapee) lingers.
      await tree.killAll();
      await Promise.race([drained, new Promise((r) => setTimeout(r, 1000))]);
      output.close();
      unregister();
    })();
    return closing;
  };

  const ready = endpoint
    .waitForReady(opts.startupTimeoutMs, () => exitReason !== null)
    .then(
      () => null,
      () => `IUT did not listen on ${address} within ${opts.startupTimeoutMs} ms`,
    );
  const failure = await Promise.race([ready, exited.then(() => exitReason ?? 'IUT process exited')]);
  if (failure !== null) {
    // Chosen before close(): closing kills the process, and that is not why it failed.
    const why = exitReason ?? failure;
    await close();
    throw new Error(why);
  }
  return { endpoint, address, pid: child.pid ?? -1, exitReason: () => exitReason, close };
}
