// gossipcheck run end to end: real processes, real gRPC over loopback.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { BROKEN_ENDPOINT, CLI, runCli, tempDirs } from '../engine/testing/cli.js';
import { VARIANTS } from '../proto/contract.js';
import type { RunReport } from '../suites/result.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

function report(dir: string): RunReport {
  return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as RunReport;
}

/** Every history file of a report dir, by name. */
function histories(dir: string): Map<string, Buffer> {
  const sub = join(dir, 'histories');
  return new Map(readdirSync(sub).map((f) => [f, readFileSync(join(sub, f))]));
}

const SERVE_REFERENCE = `"${process.execPath}" "${CLI}" serve-reference --listen {listen}`;

/** The cases each variant must pass: its convergence / termination / estimate requirement. */
const EXPECTED: Record<string, string[]> = {
  'direct-mail': ['convergence/no-faults', 'bounds/direct-mail-messages'],
  'anti-entropy-push': [
    'convergence/no-faults',
    'convergence/after-partition/halves',
    'bounds/no-redundant-values',
  ],
  'anti-entropy-pull': ['convergence/no-faults', 'convergence/after-partition/one-way'],
  'anti-entropy-push-pull': ['convergence/no-faults', 'convergence/after-partition/bridge'],
  hybrid: ['convergence/no-faults', 'convergence/after-partition/bridge', 'sir/termination'],
  'rumor-push': ['sir/termination', 'bounds/rumor-traffic'],
  'rumor-pull': ['sir/termination'],
  'push-sum': ['pushsum/epsilon-rounds', 'pushsum/mass-conservation'],
  'membership-swim': ['membership/join', 'membership/detect-crash', 'membership/leave'],
};

const PARTITIONS = ['isolate', 'halves', 'majority-minority', 'ring', 'bridge', 'one-way'];

describe('every reference variant passes every case on clusters of 3 and of 64 nodes', () => {
  for (const [variant, n] of VARIANTS.flatMap((v) => [3, 64].map((n) => [v, n] as const))) {
    test(`${variant} on ${n} nodes`, { timeout: 600_000 }, async () => {
      const out = dirs.make();
      const size = ['--nodes', String(n), '--min-nodes', String(n)];
      const runs = n === 3 ? '10' : '2';
      // A ring of 3 is a full mesh: its partition cuts no edge, so the case is UNSUPPORTED at 3 nodes
      // (it needs 4), never a pass, and never a gate failure no node could fix.
      const ringInert = n === 3 && (variant.startsWith('anti-entropy') || variant === 'hybrid');
      const res = await runCli(['run', '--variant', variant, ...size, '--runs', runs, '--out', out]);
      const r = report(out);
      const bad = r.results.filter((x) => x.verdict === 'FAIL' || x.verdict === 'NON-STRICT');
      expect(bad, JSON.stringify(bad.slice(0, 2), null, 1)).toEqual([]);
      expect(res.code).toBe(0);
      expect(r.results.filter((x) => x.verdict === 'INCONCLUSIVE').map((x) => x.id)).toEqual([]);
      if (ringInert) {
        const ring = r.results.find((x) => x.id === 'convergence/after-partition/ring');
        expect(ring?.verdict).toBe('UNSUPPORTED');
        expect(ring?.evidence.observed).toMatch(/needs at least 4 nodes/);
      }
      const passed = new Set(r.results.filter((x) => x.verdict === 'PASS').map((x) => x.id));
      for (const id of EXPECTED[variant]) expect(passed, `${id} passed`).toContain(id);
      if (variant.startsWith('anti-entropy') || variant === 'hybrid') {
        for (const s of PARTITIONS.filter((p) => !(ringInert && p === 'ring')))
          expect(passed).toContain(`convergence/after-partition/${s}`);
      }
      // Every scenario ran at exactly that size (sir/residue-band has its own: the
      // band's n; membership scenarios add joiners to the n members they start with).
      const sizes = [...histories(out)]
        .filter(([name]) => !name.startsWith('sir--residue-band') && !name.startsWith('membership--'))
        .map(([, h]) => JSON.parse(h.toString().split('\n')[0]).nodes.length);
      expect(new Set(sizes)).toEqual(new Set([n]));
    });
  }
});

