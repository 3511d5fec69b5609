// The rules of a run's chain of per-edge iptables rules, and their state:
// one chain per firewall, wherever it lives (the host's DOCKER-USER path for
// the docker backend, docker/iptables.ts; a node container's own OUTPUT for
// a swarm run's agents, swarm/agent/netns.ts). Node's built-ins only: the
// swarm agent runs it from the kit's image.
//
// In the chain, top to bottom:
// - a cut directed edge A -> B is `-s A -d B -m conntrack --ctdir ORIGINAL -j
//   DROP`: packets A sends on connections A opened are dropped, so A cannot
//   reach B, while B's connections to A still work (a plain DROP would stop
//   TCP both ways);
// - loss on A -> B is `-s A -d B -m statistic --mode random --probability p -j
//   DROP` (see docs/chaos.md for what packet loss means to TCP);
// - a counting rule per directed edge (`-s A -d B`, no target: it only
//   counts); packets then fall off the end of the chain and go on.
// Cuts and losses are inserted at the top, so the counters see only what
// passed. Overlapping partitions stack: an edge cut twice needs two heals.
import type { NodeId } from '../../proto/contract.js';
import type { EdgeCount } from '../history/events.js';

/** Runs iptables commands (argument lists without `iptables -w`), in order. */
export type IptablesBatch = (commands: readonly (readonly string[])[]) => Promise<void>;
/** `iptables -S <chain> -v`'s output. */
export type IptablesList = (chain: string) => Promise<string>;

export interface LossRule {
  from: NodeId;
  to: NodeId;
  probability: number;
}

export interface EdgeCounters {
  passed: EdgeCount[];
  dropped: EdgeCount[];
}

export const CHAIN_PREFIX = 'GC-';
export const chainOf = (runId: string): string => `${CHAIN_PREFIX}${runId}`;

export class EdgeRules {
  readonly chain: string;
  private readonly ip = new Map<NodeId, string>();
  /** How many DROP rules each directed edge has. */
  private readonly cuts = new Map<string, number>();
  private readonly losses: LossRule[] = [];

  /**
   * `sources`: the nodes whose outgoing edges this chain holds (all nodes on
   * one host's firewall; the one node whose netns the chain is in).
   */
  constructor(
    readonly runId: string,
    readonly nodes: readonly NodeId[],
    ips: ReadonlyMap<NodeId, string>,
    private readonly exec: IptablesBatch,
    private readonly list: IptablesList,
    readonly sources: readonly NodeId[] = nodes,
  ) {
    this.chain = chainOf(runId);
    for (const n of nodes) this.ip.set(n, ips.get(n)!);
  }

  /** The same rules in force, at new addresses and on other commands (a chain built again elsewhere). */
  withAddresses(ips: ReadonlyMap<NodeId, string>, exec: IptablesBatch, list: IptablesList): EdgeRules {
    const next = new EdgeRules(this.runId, this.nodes, ips, exec, list, this.sources);
    for (const [k, c] of this.cuts) next.cuts.set(k, c);
    next.losses.push(...this.losses);
    return next;
  }

  private mine(from: NodeId): boolean {
    return this.sources.includes(from);
  }

  private spec(from: NodeId, to: NodeId): string[] {
    return ['-s', `${this.ip.get(from)}/32`, '-d', `${this.ip.get(to)}/32`];
  }

  private comment(what: string, from: NodeId, to: NodeId): string[] {
    return ['-m', 'comment', '--comment', `gossipcheck:${this.runId}:${what}:${from}>${to}`];
  }

  /** The counting rules, in chain order (appended after whatever the caller put first). */
  countingRules(): string[][] {
    const out: string[][] = [];
    for (const a of this.sources)
      for (const b of this.nodes)
        if (a !== b) out.push(['-A', this.chain, ...this.spec(a, b), ...this.comment('count', a, b)]);
    return out;
  }

  private dropRule(from: NodeId, to: NodeId): string[] {
    return [
      ...this.spec(from, to),
      '-m',
      'conntrack',
      '--ctdir',
      'ORIGINAL',
      ...this.comment('drop', from, to),
      '-j',
      'DROP',
    ];
  }

