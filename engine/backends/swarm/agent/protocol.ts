// What the harness and a swarm run's fault agents say to each other. The
// agent runs in the kit's image (the base image carries this directory), so
// everything here uses Node's built-ins only.
//
// Every agent request is HTTP/1.1 with JSON bodies and the run's token as
// `authorization: Bearer <token>`; a wrong token is 401 and nothing happens.
// The agents listen on the run's overlay network only; the harness, outside
// it, reaches them through the run's relay: a container on the overlay on the
// manager host whose one published port takes, per TCP connection, a first
// line `<token> <target>\n` and answers `OK\n` (then pipes bytes to and from
// target, an IP:PORT on the overlay) or `ERR <reason>\n`. A target
// `?<name>` asks the relay to resolve a name on the overlay (the agents'
// `tasks.<service>`): the answer is one line of JSON, an array of addresses.

import type { Socket } from 'node:net';

export const AGENT_PORT = 7100;
export const RELAY_PORT = 7101;

/** What an agent does to a node's container on its host. */
export const NODE_OPS = ['pause', 'unpause', 'kill'] as const;
export type NodeOp = (typeof NODE_OPS)[number];

/** Per node: how many times the agent carried out each op (all 0 until it did). */
export type OpCounts = Record<NodeOp, number>;

export interface AgentInfo {
  /** The docker engine's host name (the swarm node's hostname). */
  host: string;
  /** Ops carried out so far, by node. */
  ops: Record<string, OpCounts>;
}

export interface OpResult {
  node: string;
  container: string;
  /** The container's state after the op (running, paused, exited). */
  state: string;
}

/** Containers of the run still on the agent's host, itself left out. */
export interface Leftovers {
  host: string;
  containers: string[];
}

export const AGENT_ENV = {
  token: 'GOSSIPCHECK_AGENT_TOKEN',
  runId: 'GOSSIPCHECK_RUN_ID',
  /** The stack whose node services the agent acts on (`<stack>_<node>`). */
  stack: 'GOSSIPCHECK_STACK',
  /** The overlay's subnet (CIDR): the agent binds only its addresses there, the relay dials only there. */
  subnet: 'GOSSIPCHECK_AGENT_SUBNET',
} as const;

/** Where the host's /proc is mounted in an agent's container (direct transport: agent/netns.ts). */
export const HOST_PROC = '/host/proc';

/** On the agents' and the relay's containers: what the leftover check leaves out (they go last). */
export const ROLE_LABEL = 'gossipcheck.role';

/** Docker's label for a swarm task's service name. */
export const SERVICE_LABEL = 'com.docker.swarm.service.name';

/** Whether IPv4 `ip` is inside `cidr` (a.b.c.d/len). */
export function inSubnet(ip: string, cidr: string): boolean {
  const [base, lenText] = cidr.split('/');
  const len = Number(lenText);
  const a = ipv4(ip);
  const b = ipv4(base ?? '');
  if (a === null || b === null || !Number.isInteger(len) || len < 0 || len > 32) return false;
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

function ipv4(s: string): number | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n >>> 0;
}

/**
 * The relay's first line on `sock` (both ends speak one): resolves to it and
 * the bytes after it, with the socket paused and its own listeners gone;
 * rejects with why there is none (no newline within `max` bytes or `ms`, or
 * the connection closed first).
 */
export function firstLine(sock: Socket, max: number, ms: number): Promise<{ line: string; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let head = Buffer.alloc(0);
    const done = (err: Error | null, nl = -1) => {
      clearTimeout(timer);
      sock.off('data', onData);
      sock.off('end', onEnd);
      sock.off('error', onError);
      sock.pause();
      if (err) reject(err);
      else resolve({ line: head.subarray(0, nl).toString('utf8'), rest: head.subarray(nl + 1) });
    };
    const timer = setTimeout(() => done(new Error(`no first line in ${ms} ms`)), ms);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(10);
      if (nl >= 0) done(null, nl);
      else if (head.length > max) done(new Error('first line too long'));
    };
    const onEnd = () => done(new Error('closed the connection'));
    const onError = (err: Error) => done(err);
    sock.on('data', onData);
    sock.on('end', onEnd);
    sock.on('error', onError);
  });
}