describe('no false failures', () => {
  test('the correct reference passes every case over 100 generated inputs (each with its own seed) per case', {
    timeout: 1_800_000,
  }, async () => {
    const out = dirs.make();
    const res = await runCli(['run', '--runs', '100', '--seed', '2024', '--out', out], 1_800_000);
    const r = report(out);
    const bad = r.results.filter((x) => x.verdict !== 'PASS' && x.verdict !== 'INFO');
    expect(bad, JSON.stringify(bad.slice(0, 2), null, 1)).toEqual([]);
    expect(r.results.length).toBeGreaterThan(100);
    expect(r.results.every((x) => x.runs === 100)).toBe(true);
    expect(res.code).toBe(0);
  });
});

describe('determinism', () => {
  test('the same seed gives identical history bytes; another seed does not', {
    timeout: 600_000,
  }, async () => {
    const [a, b, c] = [dirs.make(), dirs.make(), dirs.make()];
    const args = ['run', '--variant', 'hybrid', '--runs', '3'];
    await runCli([...args, '--seed', '5', '--out', a]);
    await runCli([...args, '--seed', '5', '--out', b]);
    await runCli([...args, '--seed', '6', '--out', c]);
    const [ha, hb, hc] = [a, b, c].map(histories);
    expect(ha.size).toBeGreaterThan(5);
    expect([...ha.keys()]).toEqual([...hb.keys()]);
    for (const [name, bytes] of ha) expect(bytes.equals(hb.get(name)!), name).toBe(true);
    expect([...ha].some(([name, bytes]) => !bytes.equals(hc.get(name) ?? Buffer.alloc(0)))).toBe(true);
  });
});

