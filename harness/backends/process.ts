// The process backend: spawns an IUT command that serves GossipNode, waits
// until its gRPC channel is ready, and kills its whole process group on close
// or on harness exit. The command learns its address from GOSSIPCHECK_LISTEN
// and from `{listen}` / `{port}` placeholders in the command line.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { GrpcEndpoint } from '../endpoint/grpc-client.js';
import { onCleanup } from './cleanup.js';

export interface ProcessOptions {
  startupTimeoutMs: number;
  callTimeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

export interface SpawnedEndpoint {
  endpoint: GrpcEndpoint;
  address: string;
  pid: number;
  /** Why the process is gone ("exited with code 3: <stderr tail>"), or null while it runs. */
  exitReason(): string | null;
  close(): Promise<void>;
}

const TAIL_BYTES = 2048;

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

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

export async function spawnEndpoint(command: string, opts: ProcessOptions): Promise<SpawnedEndpoint> {
  const host = '127.0.0.1';
  const port = await freePort(host);
  const address = `${host}:${port}`;
  // detached: a process group of its own, so its children die with it.
  const child = spawn('/bin/sh', ['-c', expandCommand(command, host, port)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env, GOSSIPCHECK_LISTEN: address },
  });
  let tail = '';
  const keepTail = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  let exitReason: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      const how = code !== null ? `exited with code ${code}` : `was killed by ${signal}`;
      exitReason = `IUT process ${how}${tail.trim() ? `: ${tail.trim().split('\n').slice(-5).join(' | ')}` : ''}`;
      resolve();
    });
  });
  child.once('error', (err) => {
    exitReason = `IUT command could not start: ${err.message}`;
  });
  const unregister = onCleanup(() => killGroup(child, 'SIGKILL'));
  const endpoint = new GrpcEndpoint(address, opts.callTimeoutMs);

  const close = async () => {
    await endpoint.close();
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
    // The shell may be gone while a grandchild lingers: sweep the group.
    killGroup(child, 'SIGKILL');
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Group empty: nothing left.
    }
    unregister();
  };

  const ready = endpoint
    .waitForReady(opts.startupTimeoutMs, () => exitReason !== null)
    .then(
      () => null,
      () => `IUT did not listen on ${address} within ${opts.startupTimeoutMs} ms`,
    );
  const died = exited.then(() => exitReason);
  const failure = await Promise.race([ready, died]);
  if (failure !== null) {
    await close();
    throw new Error(exitReason ?? failure);
  }
  return { endpoint, address, pid: child.pid ?? -1, exitReason: () => exitReason, close };
}