  private lossRule(r: LossRule): string[] {
    return [
      ...this.spec(r.from, r.to),
      '-m',
      'statistic',
      '--mode',
      'random',
      '--probability',
      String(r.probability),
      ...this.comment('loss', r.from, r.to),
      '-j',
      'DROP',
    ];
  }

  /** The cuts and losses in force, as inserts (for a chain built again from nothing). */
  inForce(): string[][] {
    const out: string[][] = [];
    for (const [k, c] of this.cuts) {
      const [a, b] = k.split('>') as [NodeId, NodeId];
      for (let i = 0; i < c; i++) out.push(['-I', this.chain, '1', ...this.dropRule(a, b)]);
    }
    for (const r of this.losses) out.push(['-I', this.chain, '1', ...this.lossRule(r)]);
    return out;
  }

  async cut(edges: readonly (readonly [NodeId, NodeId])[]): Promise<void> {
    const mine = edges.filter(([a]) => this.mine(a));
    await this.exec(mine.map(([a, b]) => ['-I', this.chain, '1', ...this.dropRule(a, b)]));
    for (const [a, b] of mine) this.cuts.set(`${a}>${b}`, (this.cuts.get(`${a}>${b}`) ?? 0) + 1);
  }

  async heal(edges: readonly (readonly [NodeId, NodeId])[]): Promise<void> {
    const commands: string[][] = [];
    const left = new Map(this.cuts);
    for (const [a, b] of edges) {
      const c = left.get(`${a}>${b}`) ?? 0;
      if (!this.mine(a) || c === 0) continue;
      commands.push(['-D', this.chain, ...this.dropRule(a, b)]);
      left.set(`${a}>${b}`, c - 1);
    }
    await this.exec(commands);
    this.cuts.clear();
    for (const [k, c] of left) if (c > 0) this.cuts.set(k, c);
  }

  /** Drops each packet of the given directed edges with its probability, until `stopLoss`. */
  async startLoss(rules: readonly LossRule[]): Promise<void> {
    const mine = rules.filter((r) => this.mine(r.from));
    await this.exec(mine.map((r) => ['-I', this.chain, '1', ...this.lossRule(r)]));
    this.losses.push(...mine);
  }

  async stopLoss(rules: readonly LossRule[]): Promise<void> {
    const same = (x: LossRule, y: LossRule) =>
      x.from === y.from && x.to === y.to && x.probability === y.probability;
    const gone: LossRule[] = [];
    for (const r of rules) {
      const i = this.losses.findIndex((l) => same(l, r));
      if (i < 0) continue;
      gone.push(r);
      this.losses.splice(i, 1);
    }
    await this.exec(gone.map((r) => ['-D', this.chain, ...this.lossRule(r)]));
  }

  /** Per-edge counts: passed (counting rules) and dropped (DROP and loss rules still in place). */
  async counters(): Promise<EdgeCounters> {
    return parseEdgeCounters(await this.list(this.chain), this.runId, this.nodes);
  }
}

/** The per-edge counts in `iptables -S <chain> -v` output of run `runId`'s rules. */
export function parseEdgeCounters(out: string, runId: string, nodes: readonly NodeId[]): EdgeCounters {
  const passed: EdgeCount[] = [];
  const dropped: EdgeCount[] = [];
  const re = new RegExp(
    `--comment "?gossipcheck:${runId}:(count|drop|loss):([^>\\s"]+)>([^\\s"]+)"?.*?-c (\\d+) (\\d+)`,
  );
  for (const line of out.split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    const [, what, from, to, p, b] = m;
    (what === 'count' ? passed : dropped).push([from!, to!, Number(p), Number(b)]);
  }
  return { passed: sumEdges(passed, nodes), dropped: sumEdges(dropped, nodes) };
}

/** One count per directed edge (summed), in node order: from, then to. */
export function sumEdges(counts: readonly EdgeCount[], nodes: readonly NodeId[]): EdgeCount[] {
  const by = new Map<string, EdgeCount>();
  for (const [from, to, p, b] of counts) {
    const prev = by.get(`${from}>${to}`);
    by.set(`${from}>${to}`, [from, to, (prev?.[2] ?? 0) + p, (prev?.[3] ?? 0) + b]);
  }
  return [...by.values()].sort(
    (x, y) => nodes.indexOf(x[0]) - nodes.indexOf(y[0]) || nodes.indexOf(x[1]) - nodes.indexOf(y[1]),
  );
}
