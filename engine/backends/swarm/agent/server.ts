// A swarm run's fault agent: one per host (a global service), acting on the
// node containers of its own host through its engine's socket. Pure HTTP on
// Node's built-ins (protocol.ts); it binds only its addresses on the run's
// overlay and answers nothing without the run's token.
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { networkInterfaces } from 'node:os';
import type { LossRule } from '../../../netfilter/edge-rules.js';
import { type ApiAnswer, type ContainerSummary, containersByLabel, dockerApi } from './docker-api.js';
import { NetnsFirewalls } from './netns.js';
import {
  type AgentInfo,
  HOST_PROC,
  inSubnet,
  type Leftovers,
  NODE_OPS,
  type NodeOp,
  type OpCounts,
  type OpResult,
  ROLE_LABEL,
  SERVICE_LABEL,
} from './protocol.js';

export interface AgentOptions {
  token: string;
  runId: string;
  stack: string;
  /** The engine's socket inside the agent's container. */
  socket: string;
  subnet: string;
  port: number;
}

/** A request body's limit: a 1,000-node run's address map and a partition's edges fit well within it. */
const MAX_BODY = 64 * 1024 * 1024;
const NODE_ID = /^[A-Za-z0-9_.-]{1,64}$/;
/** The states a container must be in for each op (a paused container is killed after its unpause). */
const FROM: Record<NodeOp, readonly string[]> = {
  pause: ['running'],
  unpause: ['paused'],
  kill: ['running', 'paused'],
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The agent's addresses on the overlay (it listens there only). */
export function overlayAddresses(subnet: string): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => a.family === 'IPv4' && inSubnet(a.address, subnet))
    .map((a) => a.address);
}

