// Partitions, packet loss and real per-edge packet/byte counts between
// containers, by host firewall rules that belong to one run and nothing else.
//
// Each run has a chain of its own, `GC-<run id>`, and exactly one rule in
// DOCKER-USER: `-I DOCKER-USER 1 -m comment --comment gossipcheck:<run id>:<owner> -j GC-<run id>`.
// Every rule of the run lives in its chain:
// - the owner rule first (no target, matches nothing in particular: it names
//   the run's owner for `gossipcheck clean`, even before the jump exists);
// - a counting rule per directed edge (`-s A -d B`, no target: it only counts);
//   packets then fall off the end of the chain back to DOCKER-USER and go on
//   through docker's own rules;
// - a cut directed edge A -> B is `-s A -d B -m conntrack --ctdir ORIGINAL -j
//   DROP`, inserted at the top of the chain, above the counters: packets A
//   sends on connections A opened are dropped, so A cannot reach B, while B's
//   connections to A still work (a plain DROP would stop TCP both ways);
// - loss on A -> B is `-s A -d B -m statistic --mode random --probability p -j
//   DROP`, also at the top (see docs/chaos.md for what packet loss means to TCP).
// Teardown deletes the jump rule by its exact spec (`iptables -D` with the
// same arguments, never a line number), then flushes and deletes the chain:
// other runs' chains, docker's RETURN and an administrator's rules are never
// looked at, let alone moved or deleted.
import type { NodeId } from '../../../proto/contract.js';
import type { EdgeCount } from '../../history/events.js';
import { type Owner, ownerTag, parseOwnerTag } from '../owner.js';
import { run, runSync } from './exec.js';

export const PARENT = 'DOCKER-USER';
export const CHAIN_PREFIX = 'GC-';
const WAIT = ['-w', '60'];

export const chainOf = (runId: string): string => `${CHAIN_PREFIX}${runId}`;
const jumpComment = (runId: string, owner: Owner | string) =>
  `gossipcheck:${runId}:${typeof owner === 'string' ? owner : ownerTag(owner)}`;
/** The exact spec of a run's one rule in DOCKER-USER (for -I and -D alike). */
const jumpSpec = (runId: string, owner: Owner | string): string[] => [
  '-m',
  'comment',
  '--comment',
  jumpComment(runId, owner),
  '-j',
  chainOf(runId),
];

const ipt = (args: readonly string[]) => run('iptables', [...WAIT, ...args], { timeoutMs: 90_000 });
const iptSync = (args: readonly string[]) => runSync('iptables', [...WAIT, ...args], 90_000);

export interface LossRule {
  from: NodeId;
  to: NodeId;
  probability: number;
}

export class EdgeFirewall {
  readonly chain: string;
  private readonly ip = new Map<NodeId, string>();
  /** How many DROP rules each directed edge has (overlapping partitions stack). */
  private readonly cuts = new Map<string, number>();
  private readonly losses: string[][] = [];
  private created = false;

  constructor(
    readonly runId: string,
    readonly nodes: readonly NodeId[],
    ips: ReadonlyMap<NodeId, string>,
    private readonly owner: Owner,
  ) {
    this.chain = chainOf(runId);
    for (const n of nodes) this.ip.set(n, ips.get(n)!);
  }

  /** Checks iptables and DOCKER-USER are there; throws a clear error otherwise. */
  static async available(): Promise<void> {
    try {
      await ipt(['-S', PARENT]);
    } catch (err) {
      throw new Error(
        `iptables chain ${PARENT} is not usable (run as root with docker's iptables integration): ${(err as Error).message}`,
      );
    }
  }

  private spec(from: NodeId, to: NodeId): string[] {
    return ['-s', `${this.ip.get(from)}/32`, '-d', `${this.ip.get(to)}/32`];
  }

  private comment(what: string, from: NodeId, to: NodeId): string[] {
    return ['-m', 'comment', '--comment', `gossipcheck:${this.runId}:${what}:${from}>${to}`];
  }