describe('the reference out of process (--impl) passes the same checks as in-process', () => {
  test('identical verdicts and identical history bytes', { timeout: 900_000 }, async () => {
    const [inproc, outproc] = [dirs.make(), dirs.make()];
    const args = ['run', '--runs', '2', '--seed', '3', '--nodes', '8'];
    const a = await runCli([...args, '--out', inproc]);
    const b = await runCli([...args, '--impl', SERVE_REFERENCE, '--out', outproc]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    const verdicts = (d: string) => report(d).results.map((x) => `${x.id} [${x.variant}] ${x.verdict}`);
    expect(verdicts(outproc).length).toBeGreaterThan(50);
    expect(verdicts(outproc)).toEqual(verdicts(inproc));
    const [hi, ho] = [histories(inproc), histories(outproc)];
    expect([...ho.keys()]).toEqual([...hi.keys()]);
    for (const [name, bytes] of hi) expect(bytes.equals(ho.get(name)!), name).toBe(true);
    // The report and the console say which path the calls took: the reference serves Session + Round.
    expect(report(inproc).transport).toBeUndefined();
    const t = report(outproc).transport;
    expect(t?.path).toBe('Session + Round');
    expect(t?.roundsPlayed).toBeGreaterThan(t?.roundsByCall ?? 0);
    expect(t?.fallbacks).toBe(0);
    expect(b.stdout).toMatch(/^transport: Session \+ Round: \d+ % of \d+ rounds played by the endpoint;/m);
  });
});

function processesWith(marker: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps.split('\n').filter((line) => line.includes(marker) && !line.includes('ps -eo'));
}

describe('a broken IUT fails the run with a reason and leaves no process behind', () => {
  for (const [mode, reason] of [
    // Played rounds (RoundRequest) cannot tell which of their calls hung, and say so.
    ['hang-tick', /Tick(, Deliver or Read of rounds? [\d.]+)? did not answer within 1500 ms/],
    ['exit-mid-run', /exited with code 3/],
  ] as const) {
    test(mode, async () => {
      const out = dirs.make();
      const marker = `gc-marker-${mode}-${process.pid}`;
      const impl = `"${process.execPath}" "${BROKEN_ENDPOINT}" ${mode} --marker ${marker}`;
      const res = await runCli([
        'run',
        '--impl',
        impl,
        '--suite',
        'convergence',
        '--timeout',
        '1500',
        '--out',
        out,
      ]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(reason);
      const failed = report(out).results.filter((x) => x.verdict === 'FAIL');
      expect(failed.length).toBeGreaterThan(0);
      expect(processesWith(marker)).toEqual([]);
    });
  }
});

describe('bad user input is exit code 2 with a one-line reason', () => {
  for (const args of [
    ['run', '--nodes', 'many'],
    ['run', '--variant', 'telepathy'],
    ['run', '--suite', 'vibes'],
    ['run', '--case', 'no/such/case'],
    ['run', '--expect-fail', '/nonexistent/file'],
    ['run', '--bogus'],
    ['run', '--impl', 'exit 7'],
    ['replay', '/nonexistent.json'],
    ['frobnicate'],
    ['serve-reference', '--listen', 'nowhere'],
  ]) {
    test(args.join(' '), async () => {
      const res = await runCli(args);
      expect(res.code).toBe(2);
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(/^gossipcheck: /);
    });
  }
});

describe('list', () => {
  test('prints every case id with its level, without running anything', async () => {
    const res = await runCli(['list', '--json']);
    expect(res.code).toBe(0);
    const rows = JSON.parse(res.stdout) as { id: string; level: string; requirement: string }[];
    const ids = rows.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const prefix of ['convergence/', 'bounds/', 'sir/', 'pushsum/', 'robustness/']) {
      expect(ids.some((id) => id.startsWith(prefix))).toBe(true);
    }
    for (const r of rows) {
      expect(['MUST', 'SHOULD', 'INFO']).toContain(r.level);
      expect(r.requirement.length).toBeGreaterThan(20);
    }
  });

  test('lists lockstep, realtime and Maelstrom cases with their modes (text and --json)', async () => {
    const json = await runCli(['list', '--json']);
    const rows = JSON.parse(json.stdout) as { id: string; modes: string[] }[];
    const modes = (id: string) => rows.find((r) => r.id === id)?.modes;
    expect(modes('convergence/no-faults')).toEqual(['lockstep']);
    expect(modes('convergence/within-bound')).toEqual(['realtime']);
    expect(modes('run/completed')).toEqual(['realtime', 'maelstrom']);
    expect(modes('maelstrom/convergence/after-loss')).toEqual(['maelstrom']);
    expect(modes('maelstrom/budget/msgs-per-op')).toEqual(['maelstrom']);
    const text = await runCli(['list']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^maelstrom\/convergence\/after-loss +MUST .*\n +modes: maelstrom; variants: /m,
    );
    expect(text.stdout).toMatch(/^convergence\/within-bound +MUST .*\n +modes: realtime; variants: /m);
  });
});

describe('gossipcheck run --maelstrom', () => {
  test('dispatches to the Maelstrom runner: a correct retrying node passes', async () => {
    const out = dirs.make();
    const node = `"${process.execPath}" "${join(process.cwd(), 'adapters/maelstrom/fixtures/broadcast-node.mjs')}" retry`;
    const res = await runCli(
      [
        'run',
        '--maelstrom',
        node,
        '--nodes',
        '3',
        '--case',
        'maelstrom/convergence/no-faults',
        '--duration',
        '1000ms',
      ].concat(['--settle', '2s', '--out', out]),
    );
    expect(res.code, res.stderr).toBe(0);
    const r = report(out);
    expect(r.results.find((x) => x.id === 'maelstrom/convergence/no-faults')?.verdict).toBe('PASS');
  });
});
