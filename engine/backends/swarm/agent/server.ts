// A swarm run's fault agent: one per host (a global service), acting on the
// node containers of its own host through its engine's socket. Pure HTTP on
// Node's built-ins (protocol.ts); it binds only its addresses on the run's
// overlay and answers nothing without the run's token.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { networkInterfaces } from 'node:os';
import { type ContainerSummary, containersByLabel, dockerApi } from './docker-api.js';
import {
  type AgentInfo,
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

  const act = async (op: NodeOp, node: string): Promise<OpResult> => {
    const c = await containerOf(node, op);
    const call = (what: string) => dockerApi(o.socket, 'POST', `/containers/${c.Id}/${what}`);
    if (op === 'kill' && c.State === 'paused') await call('unpause');
    const res = await call(op === 'kill' ? 'kill?signal=KILL' : op);
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

  const route = async (req: IncomingMessage): Promise<unknown> => {
    if (!authorized(req)) throw new HttpError(401, 'wrong token');
    const url = new URL(req.url ?? '/', 'http://agent');
    const parts = url.pathname.split('/').filter(Boolean);
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
    req.resume();
    route(req).then(
      (body) => reply(res, 200, body),
      (err: unknown) =>
        reply(res, err instanceof HttpError ? err.status : 500, { error: (err as Error).message }),
    );
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

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
