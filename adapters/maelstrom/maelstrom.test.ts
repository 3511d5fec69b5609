// gossipcheck run --maelstrom against small Maelstrom nodes written for these
// tests (fixtures/broadcast-node.mjs): each run is a few seconds of realtime.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replayCommand } from '../../cli/replay.js';
import { runMaelstromCommand } from '../../cli/run-maelstrom.js';
import { UsageError } from '../../cli/usage.js';
import { tempDirs } from '../../engine/testing/cli.js';
import { nodeIds } from '../../proto/contract.js';
import type { MaelstromCounterexample } from '../../suites/maelstrom-generated.js';
import type { RunReport } from '../../suites/result.js';
import { LineSplitter } from './node-process.js';
import { carriedValues, parseLine, quote } from './protocol.js';
import { gridTopology, lineTopology, totalTopology, treeTopology } from './topology.js';

const NODE = resolve('adapters/maelstrom/fixtures/broadcast-node.mjs');
const dirs = tempDirs();
afterAll(() => dirs.cleanup());

let tag = 0;
/** A command with a unique marker argument, so leftover processes can be found by it. */
function command(mode: string, extra = ''): { cmd: string; marker: string } {
  const marker = `gc-maelstrom-test-${process.pid}-${++tag}`;
  return { cmd: `node ${NODE} ${mode} ${extra} ${marker}`, marker };
}

