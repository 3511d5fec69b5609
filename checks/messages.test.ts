import { describe, expect, it } from 'vitest';
import { checkHistory } from './index.js';
import { entry, HistoryBuilder } from './testing/builder.js';
import type { Verdict } from './verdict.js';

const nodes = ['a', 'b', 'c', 'd'];

function find(vs: Verdict[], id: string): Verdict {
  const v = vs.find((x) => x.id === id);
  if (!v) throw new Error(`no verdict ${id} in ${vs.map((x) => x.id).join(', ')}`);
  return v;
}

function directMail(targets: string[]) {
  const h = new HistoryBuilder({ nodes, rounds: 3, params: { variant: 'direct-mail' } });
  h.round(1).update('a', 'k', 'v1', { counter: 1, origin: 'a' });
  for (const t of targets) h.send('a', t, 'mail', ['k']);
  h.tick()
    .readAll(nodes, [entry('k', 'v1', 1, 'a')])
    .round(3);
  return checkHistory(h.finish());
}

describe('message bounds', () => {
  it('direct mail to each peer once passes', () => {
    const vs = directMail(['b', 'c', 'd']);
    expect(find(vs, 'bounds/direct-mail').verdict).toBe('PASS');
    expect(find(vs, 'convergence/within-bound').verdict).toBe('PASS');
    const m = find(vs, 'bounds/messages-per-update');
    expect(m.verdict).toBe('INFO');
    expect(m.evidence.details).toEqual(['mail: 3 sends (3.0 per update), 30 bytes']);
  });

  it('direct mail over n-1 fails', () => {
    const v = find(directMail(['b', 'c', 'd', 'b']), 'bounds/direct-mail');
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details).toEqual(['round 1 key k: 4 sends carrying it for 1 update(s), allowed 3']);
  });

  function ticks(initiated: string[]) {
    const h = new HistoryBuilder({
      nodes,
      rounds: 3,
      params: { variant: 'anti-entropy-push-pull', fanout: 1 },
    });
    h.round(1).tick();
    // As the runner records them: the tick's sends (hop 0), then deliveries and replies (hop 1).
    const ids = initiated.map((to) => h.send('a', to, 'digest', [], { deliver: false }));
    for (const id of ids) h.deliver(id);
    // Replies after the first deliver are not initiated by the tick.
    h.send('b', 'a', 'digest-reply', [], { hop: 1 });
    h.send('c', 'a', 'digest-reply', [], { hop: 1 });
    h.round(3);
    return find(checkHistory(h.finish()), 'bounds/fanout');
  }

  it('a node contacting more peers than the fanout fails', () => {
    expect(ticks(['b']).verdict).toBe('PASS');
    const v = ticks(['b', 'c']);
    expect(v.verdict).toBe('FAIL');
    expect(v.evidence.details).toEqual(['round 1 a -> b, c (2)']);
  });
});
