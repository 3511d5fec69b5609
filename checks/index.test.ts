import { describe, expect, it } from 'vitest';
import { CHECKS, checkHistory, contractBreaches, ridingAlong } from './index.js';
import { entry, HistoryBuilder } from './testing/builder.js';
import { buildView } from './view.js';

const nodes = ['a', 'b', 'c', 'd'];

function good(opts: { variants?: ('anti-entropy-push-pull' | 'direct-mail')[] } = {}) {
  const h = new HistoryBuilder({
    nodes,
    rounds: 12,
    capabilities: opts.variants ? { variants: opts.variants } : {},
  });
  h.round(1).update('a', 'k', 'v1', { counter: 1, origin: 'a' }).tick();
  // The value travels a -> b -> c -> d, each hop a delivered envelope that declares its key.
  h.send('a', 'b', 'entries', ['k']);
  h.send('b', 'c', 'entries', ['k'], { hop: 1 });
  h.send('c', 'd', 'entries', ['k'], { hop: 2 });
  h.readAll(nodes, [entry('k', 'v1', 1, 'a')]).round(12);
  return h;
}

describe('checkHistory', () => {
  it('runs every applicable case in a stable order', () => {
    const vs = checkHistory(good().finish());
    expect(vs.map((v) => v.id)).toEqual([
      'run/completed',
      'convergence/identical-state',
      'convergence/no-lost-update',
      'convergence/monotonic-versions',
      'convergence/within-bound',
      'bounds/messages-per-update',
      'bounds/fanout',
      'contract/envelope-kind',
      'contract/declared-keys',
      'contract/addressing',
      'contract/unique-versions',
      'contract/payload-size',
      'contract/read-sorted',
      'contract/durable-restart',
    ]);
    expect(vs.map((v) => v.verdict)).toEqual([
      ...['PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'INFO'],
      ...['PASS', 'PASS', 'PASS', 'PASS', 'PASS', 'PASS'],
      // No snapshot of two entries to order, no durable restart: nothing to judge.
      ...['INCONCLUSIVE', 'INCONCLUSIVE'],
    ]);
    for (const v of vs) {
      expect(v.requirement.length).toBeGreaterThan(10);
      expect(v.source.length).toBeGreaterThan(5);
      expect(v.evidence.details.length).toBeLessThanOrEqual(10);
    }
  });

  it('an aborted run fails run/completed with the error and checks safety only', () => {
    const h = good();
    h.error('tick', 'deadline exceeded after 5000 ms');
    const vs = checkHistory(h.finish('aborted'));
    const run = vs[0];
    expect(run.id).toBe('run/completed');
    expect(run.verdict).toBe('FAIL');
    expect(run.evidence.observed).toBe('aborted at round 12: deadline exceeded after 5000 ms');
    expect(run.evidence.details).toEqual(['round 12 tick(): deadline exceeded after 5000 ms']);
    expect(vs.map((v) => v.id)).toEqual([
      'run/completed',
      'convergence/monotonic-versions',
      'bounds/messages-per-update',
      'bounds/fanout',
      'contract/envelope-kind',
      'contract/declared-keys',
      'contract/addressing',
      'contract/unique-versions',
      'contract/payload-size',
      'contract/read-sorted',
      'contract/durable-restart',
    ]);
  });

  it('a history without an end event fails run/completed', () => {
    const events = good().finish();
    events.pop();
    expect(checkHistory(events)[0].verdict).toBe('FAIL');
  });

  it('an undeclared variant gives one UNSUPPORTED verdict per applicable case', () => {
    const vs = checkHistory(good({ variants: ['direct-mail'] }).finish());
    expect(vs.slice(1).map((v) => [v.id, v.verdict])).toEqual([
      ['convergence/identical-state', 'UNSUPPORTED'],
      ['convergence/no-lost-update', 'UNSUPPORTED'],
      ['convergence/monotonic-versions', 'UNSUPPORTED'],
      ['convergence/within-bound', 'UNSUPPORTED'],
      ['bounds/messages-per-update', 'UNSUPPORTED'],
      ['bounds/fanout', 'UNSUPPORTED'],
      ['contract/envelope-kind', 'UNSUPPORTED'],
      ['contract/declared-keys', 'UNSUPPORTED'],
      ['contract/addressing', 'UNSUPPORTED'],
      ['contract/unique-versions', 'UNSUPPORTED'],
      ['contract/payload-size', 'UNSUPPORTED'],
      ['contract/read-sorted', 'UNSUPPORTED'],
      ['contract/durable-restart', 'UNSUPPORTED'],
    ]);
    expect(vs[1].evidence.observed).toContain('anti-entropy-push-pull not declared');
  });
});

describe('the contract rides along', () => {
  it('every contract/* case but exchange-direction rides along; no other case does', () => {
    expect(CHECKS.filter((c) => c.ridesAlong).map((c) => c.info.id)).toEqual([
      'contract/envelope-kind',
      'contract/declared-keys',
      'contract/addressing',
      'contract/unique-versions',
      'contract/payload-size',
      'contract/read-sorted',
      'contract/durable-restart',
    ]);
  });

  it('a well-behaved history breaks no clause', () => {
    expect(contractBreaches(good().finish())).toEqual([]);
  });

  it('an envelope to an unknown id breaks contract/addressing, named with the envelope', () => {
    const h = good();
    h.round(2).tick();
    h.send('a', 'ghost', 'digest');
    const breaches = contractBreaches(h.round(12).finish());
    expect(breaches.map((b) => [b.id, b.verdict])).toEqual([['contract/addressing', 'FAIL']]);
    expect(breaches[0].evidence.details).toEqual(['round 2 hop 0 a -> ghost: to an unknown node "ghost"']);
  });

  it('envelopes with no metadata break envelope-kind and declared-keys', () => {
    const h = new HistoryBuilder({ nodes, rounds: 12 });
    h.round(1).update('a', 'k', 'v1', { counter: 1, origin: 'a' }).tick();
    h.send('a', 'b', '', []);
    h.read('b', [entry('k', 'v1', 1, 'a')]).round(12);
    expect(contractBreaches(h.finish()).map((b) => b.id)).toEqual([
      'contract/envelope-kind',
      'contract/declared-keys',
    ]);
  });

  it('a clause the case judged itself is left to it', () => {
    const h = good();
    h.round(2).tick();
    h.send('a', 'ghost', 'digest');
    expect(contractBreaches(h.round(12).finish(), new Set(['contract/addressing']))).toEqual([]);
  });

  it('nothing rides along when the IUT did not declare what the run needs (UNSUPPORTED, not failed)', () => {
    const h = good({ variants: ['direct-mail'] });
    h.round(2).tick();
    h.send('a', 'ghost', 'digest');
    const events = h.round(12).finish();
    expect(ridingAlong(buildView(events))).toEqual([]);
    expect(contractBreaches(events)).toEqual([]);
  });
});
