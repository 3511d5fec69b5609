// `gossipcheck chaos --backend swarm` on a real swarm of three docker engines
// on one machine (engine/testing/swarm-lab.ts; root only): the harness runs
// in the manager's network namespace, as it would on the manager host, and
// reaches the swarm through its socket (DOCKER_HOST). Checks the verdicts,
// where each node ran, what each host's agent did, that faults crossed
// hosts, and that nothing of a run is left on any engine; then the failure
// modes: an agent that dies mid-run, a token the agents refuse, a swarm
// node that is down.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDirectLoss } from '../engine/backends/docker/direct-loss.js';
import type { FaultSchedule } from '../engine/faults/schedule.js';
import { realtimeSchedule } from '../engine/realtime/schedule.js';
import { type CliResult, readHistory, readReport, runCli, tempDirs } from '../engine/testing/cli.js';
import { ensureBaseImageForTests } from '../engine/testing/docker.js';
import { type SwarmLab, startSwarmLab } from '../engine/testing/swarm-lab.js';
import type { RunReport } from '../suites/result.js';

const isRoot = process.getuid?.() === 0;
const disabled = process.env.GOSSIPCHECK_DOCKER_TESTS === '0';
const skipReason = disabled ? 'GOSSIPCHECK_DOCKER_TESTS=0' : !isRoot ? 'not root (the swarm lab)' : '';
if (skipReason) process.stdout.write(`chaos-swarm.e2e: skipped: ${skipReason}\n`);