function leftovers(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

async function check(
  args: string[],
  marker: string,
): Promise<{ code: number; report: RunReport; out: string }> {
  const out = dirs.make();
  const code = await runMaelstromCommand([...args, '--out', out]);
  expect(leftovers(marker)).toEqual([]);
  const report = JSON.parse(readFileSync(resolve(out, 'report.json'), 'utf8')) as RunReport;
  return { code, report, out };
}

const verdictOf = (report: RunReport, id: string) => report.results.find((r) => r.id === id);

const SMALL = [
  '--nodes',
  '4',
  '--duration',
  '1200ms',
  '--rate',
  '20',
  '--settle',
  '2500ms',
  '--timeout',
  '2000',
];

describe('topology, as Maelstrom computes it', () => {
  it('grid, line, tree, total', () => {
    const five = nodeIds(5);
    // side 3: n0 n1 n2 / n3 n4; neighbours (i+1,j), (i-1,j), (i,j+1), (i,j-1)
    expect(gridTopology(five)).toEqual({
      n0: ['n3', 'n1'],
      n1: ['n4', 'n2', 'n0'],
      n2: ['n1'],
      n3: ['n0', 'n4'],
      n4: ['n1', 'n3'],
    });
    expect(lineTopology(nodeIds(3))).toEqual({ n0: ['n1'], n1: ['n0', 'n2'], n2: ['n1'] });
    expect(treeTopology(five)).toEqual({
      n0: ['n1', 'n2'],
      n1: ['n0', 'n3', 'n4'],
      n2: ['n0'],
      n3: ['n1'],
      n4: ['n1'],
    });
    expect(totalTopology(nodeIds(3))).toEqual({ n0: ['n1', 'n2'], n1: ['n0', 'n2'], n2: ['n0', 'n1'] });
  });

  it('finds the values a node-to-node body carries, never its ids', () => {
    const p = parseLine(
      '{"src":"n1","dest":"n2","body":{"type":"g","msg_id":7,"message":3,"batch":{"x":[4,"5"]}}}',
    );
    expect(p.ok).toBe(true);
    if (p.ok) expect(carriedValues(p.env.body).sort()).toEqual(['"5"', '3', '4', '5']);
    expect(parseLine('nope')).toEqual({ ok: false, reason: 'not valid JSON' });
  });
});

describe('stdout lines, with a cap', () => {
  it('splits bytes at newlines, across chunks, and keeps a last line without one', () => {
    const got: string[] = [];
    const s = new LineSplitter(100, (l) => got.push(l));
    s.push(Buffer.from('{"a":1}\n{"b"'));
    s.push(Buffer.from(':"é"}\n\nlast'));
    s.end();
    expect(got).toEqual(['{"a":1}', '{"b":"é"}', '', 'last']);
  });

  it('reports a line over the cap once, with its size, discards the rest, and reads on', () => {
    const got: string[] = [];
    const s = new LineSplitter(10, (l) => got.push(l));
    s.push(Buffer.from('0123456'));
    s.push(Buffer.from('789abcdef'));
    s.push(Buffer.from('more and more'));
    s.push(Buffer.from('...\nok\n'));
    expect(got).toHaveLength(2);
    const bad = parseLine(got[0]);
    expect(bad).toEqual({
      ok: false,
      reason: 'over the 10-byte line cap: 16 bytes and no newline yet (the rest of the line is discarded)',
    });
    expect(quote(got[0])).toBe('"0123456789abcdef" (16+ bytes, truncated)');
    expect(got[1]).toBe('ok');
  });
});

describe('gossipcheck run --maelstrom', () => {
  it('passes a correct node with retries, partitions (halves, one-way) and faults that heal in quiet included', async () => {
    const { cmd, marker } = command('retry');
    const { code, report } = await check(
      [
        '--maelstrom',
        cmd,
        ...SMALL,
        '--runs',
        '2',
        '--case',
        'maelstrom/convergence',
        '--case',
        'maelstrom/protocol',
      ],
      marker,
    );
    const ids = report.results.map((r) => `${r.verdict} ${r.id}`);
    expect(ids).toEqual([
      'PASS maelstrom/protocol',
      'PASS maelstrom/convergence/no-faults',
      'PASS maelstrom/convergence/after-partition/halves',
      'PASS maelstrom/convergence/after-partition/one-way',
      'PASS maelstrom/convergence/after-loss',
      'PASS maelstrom/convergence/after-delay-reorder-duplicate',
      'PASS maelstrom/convergence/heal-in-quiet/halves',
      'PASS maelstrom/convergence/heal-in-quiet/one-way',
      'PASS maelstrom/convergence/heal-in-quiet/loss',
      'PASS maelstrom/convergence/generated',
    ]);
    expect(code).toBe(0);
    const generated = verdictOf(report, 'maelstrom/convergence/generated');
    expect(generated?.runs).toBe(2);
    // Run 1 is a cut that heals in quiet (suites/maelstrom-input.ts MAELSTROM_FAMILIES).
    expect(generated?.explored?.family?.['partition-quiet']).toBe(1);
    // protocol is judged over the generated runs' histories too: 8 scenarios and 2 runs.
    expect(verdictOf(report, 'maelstrom/protocol')?.evidence.observed).toMatch(/ in 10 run\(s\)/);
    // The harness's own share is in every scenario's evidence.
    expect(verdictOf(report, 'maelstrom/convergence/no-faults')?.evidence.details.at(-1)).toMatch(
      /^harness: \d+ of 24 planned client operations issued \(\d+ %\); its own added latency per delivered line ≤ [\d.]+ ms at p99/,
    );
    const halves = verdictOf(report, 'maelstrom/convergence/after-partition/halves');
    expect(halves?.evidence.observed).toMatch(/partition halves \[.*\] \[.*\] at .*directed edges cut/);
    const mixed = verdictOf(report, 'maelstrom/convergence/after-delay-reorder-duplicate');
    expect(mixed?.evidence.observed).toMatch(/delay.*reorder.*duplicate/);
  });

  it('fails a node that never retries, under partition', async () => {
    const { cmd, marker } = command('noretry');
    const { code, report } = await check(
      ['--maelstrom', cmd, ...SMALL, '--settle', '1s', '--case', 'maelstrom/convergence/after-partition'],
      marker,
    );
    expect(code).toBe(1);
    for (const id of [
      'maelstrom/convergence/after-partition/halves',
      'maelstrom/convergence/after-partition/one-way',
    ]) {
      const v = verdictOf(report, id);
      expect(v?.verdict).toBe('FAIL');
      expect(v?.evidence.details.join('\n')).toMatch(/lacks \d+ acknowledged value/);
    }
  });

  it('fails a node that repairs only when a later write carries the value, once the faults outlast the last write', async () => {
    const marker = `gc-maelstrom-test-${process.pid}-${++tag}`;
    const cmd = `node ${resolve('adapters/maelstrom/fixtures/push-on-write-node.mjs')} ${marker}`;
    const { code, report, out } = await check(
      [
        '--maelstrom',
        cmd,
        ...SMALL,
        '--settle',
        '1500ms',
        '--case',
        'maelstrom/convergence/heal-in-quiet/halves',
      ],
      marker,
    );
    expect(code).toBe(1);
    const v = verdictOf(report, 'maelstrom/convergence/heal-in-quiet/halves');
    expect(v?.verdict).toBe('FAIL');
    expect(v?.evidence.details.join('\n')).toMatch(/lacks \d+ acknowledged value/);
    // The partition healed after the last write was acknowledged: nothing but gossip could repair.
    const events = readFileSync(resolve(out, 'histories/maelstrom--heal-in-quiet--halves.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { t: string; r: number; action?: string });
    const healed = events.find((e) => e.t === 'fault' && e.action === 'stop')?.r ?? -1;
    const lastWrite = Math.max(...events.filter((e) => e.t === 'ack' || e.t === 'update').map((e) => e.r));
    expect(healed).toBeGreaterThanOrEqual(lastWrite);
  });

  it('generated schedules catch that node too, shrink the failure to a fault that heals in quiet, and replay it', async () => {
    const marker = `gc-maelstrom-test-${process.pid}-${++tag}`;
    const cmd = `node ${resolve('adapters/maelstrom/fixtures/push-on-write-node.mjs')} ${marker}`;
    const { code, report, out } = await check(
      [
        '--maelstrom',
        cmd,
        ...SMALL,
        '--settle',
        '1500ms',
        '--runs',
        '2',
        '--shrink-budget',
        '5s',
        '--case',
        'maelstrom/convergence/generated',
      ],
      marker,
    );
    expect(code).toBe(1);
    const v = verdictOf(report, 'maelstrom/convergence/generated');
    expect(v?.verdict).toBe('FAIL');
    expect(v?.evidence.details.join('\n')).toMatch(/lacks \d+ acknowledged value/);
    const saved = JSON.parse(
      readFileSync(resolve(out, v!.counterexample!.file), 'utf8'),
    ) as MaelstromCounterexample;
    expect(saved.mode).toBe('maelstrom');
    // The failure needs a fault no later write repairs: the shrunk input keeps one that heals in quiet.
    expect(saved.input.faults.some((f) => f.quiet)).toBe(true);
    expect(saved.input.nodes).toBeLessThanOrEqual(4);
    expect(await replayCommand([resolve(out, v!.counterexample!.file)])).toBe(1);
    expect(leftovers(marker)).toEqual([]);
  });

  it('judges a read_ok whose "messages" is null on an empty node as the empty set, not a breach', async () => {
    const { cmd, marker } = command('retry', '--empty-messages null');
    // 10 nodes, 200 ms each way: the first 10 operations (one per node, 10 ms apart) reach
    // their nodes by 300 ms, before any value can reach a second node (400 ms); each read
    // among them meets an empty node (all 10 are writes with probability 1/1024).
    const { code, report, out } = await check(
      [
        '--maelstrom',
        cmd,
        '--nodes',
        '10',
        '--latency',
        '200',
        '--rate',
        '100',
        '--duration',
        '1s',
        '--settle',
        '4s',
        '--case',
        'maelstrom/protocol',
        '--case',
        'maelstrom/convergence/no-faults',
      ],
      marker,
    );
    expect(report.results.map((r) => `${r.verdict} ${r.id}`)).toEqual([
      'PASS maelstrom/protocol',
      'PASS maelstrom/convergence/no-faults',
    ]);
    expect(code).toBe(0);
    // A workload read met an empty node: a null was sent and judged.
    const reads = readFileSync(resolve(out, 'histories/maelstrom--no-faults.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { t: string; final?: boolean; entries?: unknown[] })
      .filter((e) => e.t === 'read' && !e.final);
    expect(reads.some((e) => e.entries?.length === 0)).toBe(true);
  });

  it('fails a flooding node on the glomers-3e msgs-per-op budget', async () => {
    const { cmd, marker } = command('flood');
    const { code, report } = await check(
      [
        '--maelstrom',
        cmd,
        '--profile',
        'glomers-3e',
        '--nodes',
        '5',
        '--latency',
        '0',
        '--rate',
        '10',
        '--duration',
        '1500ms',
        '--case',
        'maelstrom/budget/msgs-per-op',
      ],
      marker,
    );
    expect(code).toBe(1);
    const v = verdictOf(report, 'maelstrom/budget/msgs-per-op');
    expect(v?.verdict).toBe('FAIL');
    expect(v?.level).toBe('MUST');
    expect(v?.evidence.expected).toBe('< 20');
    expect(Number.parseFloat(v?.evidence.observed ?? '0')).toBeGreaterThan(20);
  });

  it('fails a node that prints garbage or names an unknown node, quoting the line', async () => {
    const { cmd, marker } = command('garbage');
    const { code, report } = await check(
      ['--maelstrom', cmd, ...SMALL, '--case', 'maelstrom/protocol'],
      marker,
    );
    expect(code).toBe(1);
    const v = verdictOf(report, 'maelstrom/protocol');
    expect(v?.verdict).toBe('FAIL');
    const text = [v?.evidence.observed, ...(v?.evidence.details ?? [])].join('\n');
    expect(text).toContain('is not valid JSON: "this is not json {"');
    expect(text).toMatch(/sent to unknown destination "n99"/);
  });

  it('judges no budget on a scenario a protocol violation stopped: INCONCLUSIVE, naming it', async () => {
    const { cmd, marker } = command('garbage');
    const { code, report } = await check(
      [
        '--maelstrom',
        cmd,
        '--profile',
        'glomers-3e',
        ...SMALL,
        '--latency',
        '0',
        '--case',
        'maelstrom/budget',
      ],
      marker,
    );
    expect(code).toBe(1);
    for (const id of ['msgs-per-op', 'latency-median', 'latency-max']) {
      const v = verdictOf(report, `maelstrom/budget/${id}`);
      expect(v?.verdict).toBe('INCONCLUSIVE');
      expect(v?.evidence.observed).toMatch(
        /^not judged: the scenario was stopped by \[no-faults @\d+ ms\] .*is not valid JSON: "this is not json \{"/,
      );
    }
  });

  it('fails, without crashing, a node that writes 64 MiB without a newline, quoting the size', async () => {
    const { cmd, marker } = command('overlong');
    const { code, report } = await check(
      ['--maelstrom', cmd, ...SMALL, '--case', 'maelstrom/protocol'],
      marker,
    );
    expect(code).toBe(1);
    const v = verdictOf(report, 'maelstrom/protocol');
    expect(v?.verdict).toBe('FAIL');
    const text = [v?.evidence.observed, ...(v?.evidence.details ?? [])].join('\n');
    expect(text).toMatch(
      /wrote a line that is over the 16777216-byte line cap: \d{8,} bytes and no newline yet/,
    );
    expect(text).toContain('"xxxxxxxx');
  }, 30_000);

  it('fails a node that crashes, with its exit code and stderr', async () => {
    const { cmd, marker } = command('crash');
    const { code, report } = await check(
      ['--maelstrom', cmd, ...SMALL, '--case', 'maelstrom/protocol'],
      marker,
    );
    expect(code).toBe(1);
    expect(verdictOf(report, 'maelstrom/protocol')?.evidence.details.join('\n')).toMatch(
      /exited with code 3; stderr: .*crashing on purpose/,
    );
  });

  it('fails, without hanging, a command that never answers init', async () => {
    const marker = `gc-maelstrom-test-${process.pid}-hang`;
    const { code, report } = await check(
      ['--maelstrom', `node -e "setTimeout(() => {}, 60000)" ${marker}`, ...SMALL, '--timeout', '500'],
      marker,
    );
    expect(code).toBe(1);
    const v = verdictOf(report, 'maelstrom/convergence/no-faults');
    expect(v?.evidence.observed).toMatch(
      /not run: (Update|Read) \(n\d\): .*n\d did not complete init \/ topology: n\d did not answer init within 500 ms/,
    );
    // Lockstep cases are listed, never failed.
    expect(report.results.filter((r) => r.verdict === 'UNSUPPORTED').length).toBeGreaterThan(0);
  });

  it('judges the glomers-3d profile (25 nodes, 100 ms) on a direct, retrying node: PASS, or INCONCLUSIVE for the harness, never FAIL', async () => {
    const { cmd, marker } = command('retry', '--direct --retry-ms 1000');
    const { report } = await check(
      [
        '--maelstrom',
        cmd,
        '--profile',
        'glomers-3d',
        '--duration',
        '3s',
        '--case',
        'maelstrom/budget',
        '--case',
        'maelstrom/convergence/no-faults',
      ],
      marker,
    );
    expect(report.results.map((r) => r.id)).toEqual([
      'maelstrom/convergence/no-faults',
      'maelstrom/budget/msgs-per-op',
      'maelstrom/budget/latency-median',
      'maelstrom/budget/latency-max',
    ]);
    expect(report.results[0].verdict).toBe('PASS');
    // Whether this machine's harness keeps within its share (docs/maelstrom.md) is not
    // ours to assert; that the node is never failed for the harness's delay is.
    for (const r of report.results.slice(1)) {
      expect(`${r.verdict} ${r.evidence.observed}`).toMatch(/^(PASS |INCONCLUSIVE not judged: the harness)/);
      expect(r.evidence.details.join('\n')).toMatch(/harness: \d+ of 300 planned client operations issued/);
    }
  }, 60_000);

  it('rejects bad flags with a UsageError', async () => {
    await expect(runMaelstromCommand(['--maelstrom'])).rejects.toThrow(UsageError);
    await expect(runMaelstromCommand(['--maelstrom', 'x', '--topology', 'ring'])).rejects.toThrow(
      /--topology/,
    );
    await expect(runMaelstromCommand(['--maelstrom', 'x', '--profile', '3f'])).rejects.toThrow(UsageError);
    await expect(runMaelstromCommand(['--maelstrom', 'x', '--nodes', '0'])).rejects.toThrow(UsageError);
    await expect(runMaelstromCommand(['--maelstrom', 'x', '--impl', 'y'])).rejects.toThrow(UsageError);
  });

  const built = resolve('dist/cli/run-maelstrom.js');
  it.skipIf(!existsSync(built))('kills every node on SIGTERM', async () => {
    const { cmd, marker } = command('retry');
    const out = dirs.make();
    const script = `const m = await import(${JSON.stringify(built)}); process.exitCode = await m.runMaelstromCommand(${JSON.stringify(['--maelstrom', cmd, '--nodes', '3', '--duration', '30s', '--out', out])});`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    // Wait until the nodes are up, then stop the harness.
    for (let i = 0; i < 50 && leftovers(marker).length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    expect(leftovers(marker).length).toBeGreaterThanOrEqual(3);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    await new Promise((r) => setTimeout(r, 200));
    expect(leftovers(marker)).toEqual([]);
  });
});
