// The direct transport's link faults on one swarm host: every node container
// of the run here gets the run's chain (netfilter/edge-rules.ts) in its own
// network namespace, jumped to first from its OUTPUT, holding the rules of
// its outgoing edges. The agent enters a namespace with nsenter through the
// host's /proc (mounted at HOST_PROC), with the iptables the kit's image
// carries (docker/image.ts). A namespace goes with its container, so no rule
// outlives the run. A killed node's counts are read before the kill and
// carried on; a restarted node (a new container, maybe a new address) gets
// its chain again with its cuts and losses in force, and every chain here
// that names its address is built again with the new one.
import { spawn } from 'node:child_process';
import type { EdgeCount } from '../../../history/events.js';
import { type EdgeCounters, EdgeRules, type LossRule, sumEdges } from '../../../netfilter/edge-rules.js';
import { HOST_PROC } from './protocol.js';

export const NSENTER = '/usr/bin/nsenter';
export const IPTABLES = '/usr/sbin/iptables';

type Edge = readonly [string, string];

/** Runs `cmd` with `input` on stdin; resolves to stdout, rejects with stderr's first line. */
function exec(cmd: string, args: readonly string[], input = '', timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString('utf8');
    });
    child.on('error', (e) => reject(new Error(`${cmd}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else
        reject(
          new Error(`${[cmd, ...args].join(' ')}: ${err.trim().split('\n')[0] || `exit ${code ?? signal}`}`),
        );
    });
    // A command that exits before reading its input: EPIPE here, its exit code says why.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** iptables in the network namespace of the process `pid` (a host pid). */
function inNetns(pid: number) {
  const ns = [`--net=${HOST_PROC}/${pid}/ns/net`];
  return {
    // One iptables-restore per batch: atomic, and one process instead of one per rule.
    batch: async (commands: readonly (readonly string[])[]) => {
      if (commands.length === 0) return;
      const script = `*filter\n${commands.map((c) => c.join(' ')).join('\n')}\nCOMMIT\n`;
      await exec(NSENTER, [...ns, `${IPTABLES}-restore`, '-w', '30', '--noflush'], script);
    },
    list: (chain: string) => exec(NSENTER, [...ns, IPTABLES, '-w', '30', '-S', chain, '-v']),
  };
}

interface Local {
  rules: EdgeRules;
  /** The container's host pid; 0 once it was killed (its namespace is gone). */
  pid: number;
}

export class NetnsFirewalls {
  private nodes: string[] = [];
  private ips = new Map<string, string>();
  private readonly local = new Map<string, Local>();
  private carried: EdgeCount[] = [];
  private carriedDropped: EdgeCount[] = [];

  constructor(readonly runId: string) {}

  /** Checks the tools are in the image and the host's /proc is mounted; throws what is missing. */
  static async available(pid: number): Promise<void> {
    await inNetns(pid).list('OUTPUT');
  }

  private rulesFor(node: string, pid: number, from?: EdgeRules): EdgeRules {
    const io = inNetns(pid);
    return from
      ? from.withAddresses(this.ips, io.batch, io.list)
      : new EdgeRules(this.runId, this.nodes, this.ips, io.batch, io.list, [node]);
  }

  /** Every node's overlay address, and this host's nodes with their containers' pids: builds their chains. */
  async install(
    nodes: readonly string[],
    ips: Record<string, string>,
    pids: Record<string, number>,
  ): Promise<void> {
    this.nodes = [...nodes];
    this.ips = new Map(Object.entries(ips));
    for (const [node, pid] of Object.entries(pids)) {
      const rules = this.rulesFor(node, pid);
      await inNetns(pid).batch([
        ['-N', rules.chain],
        ...rules.countingRules(),
        ['-I', 'OUTPUT', '1', '-j', rules.chain],
      ]);
      this.local.set(node, { rules, pid });
    }
  }

  private live(): Local[] {
    return [...this.local.values()].filter((l) => l.pid > 0);
  }

  async cut(edges: readonly Edge[]): Promise<void> {
    for (const l of this.local.values()) await this.applyOrRemember(l, (r) => r.cut(edges));
  }

  async heal(edges: readonly Edge[]): Promise<void> {
    for (const l of this.local.values()) await this.applyOrRemember(l, (r) => r.heal(edges));
  }

  async loss(rules: readonly LossRule[], on: boolean): Promise<void> {
    for (const l of this.local.values())
      await this.applyOrRemember(l, (r) => (on ? r.startLoss(rules) : r.stopLoss(rules)));
  }

  /** A killed node's chain is gone: its state still changes, for when it comes back. */
  private async applyOrRemember(l: Local, f: (r: EdgeRules) => Promise<void>): Promise<void> {
    if (l.pid > 0) return f(l.rules);
    const io = { batch: async () => {}, list: async () => '' };
    const ghost = l.rules.withAddresses(this.ips, io.batch, io.list);
    await f(ghost);
    l.rules = ghost;
  }

  /** Counts of this host's nodes' edges so far, killed containers' included. */
  async counters(): Promise<EdgeCounters> {
    const now = await Promise.all(this.live().map((l) => l.rules.counters()));
    return {
      passed: sumEdges([...this.carried, ...now.flatMap((c) => c.passed)], this.nodes),
      dropped: sumEdges([...this.carriedDropped, ...now.flatMap((c) => c.dropped)], this.nodes),
    };
  }

  private async carry(l: Local): Promise<void> {
    const c = await l.rules.counters();
    this.carried.push(...c.passed);
    this.carriedDropped.push(...c.dropped);
  }

  /** Before `node`'s container is killed: its counts are kept, its chain is about to go. Resolves to its pid (0: none here). */
  async beforeKill(node: string): Promise<number> {
    const l = this.local.get(node);
    if (!l || l.pid === 0) return 0;
    await this.carry(l);
    const pid = l.pid;
    l.pid = 0;
    return pid;
  }

  /**
   * `node` runs again at `ip`; `pid` when its new container is on this host.
   * Chains naming its old address are built again (their counts carried).
   */
  async readdress(node: string, ip: string, pid: number | null): Promise<void> {
    const moved = this.ips.get(node) !== ip;
    this.ips.set(node, ip);
    for (const [name, l] of this.local) {
      if (name === node || !moved || l.pid === 0) continue;
      await this.carry(l);
      const rules = this.rulesFor(name, l.pid, l.rules);
      await inNetns(l.pid).batch([['-F', rules.chain], ...rules.countingRules(), ...rules.inForce()]);
      l.rules = rules;
    }
    const mine = this.local.get(node);
    if (pid === null || !mine) return;
    const rules = this.rulesFor(node, pid, mine.rules);
    await inNetns(pid).batch([
      ['-N', rules.chain],
      ...rules.countingRules(),
      ...rules.inForce(),
      ['-I', 'OUTPUT', '1', '-j', rules.chain],
    ]);
    this.local.set(node, { rules, pid });
  }
}
