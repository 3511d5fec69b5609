import { describe, expect, test } from 'vitest';
import type { Verdict, VerdictKind } from '../checks/verdict.js';
import type { Outcome } from './model.js';
import { dropWrites } from './shrink-writes.js';

const check = (id: string, verdict: VerdictKind): Verdict => ({
  id,
  requirement: '',
  level: 'MUST',
  verdict,
  source: '',
  evidence: { expected: '', observed: '', details: [] },
  judged: 1,
});
const outcome = (failing?: string): Outcome => ({
  verdict: failing ? 'FAIL' : 'PASS',
  checks: [
    check('run/completed', 'PASS'),
    check('c/own', 'PASS'),
    ...(failing ? [check(failing, 'FAIL')] : []),
  ],
  events: [],
});

type Input = { n: number; writes: { key: string }[] };
const writes = (...keys: string[]) => keys.map((key) => ({ key }));

describe('dropWrites: fewer writes while the same check fails', () => {
  test('keeps only the writes the failure needs', async () => {
    // Fails on c/lost whenever write "x" is in the input, whatever else is.
    const run = async (i: Input) => outcome(i.writes.some((w) => w.key === 'x') ? 'c/lost' : undefined);
    const input: Input = { n: 3, writes: writes('a', 'x', 'b', 'c') };
    const out = await dropWrites(input, outcome('c/lost'), {
      run,
      valid: () => true,
      budget: 100,
      skip: 'run/completed',
    });
    expect(out.input).toEqual({ n: 3, writes: writes('x') });
    expect([out.dropped, out.runs]).toEqual([3, 4]);
  });

  test('a smaller input failing on another check is not the same failure: kept as it was', async () => {
    const run = async (i: Input) => outcome(i.writes.length === 2 ? 'c/other' : undefined);
    const input: Input = { n: 3, writes: writes('a', 'b', 'c') };
    const out = await dropWrites(input, outcome('c/lost'), {
      run,
      valid: () => true,
      budget: 100,
      skip: 'run/completed',
    });
    expect(out.input).toBe(input);
    expect(out.dropped).toBe(0);
  });

  test('the budget and the case validity bound it; one write always stays', async () => {
    const run = async () => outcome('c/lost');
    const input: Input = { n: 3, writes: writes('a', 'b', 'c', 'd', 'e') };
    const two = await dropWrites(input, outcome('c/lost'), {
      run,
      valid: () => true,
      budget: 2,
      skip: 'run/completed',
    });
    expect([two.input.writes.length, two.runs]).toEqual([3, 2]);
    const all = await dropWrites(input, outcome('c/lost'), {
      run,
      valid: () => true,
      budget: 100,
      skip: 'run/completed',
    });
    expect(all.input.writes).toEqual(writes('a'));
    const valid = (i: Input) => i.writes.some((w) => w.key === 'c');
    const kept = await dropWrites(input, outcome('c/lost'), {
      run,
      valid,
      budget: 100,
      skip: 'run/completed',
    });
    expect(kept.input.writes).toEqual(writes('c'));
  });
});
