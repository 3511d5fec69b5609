import { describe, expect, it } from 'vitest';
import type { LinkFault } from '../engine/faults/schedule.js';
import { checkHistory } from './index.js';
import { entry, HistoryBuilder } from './testing/builder.js';
import type { Verdict } from './verdict.js';

const nodes = ['a', 'b', 'c', 'd'];
const v1 = { counter: 1, origin: 'a' };
const k1 = entry('k', 'v1', 1, 'a');

function find(vs: Verdict[], id: string): Verdict {
  const v = vs.find((x) => x.id === id);
  if (!v) throw new Error(`no verdict ${id} in ${vs.map((x) => x.id).join(', ')}`);
  return v;
}

/** a writes k in round 1; `spreadAt` is the round b, c, d read it (undefined: never). */
function spread(opts: { spreadAt?: number; last: number; skip?: string[] }) {
  const h = new HistoryBuilder({ nodes, rounds: opts.last });
  h.round(1).update('a', 'k', 'v1', v1).tick().read('a', [k1]);
  if (opts.spreadAt !== undefined) {
    h.round(opts.spreadAt).readAll(
      nodes.filter((n) => n !== 'a' && !opts.skip?.includes(n)),
      [k1],
    );
  }
  h.round(opts.last);
  return h;
}

describe('convergence', () => {
  it('identical states pass every convergence case', () => {
    const vs = checkHistory(spread({ spreadAt: 2, last: 12 }).finish());
    for (const id of [
      'run/completed',
      'convergence/identical-state',
      'convergence/no-lost-update',
      'convergence/monotonic-versions',
      'convergence/within-bound',
    ]) {
      expect(find(vs, id).verdict, id).toBe('PASS');
    }
    expect(find(vs, 'convergence/within-bound').evidence.observed).toContain('from round 2');
  });

  it('one node differing fails identical-state and names the node', () => {
    const v = find(
      checkHistory(spread({ spreadAt: 2, last: 12, skip: ['c'] }).finish()),
      'convergence/identical-state',
    );
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.observed).toContain('c');
    expect(v.evidence.observed).not.toMatch(/\b[abd]\b/);
    expect(v.evidence.details.join('\n')).toContain('c k: (absent), majority v1 v1@a');
  });

  it('a differing node in a run too short for the bound is not judged', () => {
    const v = find(
      checkHistory(spread({ spreadAt: 2, last: 5, skip: ['c'] }).finish()),
      'convergence/identical-state',
    );
    expect(v.verdict).toBe('INCONCLUSIVE');
    expect(v.evidence.details[0]).toContain('run too short');
  });

  it('an acknowledged update missing at live nodes fails no-lost-update', () => {
    const v = find(checkHistory(spread({ last: 12 }).finish()), 'convergence/no-lost-update');
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details[0]).toContain(
      'k v1@a (acked by a in round 1) missing at b, c, d; held at the end by a',
    );
  });

  it('an ack never held by anyone, without crashes, is lost; the acking node is not called a holder', () => {
    const h = new HistoryBuilder({ nodes, rounds: 12 });
    h.round(1).update('a', 'k', 'v1', v1).round(12);
    const v = find(checkHistory(h.finish()), 'convergence/no-lost-update');
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.observed).toBe('1 acknowledged update missing at live nodes');
    expect(v.evidence.details[0]).toBe(
      'k v1@a (acked by a in round 1) missing at a, b, c, d; no live node holds it at the end',
    );
  });

  const wiped = (durable: boolean) => {
    const h = spread({ last: 2 });
    h.crash('a').round(3).restart('a', durable);
    if (!durable) h.read('a', []);
    h.round(15);
    return checkHistory(h.finish());
  };

  it('an ack lost only to a non-durable restart of its only holder is excused', () => {
    const vs = wiped(false);
    const v = find(vs, 'convergence/no-lost-update');
    // Its only ack excused, the check judged nothing: never a PASS.
    expect(v.verdict).toBe('INCONCLUSIVE');
    expect(v.judged).toBe(0);
    expect(v.evidence.details[0]).toMatch(/^excused k v1@a/);
    // a's only read before the wipe had nothing to compare against.
    expect(find(vs, 'convergence/monotonic-versions').verdict).toBe('INCONCLUSIVE');
  });

  it('the same ack after a durable restart is not excused', () => {
    // a kept k; b, c, d never got it.
    const v = find(wiped(true), 'convergence/no-lost-update');
    expect(v.verdict).toBe('FAIL');
  });

  it('a version going backwards fails monotonic-versions', () => {
    const h = spread({ spreadAt: 2, last: 12 });
    h.round(3)
      .read('b', [entry('k', 'v2', 2, 'a')])
      .round(4)
      .read('b', [k1]);
    const v = find(checkHistory(h.finish()), 'convergence/monotonic-versions');
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details).toEqual(['b k: v2@a at round 3 -> v1@a at round 4']);
  });

  it('a durable restart keeps the baseline; a non-durable one resets it', () => {
    const run = (durable: boolean) => {
      const h = spread({ spreadAt: 2, last: 12 });
      h.round(3).crash('b').round(4).restart('b', durable).read('b', []);
      return find(checkHistory(h.finish()), 'convergence/monotonic-versions');
    };
    expect(run(true).verdict).toBe('FAIL');
    expect(run(true).evidence.details[0]).toContain('b k: v1@a at round 2 -> absent at round 4');
    expect(run(false).verdict).toBe('PASS');
  });

  it('convergence later than the bound fails within-bound with the bound in evidence', () => {
    const v = find(checkHistory(spread({ spreadAt: 15, last: 20 }).finish()), 'convergence/within-bound');
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.expected).toContain('ceil(3·log2 4) + 3 = 9');
    expect(v.evidence.observed).toContain('14 rounds after');
    // Identical from round 10: 9 rounds after the update, exactly the bound.
    const ok = find(checkHistory(spread({ spreadAt: 10, last: 20 }).finish()), 'convergence/within-bound');
    expect(ok.verdict).toBe('PASS');
  });

  it('a run that never converges fails within-bound', () => {
    const v = find(
      checkHistory(spread({ spreadAt: 2, last: 20, skip: ['d'] }).finish()),
      'convergence/within-bound',
    );
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.observed).toBe('never converged');
  });

  it('the last disturbance includes fault stops and restarts', () => {
    const h = spread({ spreadAt: 2, last: 5 });
    const fault: LinkFault = { kind: 'partition', shape: 'isolate', groups: [['d'], ['a', 'b', 'c']] };
    const cut: [string, string][] = ['a', 'b', 'c'].flatMap((x) => [
      [x, 'd'] as [string, string],
      ['d', x] as [string, string],
    ]);
    h.fault('start', fault, cut);
    // The cut dropped something: a cut that touched nothing leaves the case not judged (checks/fault-evidence.ts).
    const id = h.send('a', 'd', 'push', ['k'], { deliver: false });
    h.events.push({ t: 'drop', r: h.r, id, reason: 'partition' });
    h.round(8).fault('stop', fault, cut).round(12).read('d', []).round(14).read('d', [k1]);
    h.round(25);
    const v = find(checkHistory(h.finish()), 'convergence/within-bound');
    expect(v.verdict).toBe('PASS');
    expect(v.evidence.details[0]).toBe('last disturbance: round 8, partition isolate stopped');
    expect(v.evidence.observed).toContain('from round 14 on: 6 rounds');
  });

  it('a partition that never heals is not judged', () => {
    const h = spread({ spreadAt: 2, last: 2, skip: ['d'] });
    h.fault('start', { kind: 'partition', shape: 'isolate', groups: [['d'], ['a', 'b', 'c']] }).round(20);
    const vs = checkHistory(h.finish());
    expect(find(vs, 'convergence/identical-state').verdict).toBe('INCONCLUSIVE');
    expect(find(vs, 'convergence/within-bound').verdict).toBe('INCONCLUSIVE');
  });
});
