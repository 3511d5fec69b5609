// A Maelstrom broadcast node through the one realtime pipeline, as a user runs
// it: `gossipcheck chaos --backend process --impl "gossipcheck serve-maelstrom
// --node CMD --listen {listen}"`. Real processes (the CLI, the adapter, one
// node process per node), real gRPC; the harness's Router decides every
// node-to-node line; the shared realtime checkers judge the history. The
// node is the kit's own test node (adapters/maelstrom/fixtures) in its honest
// and broken modes. Nothing here asserts how fast anything happens.
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { CLI, readHistory, readReport, runCli, tempDirs } from '../engine/testing/cli.js';
import type { RunReport } from '../suites/result.js';

const NODE = resolve('adapters/maelstrom/fixtures/broadcast-node.mjs');
const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const impl = (mode: string) =>
  `"${process.execPath}" "${CLI}" serve-maelstrom --node '"${process.execPath}" "${NODE}" ${mode}' --listen {listen}`;
const report = (dir: string) => readReport<RunReport>(dir);
const history = readHistory;
const result = (r: RunReport, id: string) => r.results.find((x) => x.id === id);

/** seed 3 on 4 nodes: a partition, a pause and a kill + restart within 5 s (the process backend's schedule). */
async function chaos(
  mode: string,
  settle: number,
): Promise<{ code: number | null; stderr: string; out: string }> {
  const out = join(dirs.make(), 'r');
  const res = await runCli([
    'chaos',
    '--backend',
    'process',
    '--impl',
    impl(mode),
    '--nodes',
    '4',
    '--duration',
    '5',
    '--settle',
    String(settle),
    '--period',
    '50',
    '--seed',
    '3',
    '--out',
    out,
  ]);
  return { code: res.code, stderr: res.stderr, out };
}

describe('a Maelstrom node on the realtime pipeline (serve-maelstrom)', () => {
  test('a node that retries and re-syncs survives partition, pause, kill and restart: exit 0', async () => {
    const { code, stderr, out } = await chaos('retry --sync-ms 100', 60);
    expect(code, stderr).toBe(0);
    const r = report(out);
    for (const id of [
      'run/completed',
      'convergence/identical-state',
      'convergence/no-lost-update',
      'convergence/monotonic-versions',
    ])
      expect(result(r, id)?.verdict, id).toBe('PASS');
    expect(r.implementation.name).toMatch(/^maelstrom node \(/);
    const h = history(out);
    // The faults reached the node: a kill and restart, and a partition the Router applied to its lines.
    expect(h.some((e) => e.t === 'crash')).toBe(true);
    expect(h.some((e) => e.t === 'restart')).toBe(true);
    expect(h.some((e) => e.t === 'drop' && e.reason === 'partition')).toBe(true);
    // Node-to-node lines travel as envelopes of the node's own message type, naming the keys they carry.
    const gossip = h.filter((e) => e.t === 'send' && e.kind === 'gossip');
    expect(gossip.length).toBeGreaterThan(0);
    expect(gossip.some((e) => e.t === 'send' && e.keys.length > 0)).toBe(true);
  });

  test('a node that gossips once and never retries loses updates cut off by the partition: exit 1', async () => {
    const { code, stderr, out } = await chaos('noretry', 5);
    expect(code, stderr).toBe(1);
    const r = report(out);
    expect(result(r, 'run/completed')?.verdict).toBe('PASS');
    expect(result(r, 'convergence/no-lost-update')?.verdict).toBe('FAIL');
    expect(result(r, 'convergence/identical-state')?.verdict).toBe('FAIL');
  });

  test('a node that writes a line that is not JSON: the run ends with the line quoted, exit 1', async () => {
    const { code, stderr, out } = await chaos('garbage', 5);
    expect(code, stderr).toBe(1);
    const completed = result(report(out), 'run/completed');
    expect(completed?.verdict).toBe('FAIL');
    expect(completed?.evidence.observed).toMatch(/wrote a line that is not valid JSON: "this is not json/);
  });

  test('a node process that exits: the run ends with its exit code and stderr, exit 1', async () => {
    const { code, stderr, out } = await chaos('crash', 5);
    expect(code, stderr).toBe(1);
    const completed = result(report(out), 'run/completed');
    expect(completed?.verdict).toBe('FAIL');
    expect(completed?.evidence.observed).toMatch(/exited with code 3; stderr: .*crashing on purpose/);
  });
});
