// Partitions between containers by host firewall rules in the DOCKER-USER
// chain, and real per-edge packet/byte counts.
//
// - A counting rule per directed edge (`-s A -d B`, no target: it only counts
//   and lets the packet go on through docker's own rules).
// - A cut directed edge A -> B is `-s A -d B -m conntrack --ctdir ORIGINAL -j
//   DROP`, inserted above the counters: packets A sends on connections A
//   opened are dropped, so A cannot reach B, while B's connections to A (and
//   A's TCP answers on them) still work. With TCP, a plain `-j DROP` on one
//   direction would break both; this is what makes a one-way partition
//   one-way for request/response transports. Cutting both directions cuts
//   every connection between the two.
// - Every rule carries the comment `gossipcheck:<run id>`; cleanup deletes
//   every rule with it (by line number, highest first), so nothing is left
//   even when the harness dies between inserting and recording a rule.
import type { NodeId } from '../../../proto/contract.js';
import type { EdgeCount } from '../../history/events.js';
import { run, runSync } from './exec.js';

export const CHAIN = 'DOCKER-USER';

const ipt = (args: readonly string[]) => run('iptables', ['-w', '5', ...args], { timeoutMs: 30_000 });

export class EdgeFirewall {
  readonly tag: string;
  private readonly ip = new Map<NodeId, string>();
  /** How many DROP rules each directed edge has (overlapping partitions stack). */
  private readonly cuts = new Map<string, number>();

  constructor(
    readonly runId: string,
    readonly nodes: readonly NodeId[],
    ips: ReadonlyMap<NodeId, string>,
  ) {
    this.tag = `gossipcheck:${runId}`;
    for (const n of nodes) this.ip.set(n, ips.get(n)!);
  }

  private spec(from: NodeId, to: NodeId): string[] {
    return ['-s', `${this.ip.get(from)}/32`, '-d', `${this.ip.get(to)}/32`];
  }

  private comment(what: string, from: NodeId, to: NodeId): string[] {
    return ['-m', 'comment', '--comment', `${this.tag} ${what} ${from}>${to}`];
  }

  /** Checks iptables and the chain are there; throws a clear error otherwise. */
  static async available(): Promise<void> {
    try {
      await ipt(['-S', CHAIN]);
    } catch (err) {
      throw new Error(
        `iptables chain ${CHAIN} is not usable (run as root with docker's iptables integration): ${(err as Error).message}`,
      );
    }
  }

  async installCounters(): Promise<void> {
    for (const a of this.nodes) {
      for (const b of this.nodes) {
        if (a !== b) await ipt(['-I', CHAIN, '1', ...this.spec(a, b), ...this.comment('count', a, b)]);
      }
    }
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

  async cut(edges: readonly (readonly [NodeId, NodeId])[]): Promise<void> {
    for (const [a, b] of edges) {
      const k = `${a}>${b}`;
      await ipt(['-I', CHAIN, '1', ...this.dropRule(a, b)]);
      this.cuts.set(k, (this.cuts.get(k) ?? 0) + 1);
    }
  }

  async heal(edges: readonly (readonly [NodeId, NodeId])[]): Promise<void> {
    for (const [a, b] of edges) {
      const k = `${a}>${b}`;
      const c = this.cuts.get(k) ?? 0;
      if (c === 0) continue;
      await ipt(['-D', CHAIN, ...this.dropRule(a, b)]);
      this.cuts.set(k, c - 1);
    }
  }

  /** Per-edge counts: passed (counting rules) and dropped (DROP rules still in place). */
  async counters(): Promise<{ passed: EdgeCount[]; dropped: EdgeCount[] }> {
    const out = await ipt(['-S', CHAIN, '-v']);
    const passed = new Map<string, EdgeCount>();
    const dropped = new Map<string, EdgeCount>();
    const tag = this.tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(`--comment "?${tag} (count|drop) ([^>\\s"]+)>([^\\s"]+)"?.*?-c (\\d+) (\\d+)`);
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

  /** Deletes every rule of the run (async). */
  async removeAll(): Promise<void> {
    for (const n of await rulesOf(this.tag)) await ipt(['-D', CHAIN, String(n)]).catch(() => {});
    this.cuts.clear();
  }

  removeAllSync(): void {
    removeRulesSync(this.tag);
  }
}

function lineNumbers(listing: string, tag: string): number[] {
  const nums: number[] = [];
  for (const line of listing.split('\n')) {
    if (!line.includes(`${tag} `)) continue;
    const n = Number.parseInt(line, 10);
    if (Number.isFinite(n)) nums.push(n);
  }
  return nums.sort((a, b) => b - a);
}

async function rulesOf(tag: string): Promise<number[]> {
  try {
    return lineNumbers(await ipt(['-L', CHAIN, '-n', '--line-numbers']), tag);
  } catch {
    return [];
  }
}

/** Synchronous sweep of every rule whose comment starts with `tag` (for exit / signal handlers). */
export function removeRulesSync(tag: string): void {
  for (let pass = 0; pass < 3; pass++) {
    const nums = lineNumbers(runSync('iptables', ['-w', '5', '-L', CHAIN, '-n', '--line-numbers']), tag);
    if (nums.length === 0) return;
    for (const n of nums) runSync('iptables', ['-w', '5', '-D', CHAIN, String(n)]);
  }
}

/** Rules of any gossipcheck run still in the chain (for tests and diagnostics). */
export function leftoverRulesSync(tag = 'gossipcheck:'): string[] {
  return runSync('iptables', ['-w', '5', '-S', CHAIN])
    .split('\n')
    .filter((l) => l.includes(tag));
}