export async function startAgent(o: AgentOptions): Promise<Server[]> {
  const info = await dockerApi(o.socket, 'GET', '/info');
  const host = (info.body as { Name?: string } | null)?.Name;
  if (info.status !== 200 || !host)
    throw new Error(`the engine's socket ${o.socket} answered ${info.status}`);
  const ops = new Map<string, OpCounts>();
  const net = new NetnsFirewalls(o.runId);
  const token = Buffer.from(o.token);
  const authorized = (req: IncomingMessage): boolean => {
    const given = Buffer.from(req.headers.authorization?.replace(/^Bearer /, '') ?? '');
    return given.length === token.length && timingSafeEqual(given, token);
  };

  const containerOf = async (node: string, op: NodeOp): Promise<ContainerSummary> => {
    const all = await containersByLabel(o.socket, SERVICE_LABEL, `${o.stack}_${node}`);
    const c = all.find((x) => FROM[op].includes(x.State));
    if (!c) {
      const seen = all.map((x) => x.State).join(', ') || 'none';
      throw new HttpError(404, `no container of ${node} on ${host} to ${op} (containers: ${seen})`);
    }
    return c;
  };

  /** The node's container here (running or paused): its overlay address and host pid. */
  const where = async (node: string): Promise<{ ip: string; pid: number }> => {
    const c = await containerOf(node, 'kill');
    const res = await dockerApi(o.socket, 'GET', `/containers/${c.Id}/json`);
    const body = res.body as {
      State?: { Pid?: number };
      NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> };
    } | null;
    const ip = Object.values(body?.NetworkSettings?.Networks ?? {})
      .map((n) => n.IPAddress ?? '')
      .find((a) => inSubnet(a, o.subnet));
    const pid = body?.State?.Pid ?? 0;
    if (!ip || pid <= 0)
      throw new HttpError(409, `${node} on ${host} has no address on ${o.subnet} or no process`);
    return { ip, pid };
  };

  const localNodes = async (): Promise<string[]> => {
    const prefix = `${o.stack}_`;
    return (await containersByLabel(o.socket, 'gossipcheck.run', o.runId))
      .filter((c) => c.Labels[ROLE_LABEL] === undefined && ['running', 'paused'].includes(c.State))
      .map((c) => c.Labels[SERVICE_LABEL] ?? '')
      .filter((s) => s.startsWith(prefix))
      .map((s) => s.slice(prefix.length));
  };

  const netRoute = async (path: string, body: Record<string, unknown>): Promise<unknown> => {
    const edges = (body.edges ?? []) as [string, string][];
    switch (path) {
      case '/net/addresses': {
        const out: Record<string, string> = {};
        for (const node of await localNodes()) out[node] = (await where(node)).ip;
        return out;
      }
      case '/net/install': {
        const pids: Record<string, number> = {};
        for (const node of await localNodes()) pids[node] = (await where(node)).pid;
        const first = Object.values(pids)[0];
        if (first !== undefined)
          await NetnsFirewalls.available(first).catch((err: Error) => {
            throw new HttpError(
              501,
              `no iptables in the nodes' network namespaces on ${host}: ${err.message}`,
            );
          });
        await net.install(body.nodes as string[], body.ips as Record<string, string>, pids);
        return { host, nodes: Object.keys(pids) };
      }
      case '/net/cut':
        await net.cut(edges);
        return { host };
      case '/net/heal':
        await net.heal(edges);
        return { host };
      case '/net/loss':
        await net.loss(body.rules as LossRule[], body.on === true);
        return { host };
      case '/net/counters':
        return net.counters();
      case '/net/readdress': {
        const node = String(body.node);
        const here = (await localNodes()).includes(node) ? (await where(node)).pid : null;
        await net.readdress(node, String(body.ip), here);
        return { host };
      }
      default:
        throw new HttpError(404, `no route ${path}`);
    }
  };

  const act = async (op: NodeOp, node: string): Promise<OpResult> => {
    const c = await containerOf(node, op);
    const call = (what: string) => dockerApi(o.socket, 'POST', `/containers/${c.Id}/${what}`);
    const pid = op === 'kill' ? await net.beforeKill(node) : 0;
    if (op === 'kill' && c.State === 'paused') await call('unpause');
    const res = await (pid > 0
      ? killed(call('kill?signal=KILL'), pid)
      : call(op === 'kill' ? 'kill?signal=KILL' : op));
    if (res.status !== 204)
      throw new HttpError(502, `docker ${op} ${node} on ${host}: ${res.status} ${JSON.stringify(res.body)}`);
    const counts = ops.get(node) ?? { pause: 0, unpause: 0, kill: 0 };
    counts[op]++;
    ops.set(node, counts);
    const after = await dockerApi(o.socket, 'GET', `/containers/${c.Id}/json`);
    const state = (after.body as { State?: { Status?: string } } | null)?.State?.Status ?? 'unknown';
    return { node, container: c.Id, state };
  };

  const leftovers = async (): Promise<Leftovers> => {
    const mine = await containersByLabel(o.socket, 'gossipcheck.run', o.runId);
    return {
      host,
      containers: mine
        .filter((c) => c.Labels[ROLE_LABEL] === undefined)
        .map((c) => `${c.Labels[SERVICE_LABEL] ?? c.Id.slice(0, 12)} (${c.State})`),
    };
  };

  const route = async (req: IncomingMessage, text: string): Promise<unknown> => {
    if (!authorized(req)) throw new HttpError(401, 'wrong token');
    const url = new URL(req.url ?? '/', 'http://agent');
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] === 'net') {
      let body: Record<string, unknown> = {};
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        throw new HttpError(400, `${url.pathname}: the body is not JSON`);
      }
      return netRoute(url.pathname, body);
    }
    if (req.method === 'GET' && url.pathname === '/info')
      return { host, ops: Object.fromEntries(ops) } satisfies AgentInfo;
    if (req.method === 'GET' && url.pathname === '/leftovers') return leftovers();
    if (req.method === 'POST' && parts[0] === 'op' && parts.length === 3) {
      const op = parts[1] as NodeOp;
      const node = parts[2] ?? '';
      if (!NODE_OPS.includes(op) || !NODE_ID.test(node)) throw new HttpError(400, `bad op ${url.pathname}`);
      return act(op, node);
    }
    throw new HttpError(404, `no route ${req.method} ${url.pathname}`);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const text = size > MAX_BODY ? null : Buffer.concat(chunks).toString('utf8');
      (text === null ? Promise.reject(new HttpError(413, 'body too large')) : route(req, text)).then(
        (body) => reply(res, 200, body),
        (err: unknown) =>
          reply(res, err instanceof HttpError ? err.status : 500, { error: (err as Error).message }),
      );
    });
  };

  const addresses = overlayAddresses(o.subnet);
  if (addresses.length === 0) throw new Error(`no address of this container is on the overlay ${o.subnet}`);
  return Promise.all(
    addresses.map(
      (a) =>
        new Promise<Server>((resolve, reject) => {
          const s = createServer(handle);
          s.once('error', reject);
          s.listen(o.port, a, () => resolve(s));
        }),
    ),
  );
}

/**
 * A SIGKILL's answer, or sooner: the process gone from the host's /proc.
 * With cut edges in its namespace (sockets left in FIN-WAIT), docker answers
 * the kill seconds after the process died (4 s seen here), which would hold
 * up the run's next fault.
 */
function killed(answer: Promise<ApiAnswer>, pid: number): Promise<ApiAnswer> {
  answer.catch(() => {});
  const stat = `${HOST_PROC}/${pid}/stat`;
  const gone = async (): Promise<ApiAnswer> => {
    for (;;) {
      try {
        // Field 3 is the state; a zombie has died already.
        if (
          readFileSync(stat, 'utf8')
            .replace(/^.*\) /s, '')
            .startsWith('Z')
        )
          break;
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return { status: 204, body: null };
  };
  return Promise.race([answer, gone()]);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
