// Partitions, packet loss and real per-edge packet/byte counts between
// containers, by host firewall rules that belong to one run and nothing else.
//
// Each run has a chain of its own, `GC-<run id>` (its rules: netfilter/edge-rules.ts),
// and exactly one rule in DOCKER-USER:
// `-I DOCKER-USER 1 -m comment --comment gossipcheck:<run id>:<owner> -j GC-<run id>`.
// The chain's first rule is the owner rule (no target, matches nothing in
// particular: it names the run's owner for `gossipcheck clean`, even before
// the jump exists); packets that fall off the end of the chain go back to
// DOCKER-USER and on through docker's own rules.
// Teardown deletes the jump rule by its exact spec (`iptables -D` with the
// same arguments, never a line number), then flushes and deletes the chain:
// other runs' chains, docker's RETURN and an administrator's rules are never
// looked at, let alone moved or deleted.
import type { NodeId } from '../../../proto/contract.js';
import {
  CHAIN_PREFIX,
  chainOf,
  type EdgeCounters,
  EdgeRules,
  type LossRule,
} from '../../netfilter/edge-rules.js';
import { type Owner, ownerTag, parseOwnerTag } from '../owner.js';
import { run, runSync } from './exec.js';

export { CHAIN_PREFIX, chainOf, type LossRule };
export const PARENT = 'DOCKER-USER';
const WAIT = ['-w', '60'];

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

export class EdgeFirewall {
  readonly chain: string;
  private readonly rules: EdgeRules;
  private created = false;

  constructor(
    readonly runId: string,
    readonly nodes: readonly NodeId[],
    ips: ReadonlyMap<NodeId, string>,
    private readonly owner: Owner,
  ) {
    this.chain = chainOf(runId);
    this.rules = new EdgeRules(
      runId,
      nodes,
      ips,
      async (commands) => {
        for (const c of commands) await ipt(c);
      },
      (chain) => ipt(['-S', chain, '-v']),
    );
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
    for (const rule of this.rules.countingRules()) await ipt(rule);
    // First in DOCKER-USER, so the run sees its packets before anyone's verdict.
    await ipt(['-I', PARENT, '1', ...jumpSpec(this.runId, this.owner)]);
  }

  cut(edges: readonly (readonly [NodeId, NodeId])[]): Promise<void> {
    return this.rules.cut(edges);
  }

  heal(edges: readonly (readonly [NodeId, NodeId])[]): Promise<void> {
    return this.rules.heal(edges);
  }

  startLoss(rules: readonly LossRule[]): Promise<void> {
    return this.rules.startLoss(rules);
  }

  stopLoss(rules: readonly LossRule[]): Promise<void> {
    return this.rules.stopLoss(rules);
  }

  counters(): Promise<EdgeCounters> {
    return this.rules.counters();
  }

  /** Removes the run's jump rule and chain (async; idempotent). */
  async removeAll(): Promise<void> {
    if (!this.created) return;
    await ipt(['-D', PARENT, ...jumpSpec(this.runId, this.owner)]).catch(() => {});
    removeChainSync(this.runId);
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