const NODES = Array.from({ length: 9 }, (_, i) => `n${i + 1}`);
const DURATION_MS = 12_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skipReason)('chaos --backend swarm on a real three-engine swarm', () => {
  let lab: SwarmLab | null = null;
  let tag = '';
  const dirs = tempDirs();

  beforeAll(async () => {
    tag = await ensureBaseImageForTests();
    lab = await startSwarmLab({ engines: 3 });
    await lab.loadImage(tag);
  }, 300_000);

  afterAll(async () => {
    const left = lab ? await lab.stop() : [];
    dirs.cleanup();
    expect(left).toEqual([]);
  }, 120_000);

  const L = () => lab!;
  /** Where a node must run: round-robin over the hosts in name order (gcl-<lab>-0, -1, -2). */
  const engineOf = (node: string, hosts = 3) => (Number(node.slice(1)) - 1) % hosts;

  function chaos(args: string[], out: string): Promise<CliResult> {
    const manager = L().engines[0]!;
    return runCli(
      ['chaos', '--backend', 'swarm', '--agent-socket', L().socketTemplate, '--out', out, ...args],
      300_000,
      undefined,
      { ...process.env, DOCKER_HOST: manager.host },
      ['nsenter', `--net=/run/netns/${manager.netns}`],
    );
  }

  /** What of run `runId` any engine still has: services (manager), containers, networks. */
  async function leftOnEngines(runId: string, skip = -1): Promise<string[]> {
    const f = ['--filter', `label=gossipcheck.run=${runId}`];
    const left: string[] = [];
    for (const e of L().engines.filter((x) => x.index !== skip)) {
      const ask = async (args: string[]) =>
        (await L().docker(e.index, [...args, ...f])).stdout.split('\n').filter(Boolean);
      left.push(...(await ask(['ps', '-a', '--format', '{{.Names}}'])).map((x) => `${e.hostname}: ${x}`));
      left.push(...(await ask(['network', 'ls', '--format', '{{.Name}}'])).map((x) => `${e.hostname}: ${x}`));
    }
    left.push(...(await L().docker(0, ['service', 'ls', '-q', ...f])).stdout.split('\n').filter(Boolean));
    return left;
  }

  const runIdOf = (r: CliResult) => /run ([0-9a-f]{8}):/.exec(r.stdout + r.stderr)?.[1] ?? '';

  /** The first seed whose schedule crashes a node on worker 1, pauses one on worker 2 and partitions. */
  function pickSeed(ok: (s: FaultSchedule) => boolean, nodes = NODES, durationMs = DURATION_MS): number {
    for (let seed = 1; seed < 1000; seed++)
      if (ok(realtimeSchedule({ seed, nodes, durationMs, transport: 'harness' }))) return seed;
    throw new Error('no seed below 1000 gives that schedule');
  }

  /** Passes, or only INCONCLUSIVE on a loaded machine: a FAIL or a harness error never. */
  function expectJudged(r: CliResult): void {
    const out = r.stdout + r.stderr;
    expect(out).not.toMatch(/^FAIL /m);
    expect(r.code === 0 || (r.code === 1 && /^INCONCLUSIVE /m.test(out)), out).toBe(true);
    expect(out).toMatch(/^PASS run\/completed/m);
  }

  it('runs 9 nodes over the three hosts: a partition across hosts, a kill on one worker, a pause on the other', async () => {
    const seed = pickSeed(
      (s) =>
        s.some((e) => e.type === 'crash' && engineOf(e.node) === 1) &&
        s.some((e) => e.type === 'pause' && engineOf(e.node) === 2) &&
        s.some((e) => e.type === 'link' && e.fault.kind === 'partition'),
    );
    const schedule = realtimeSchedule({ seed, nodes: NODES, durationMs: DURATION_MS, transport: 'harness' });
    const out = dirs.make();
    const r = await chaos(
      ['--nodes', '9', '--duration', `${DURATION_MS}ms`, '--settle', '30', '--seed', String(seed)],
      out,
    );
    expectJudged(r);

    // Placement: every node where round-robin puts it, in the report and on the console.
    const report = readReport<RunReport>(out);
    const hosts = L().engines.map((e) => e.hostname);
    expect(report.placement?.map((p) => [p.host, p.address, p.nodes])).toEqual(
      L().engines.map((e) => [e.hostname, e.address, NODES.filter((n) => engineOf(n) === e.index)]),
    );
    for (const e of L().engines) expect(r.stdout).toContain(`host ${e.hostname} (${e.address}): `);

    // The agents' counts: each host did exactly the node faults the schedule gave its nodes.
    for (const p of report.placement ?? []) {
      for (const node of p.nodes) {
        const crashes = schedule.filter((e) => e.type === 'crash' && e.node === node).length;
        const pauses = schedule.filter((e) => e.type === 'pause' && e.node === node).length;
        const done = p.ops[node] ?? { pause: 0, unpause: 0, kill: 0 };
        expect({ node, ...done }).toEqual({ node, pause: pauses, unpause: pauses, kill: crashes });
      }
    }
    expect(report.placement?.[1]?.ops).toSatisfy((ops: Record<string, { kill: number }>) =>
      Object.values(ops).some((c) => c.kill > 0),
    );
    expect(report.placement?.[2]?.ops).toSatisfy((ops: Record<string, { pause: number }>) =>
      Object.values(ops).some((c) => c.pause > 0),
    );

    // The partition dropped traffic between nodes on different hosts.
    const history = readHistory(out);
    const edge = new Map<number, [string, string]>();
    for (const e of history) if (e.t === 'send') edge.set(e.id, [e.from, e.to]);
    const crossHost = history.filter((e) => {
      if (e.t !== 'drop' || e.reason !== 'partition') return false;
      const [from, to] = edge.get(e.id) ?? ['', ''];
      return from && to && engineOf(from) !== engineOf(to);
    });
    expect(crossHost.length).toBeGreaterThan(0);
    expect(hosts).toHaveLength(3);

    expect(r.stderr).not.toContain('could not remove');
    await expectGone(runIdOf(r));
  }, 300_000);

  it('cuts edges in the nodes own namespaces on the direct transport: counts cross hosts and survive a restart', async () => {
    const nodes = NODES.slice(0, 6);
    const ms = 10_000;
    const direct = (seed: number) =>
      withDirectLoss(realtimeSchedule({ seed, nodes, durationMs: ms, transport: 'direct' }), seed, nodes, ms);
    let seed = 1;
    for (; seed < 1000; seed++) {
      const s = direct(seed);
      const crashed = s.find((e) => e.type === 'crash');
      if (
        crashed?.type === 'crash' &&
        s.some((e) => e.type === 'restart' && e.node === crashed.node && e.at < ms - 2000) &&
        s.some((e) => e.type === 'link' && e.fault.kind === 'partition')
      )
        break;
    }
    const schedule = direct(seed);
    const out = dirs.make();
    const r = await chaos(
      [
        '--transport',
        'direct',
        '--nodes',
        '6',
        '--duration',
        `${ms}ms`,
        '--settle',
        '30',
        '--seed',
        String(seed),
      ],
      out,
    );
    expectJudged(r);
    const report = readReport<RunReport>(out);
    for (const p of report.placement ?? [])
      for (const node of p.nodes)
        expect({ node, kill: p.ops[node]?.kill ?? 0 }).toEqual({
          node,
          kill: schedule.filter((e) => e.type === 'crash' && e.node === node).length,
        });

    const history = readHistory(out);
    const counts = history.flatMap((e) => (e.t === 'counters' ? [e] : []));
    const last = counts.at(-1)!;
    // The agent of each edge's source dropped packets bound for another host.
    expect(last.dropped.some(([a, b, packets]) => engineOf(a) !== engineOf(b) && packets > 0)).toBe(true);
    expect(last.passed.some(([a, b, packets]) => engineOf(a) !== engineOf(b) && packets > 0)).toBe(true);
    // Passed counts only grow: a killed container's counts are carried over, not lost with it.
    const seen = new Map<string, number>();
    for (const c of counts)
      for (const [a, b, packets] of c.passed) {
        expect(packets, `${a}>${b} at ${c.r} ms`).toBeGreaterThanOrEqual(seen.get(`${a}>${b}`) ?? 0);
        seen.set(`${a}>${b}`, packets);
      }
    // The restarted node's new container got its chain: its edges count again after the restart.
    const restart = history.find((e) => e.t === 'restart');
    expect(restart?.t).toBe('restart');
    const node = restart?.t === 'restart' ? restart.node : '';
    const sent = (c: (typeof counts)[number]) =>
      c.passed.filter(([a]) => a === node).reduce((sum, [, , p]) => sum + p, 0);
    const before = counts.filter((c) => c.r <= (restart?.r ?? 0)).at(-1)!;
    expect(sent(last)).toBeGreaterThan(sent(before));
    expect(r.stderr).not.toContain('could not remove');
    await expectGone(runIdOf(r));
  }, 300_000);

  // The failure modes need one node per host and a short run: the run ends at the first fault anyway.
  const SMALL = ['n1', 'n2', 'n3'];
  const SMALL_MS = 8000;

  /** Starts a run and, once its nodes are Init'ed, does `act`; resolves to the run's result. */
  async function runAndMeddle(seed: number, act: (stack: string) => Promise<void>): Promise<CliResult> {
    const out = dirs.make();
    const stack = `gcmeddle${seed}`;
    const flags = ['--nodes', '3', '--duration', `${SMALL_MS}ms`, '--settle', '10', '--seed', String(seed)];
    const run = chaos([...flags, '--stack', stack], out);
    const history = join(out, 'history.jsonl');
    const end = Date.now() + 180_000;
    while (!(existsSync(history) && statSync(history).size > 0) && Date.now() < end) await sleep(200);
    await act(stack);
    return run;
  }

  /** A seed whose first node fault comes 2 s in or later, on the node of engine `engine`. */
  const lateFaultOn = (engine: number) =>
    pickSeed(
      (s) => {
        const first = s.find((e) => e.type === 'crash' || e.type === 'pause');
        if (first?.type !== 'crash' && first?.type !== 'pause') return false;
        return engineOf(first.node) === engine && (first.type === 'crash' ? first.at : first.from) >= 2000;
      },
      SMALL,
      SMALL_MS,
    );

  it('ends with exit 2 and one line naming the host when an agent dies mid-run, and removes what it can reach', async () => {
    const r = await runAndMeddle(lateFaultOn(1), async () => {
      const id = (
        await L().docker(1, ['ps', '-q', '--filter', 'label=gossipcheck.role=agent'])
      ).stdout.trim();
      await L().docker(1, ['kill', id]);
    });
    const errors = r.stderr.split('\n').filter((l) => /^gossipcheck: (?!warning:)/.test(l));
    expect(errors, r.stdout + r.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(`on ${L().engines[1]!.hostname}: the fault agent on ${L().engines[1]!.hostname} is gone`),
    );
    expect(r.code).toBe(2);
    // Its host could not be checked, and the run says so; the orchestrator still removes everything.
    expect(r.stderr).toMatch(
      new RegExp(`could not remove or check: .*${L().engines[1]!.hostname}: could not check`),
    );
    await expectGone(runIdOf(r));
  }, 300_000);

  it("ends with exit 2 and one line when the agents refuse the run's token", async () => {
    const r = await runAndMeddle(lateFaultOn(2), async (stack) => {
      await L().docker(0, [
        'service',
        'update',
        '--detach',
        '--env-add',
        'GOSSIPCHECK_AGENT_TOKEN=not-the-runs',
        `${stack}_agent`,
      ]);
    });
    const errors = r.stderr.split('\n').filter((l) => /^gossipcheck: (?!warning:)/.test(l));
    expect(errors, r.stdout + r.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(/refused the run's token \(401\)/);
    expect(r.code).toBe(2);
    await expectGone(runIdOf(r));
  }, 300_000);

  /**
   * Nothing of the run on any engine (but `skip`). The harness checked the
   * nodes' containers through the agents; the agents' own containers and the
   * overlay on the workers go after them, as the orchestrator gets to it.
   */
  async function expectGone(runId: string, skip = -1): Promise<void> {
    expect(runId).not.toBe('');
    let left = await leftOnEngines(runId, skip);
    for (let i = 0; i < 40 && left.length > 0; i++) {
      await sleep(500);
      left = await leftOnEngines(runId, skip);
    }
    expect(left).toEqual([]);
  }

  it('places the nodes on the Ready hosts, and says so, when a swarm node is down', async () => {
    const down = L().engines[2]!;
    const pids = [down.dockerdPid, down.containerdPid].filter((p) => p > 0);
    for (const p of pids) process.kill(p, 'SIGSTOP');
    try {
      const end = Date.now() + 90_000;
      for (;;) {
        const ls = (await L().docker(0, ['node', 'ls', '--format', '{{.Hostname}} {{.Status}}'])).stdout;
        if (ls.includes(`${down.hostname} Down`)) break;
        if (Date.now() > end) throw new Error(`${down.hostname} never showed Down:\n${ls}`);
        await sleep(1000);
      }
      // The kit's image under a registry's name (as pushed there): agents, relay and nodes run from it.
      const kit = 'registry.test/gossipcheck-kit:1';
      for (const e of L().engines.filter((x) => x.index !== down.index))
        await L().docker(e.index, ['tag', tag, kit]);
      const out = dirs.make();
      const r = await chaos(
        ['--nodes', '6', '--duration', '5s', '--settle', '20', '--agent-image', kit],
        out,
      );
      expectJudged(r);
      expect(r.stdout + r.stderr).toContain(`agents from ${kit}`);
      expect(readFileSync(join(out, 'stack.yml'), 'utf8').match(/image: "([^"]+)"/g)).toEqual(
        Array.from({ length: 7 }, () => `image: "${kit}"`),
      );
      expect(r.stdout + r.stderr).toContain(`swarm node ${down.hostname}: it is down; no node runs there`);
      const report = readReport<RunReport>(out);
      expect(report.placement?.map((p) => [p.host, p.nodes])).toEqual([
        [L().engines[0]!.hostname, ['n1', 'n3', 'n5']],
        [L().engines[1]!.hostname, ['n2', 'n4', 'n6']],
      ]);
      await expectGone(runIdOf(r), down.index);
    } finally {
      for (const p of pids) process.kill(p, 'SIGCONT');
    }
  }, 300_000);
});