  /** Makes the run's chain (owner rule + one counting rule per directed edge), then jumps to it. */
  async install(): Promise<void> {
    this.created = true;
    await ipt(['-N', this.chain]);
    await ipt([
      '-A',
      this.chain,
      '-m',
      'comment',
      '--comment',
      `gossipcheck:${this.runId}:owner:${ownerTag(this.owner)}`,
    ]);
    for (const a of this.nodes) {
      for (const b of this.nodes) {
        if (a !== b) await ipt(['-A', this.chain, ...this.spec(a, b), ...this.comment('count', a, b)]);
      }
    }
    // First in DOCKER-USER, so the run sees its packets before anyone's verdict.
    await ipt(['-I', PARENT, '1', ...jumpSpec(this.runId, this.owner)]);
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

  async cut(edges: readonly (readonly [NodeId, NodeId])[]): Promise<void> {
    for (const [a, b] of edges) {
      const k = `${a}>${b}`;
      await ipt(['-I', this.chain, '1', ...this.dropRule(a, b)]);
      this.cuts.set(k, (this.cuts.get(k) ?? 0) + 1);
    }
  }

  async heal(edges: readonly (readonly [NodeId, NodeId])[]): Promise<void> {
    for (const [a, b] of edges) {
      const k = `${a}>${b}`;
      const c = this.cuts.get(k) ?? 0;
      if (c === 0) continue;
      await ipt(['-D', this.chain, ...this.dropRule(a, b)]);
      this.cuts.set(k, c - 1);
    }
  }

  /** Drops each packet of the given directed edges with its probability, until `stopLoss`. */
  async startLoss(rules: readonly LossRule[]): Promise<void> {
    for (const r of rules) {
      const spec = this.lossRule(r);
      await ipt(['-I', this.chain, '1', ...spec]);
      this.losses.push(spec);
    }
  }

  async stopLoss(rules: readonly LossRule[]): Promise<void> {
    for (const r of rules) {
      const spec = this.lossRule(r);
      const i = this.losses.findIndex((s) => s.join(' ') === spec.join(' '));
      if (i < 0) continue;
      await ipt(['-D', this.chain, ...spec]);
      this.losses.splice(i, 1);
    }
  }

  /** Per-edge counts: passed (counting rules) and dropped (DROP and loss rules still in place). */
  async counters(): Promise<{ passed: EdgeCount[]; dropped: EdgeCount[] }> {
    const out = await ipt(['-S', this.chain, '-v']);
    const passed = new Map<string, EdgeCount>();
    const dropped = new Map<string, EdgeCount>();
    const re = new RegExp(
      `--comment "?gossipcheck:${this.runId}:(count|drop|loss):([^>\\s"]+)>([^\\s"]+)"?.*?-c (\\d+) (\\d+)`,
    );
    for (const line of out.split('\n')) {
      const m = re.exec(line);
      if (!m) continue;
      const [, what, from, to, p, b] = m;
      const map = what === 'count' ? passed : dropped;
      const k = `${from}>${to}`;
      const prev = map.get(k);
      map.set(k, [from, to, (prev?.[2] ?? 0) + Number(p), (prev?.[3] ?? 0) + Number(b)]);
    }
    const order = (m: Map<string, EdgeCount>) =>
      [...m.values()].sort(
        (x, y) =>
          this.nodes.indexOf(x[0]) - this.nodes.indexOf(y[0]) ||
          this.nodes.indexOf(x[1]) - this.nodes.indexOf(y[1]),
      );
    return { passed: order(passed), dropped: order(dropped) };
  }

  /** Removes the run's jump rule and chain (async; idempotent). */
  async removeAll(): Promise<void> {
    if (!this.created) return;
    await ipt(['-D', PARENT, ...jumpSpec(this.runId, this.owner)]).catch(() => {});
    removeChainSync(this.runId);
    this.cuts.clear();
    this.losses.length = 0;
  }
}

/**
 * Synchronous, idempotent: deletes run `runId`'s jump rule(s) from DOCKER-USER
 * by exact spec, then flushes and deletes its chain. Safe to call for a run
 * that never made a chain. The owner is read back from the jump rules
 * themselves, so this also works for another (dead) process's run.
 */
export function removeChainSync(runId: string): void {
  const chain = chainOf(runId);
  for (const owner of jumpOwners(runId)) {
    // Twice at most: a jump inserted twice by a crashed retry goes too.
    for (let i = 0; i < 2 && iptSync(['-C', PARENT, ...jumpSpec(runId, owner)]) !== null; i++) {
      iptSync(['-D', PARENT, ...jumpSpec(runId, owner)]);
    }
  }
  if (iptSync(['-S', chain]) !== null) {
    iptSync(['-F', chain]);
    iptSync(['-X', chain]);
  }
}

/** The owner tags in the comments of run `runId`'s jump rules (normally one). */
function jumpOwners(runId: string): string[] {
  const prefix = `gossipcheck:${runId}:`;
  const out: string[] = [];
  for (const line of (iptSync(['-S', PARENT]) ?? '').split('\n')) {
    const m = /--comment "?([^\s"]+)"? -j (\S+)/.exec(line);
    if (m && m[2] === chainOf(runId) && m[1].startsWith(prefix)) out.push(m[1].slice(prefix.length));
  }
  return out;
}

export interface RunChain {
  runId: string;
  chain: string;
  /** From the owner rule (or the jump's comment); null when neither is there. */
  owner: Owner | null;
}

/** Every gossipcheck run chain on this host, with its owner. */
export function listRunChainsSync(): RunChain[] {
  const all = iptSync(['-S']) ?? '';
  const chains = new Map<string, RunChain>();
  for (const line of all.split('\n')) {
    const n = /^-N (GC-([0-9a-f]+))$/.exec(line);
    if (n) chains.set(n[1], { runId: n[2], chain: n[1], owner: null });
  }
  for (const line of all.split('\n')) {
    const m = /^-A (\S+) .*--comment "?gossipcheck:([0-9a-f]+):(?:owner:)?(\d+\.\d+)"?/.exec(line);
    const c = m ? chains.get(chainOf(m[2])) : undefined;
    if (c && !c.owner) c.owner = parseOwnerTag(m![3]);
  }
  return [...chains.values()];
}
