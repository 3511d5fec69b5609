// The contract rides along end to end: a node that breaks it fails whatever
// case or suite is selected, with the clause named, over real gRPC.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { checkHistory } from '../checks/index.js';
import type { HistoryEvent } from '../engine/history/events.js';
import { BROKEN_ENDPOINT, readReport, runCli, tempDirs } from '../engine/testing/cli.js';
import type { RunReport } from '../suites/result.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const hostile = (mode: string) => `"${process.execPath}" "${BROKEN_ENDPOINT}" ${mode}`;
const AE = ['--variant', 'anti-entropy-push-pull', '--runs', '3'];

describe('a case whose history breaks the contract FAILs whatever the selection', () => {
  test('envelopes to ids that do not exist, --case convergence/no-faults: red, contract/addressing named', async () => {
    const out = join(dirs.make(), 'r');
    const args = ['run', '--impl', hostile('unknown-address'), '--case', 'convergence/no-faults'];
    const res = await runCli([...args, ...AE, '--out', out]);
    expect(res.code, res.stderr).toBe(1);
    const r = readReport<RunReport>(out);
    expect(r.results.map((x) => [x.id, x.verdict])).toEqual([['convergence/no-faults', 'FAIL']]);
    const result = r.results[0];
    expect(result.evidence.observed).toMatch(/^contract\/addressing: \d+ of \d+ envelopes misaddressed/);
    expect(result.evidence.details.join('\n')).toContain('to an unknown node "ghost"');
    // Shrunk and saved like any other failure.
    expect(result.counterexample?.file).toBe(
      'counterexamples/convergence--no-faults--anti-entropy-push-pull.json',
    );
    expect(res.stdout).toContain('contract/addressing');
  });

  test('envelopes with no metadata, --suite bounds: red, the contract clause named on every bound', async () => {
    const out = join(dirs.make(), 'r');
    const res = await runCli([
      'run',
      '--impl',
      hostile('strip-metadata'),
      '--suite',
      'bounds',
      ...AE,
      '--out',
      out,
    ]);
    expect(res.code, res.stderr).toBe(1);
    const r = readReport<RunReport>(out);
    const judged = r.results.filter((x) => x.verdict !== 'UNSUPPORTED');
    expect(judged.length).toBeGreaterThan(0);
    for (const x of judged) {
      expect(x.verdict, x.id).toBe('FAIL');
      expect(x.evidence.observed, x.id).toMatch(/^contract\/(envelope-kind|declared-keys): /);
    }
  });

  test('a Read out of key order, --case convergence/no-faults: red, contract/read-sorted named', async () => {
    const out = join(dirs.make(), 'r');
    const args = ['run', '--impl', hostile('unsorted-read'), '--case', 'convergence/no-faults'];
    const res = await runCli([...args, ...AE, '--out', out]);
    expect(res.code, res.stderr).toBe(1);
    const result = readReport<RunReport>(out).results[0];
    expect(result.verdict).toBe('FAIL');
    expect(result.evidence.observed).toMatch(/^contract\/read-sorted: \d+ of \d+ snapshots out of order/);
    // The history keeps entries sorted for every other check, and notes what the node sent.
    const events = readFileSync(join(out, result.counterexample!.history), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as HistoryEvent);
    const marked = events.filter((e) => e.t === 'read' && e.unsorted);
    expect(marked.length).toBeGreaterThan(0);
    for (const e of marked)
      if (e.t === 'read') {
        const keys = e.entries.map((x) => x[0]);
        expect(keys).toEqual([...keys].sort());
        expect(e.unsorted).toMatch(/^entries: ".*" listed before ".*"$/);
      }
  });

  test.each([
    ['--case', 'convergence/no-faults'],
    ['--suite', 'bounds'],
  ])('the reference breaks no clause: %s %s is green', async (flag, value) => {
    const out = join(dirs.make(), 'r');
    const res = await runCli(['run', flag, value, ...AE, '--out', out]);
    expect(res.code, res.stderr).toBe(0);
    const r = readReport<RunReport>(out);
    expect(r.results.length).toBeGreaterThan(0);
    expect(r.results.filter((x) => x.verdict === 'FAIL')).toEqual([]);
  });
});

describe('contract/durable-restart', () => {
  test('a node that restores half its store fails, though no convergence check fails it', async () => {
    const out = join(dirs.make(), 'r');
    const impl = `"${process.execPath}" "${resolve('dist/reference/broken/serve.js')}" restores-half`;
    const cases = ['--case', 'contract/durable-restart', '--case', 'convergence/crash-restart/durable'];
    const res = await runCli(['run', '--impl', impl, ...cases, ...AE, '--out', out]);
    expect(res.code, res.stderr).toBe(1);
    const r = readReport<RunReport>(out);
    const own = r.results.find((x) => x.id === 'contract/durable-restart');
    expect(own?.verdict).toBe('FAIL');
    expect(own?.evidence.observed).toMatch(/^contract\/durable-restart: \d+ keys? recovered too little/);
    // Riding along, it fails the convergence case too, named first.
    const conv = r.results.find((x) => x.id === 'convergence/crash-restart/durable');
    expect(conv?.verdict).toBe('FAIL');
    expect(conv?.evidence.observed).toMatch(/^contract\/durable-restart: /);
    // Convergence does not fail the counterexample: identical state at the end is no judge of
    // durability (shrunk to one write, that write may be gone everywhere: nothing left to compare).
    const events = readFileSync(join(out, own!.counterexample!.history), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as HistoryEvent);
    const verdicts = new Map(checkHistory(events).map((v) => [v.id, v.verdict]));
    expect(verdicts.get('convergence/identical-state')).not.toBe('FAIL');
    expect(verdicts.get('contract/durable-restart')).toBe('FAIL');
  });
});
