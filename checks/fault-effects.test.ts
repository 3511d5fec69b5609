// What each fault did, over hand-made histories: every effect is counted
// against the window and edges it happened on, and a fault that touched
// nothing is inert (total 0).
import { describe, expect, test } from 'vitest';
import type { LinkFault } from '../engine/faults/schedule.js';
import { effectLine, faultEffects } from './fault-effects.js';
import { entry, HistoryBuilder } from './testing/builder.js';

const nodes = ['n0', 'n1', 'n2'];
const cut: LinkFault = { kind: 'partition', shape: 'one-way', groups: [['n0'], ['n1']] };
const loss: LinkFault = { kind: 'loss', probability: 0.5, edges: { from: ['n0'], to: ['n1'] } };

describe('faultEffects', () => {
  test('a partition counts the drops on the edges it cuts, inside its window only', () => {
    const b = new HistoryBuilder({ nodes }).round(1);
    const early = b.send('n0', 'n1', 'push', [], { deliver: false });
    b.events.push({ t: 'drop', r: 1, id: early, reason: 'partition' });
    b.round(2).fault('start', cut, [['n0', 'n1']]);
    for (const to of ['n1', 'n1', 'n2']) {
      const id = b.send('n0', to, 'push', [], { deliver: to === 'n2' });
      if (to === 'n1') b.events.push({ t: 'drop', r: 2, id, reason: 'partition' });
    }
    b.round(3).fault('stop', cut, [['n0', 'n1']]);
    const [p] = faultEffects(b.finish());
    expect(p.window).toMatchObject({ kind: 'partition', from: 2, until: 3 });
    expect(p.counts).toEqual({ dropped: 2 });
    expect(effectLine(p)).toBe('partition one-way 2 dropped');
  });

  test('a cut of an edge that carried no traffic is inert', () => {
    const b = new HistoryBuilder({ nodes }).round(2).fault('start', cut, [['n0', 'n1']]);
    b.send('n1', 'n0', 'push');
    b.send('n2', 'n1', 'push');
    b.round(3).fault('stop', cut, [['n0', 'n1']]);
    const [p] = faultEffects(b.finish());
    expect(p.total).toBe(0);
    expect(effectLine(p)).toBe('partition one-way inert');
  });

  test('loss counts only drops on its edges; delay only envelopes held when sent on its edges', () => {
    const delay: LinkFault = { kind: 'delay', latency: 2, jitter: 0, edges: { to: ['n2'] } };
    const b = new HistoryBuilder({ nodes }).round(1).fault('start', loss).fault('start', delay);
    const lost = b.send('n0', 'n1', 'push', [], { deliver: false });
    b.events.push({ t: 'drop', r: 1, id: lost, reason: 'loss' });
    const other = b.send('n2', 'n0', 'push', [], { deliver: false });
    b.events.push({ t: 'drop', r: 1, id: other, reason: 'loss' }); // another fault's drop: not this loss's edge
    const held = b.send('n0', 'n2', 'push', [], { deliver: false });
    b.events.push({ t: 'delay', r: 1, id: held, until: 3 });
    b.round(3).deliver(held).fault('stop', loss).fault('stop', delay);
    const [l, d] = faultEffects(b.finish());
    expect(l.counts).toEqual({ dropped: 1 });
    expect(d.counts).toEqual({ delayed: 1 });
  });

  test('a delay covering no traffic is inert even when the hop limit or a pause held envelopes', () => {
    const delay: LinkFault = { kind: 'delay', latency: 1, jitter: 0, edges: { to: ['n2'] } };
    const b = new HistoryBuilder({ nodes }).round(1).fault('start', delay);
    const id = b.send('n0', 'n1', 'push', [], { deliver: false });
    b.events.push({ t: 'delay', r: 1, id, until: 2 }); // carried past the hop limit, not this delay's edge
    b.round(2).deliver(id).fault('stop', delay);
    expect(faultEffects(b.finish())[0].total).toBe(0);
  });

  test('duplicate and tamper count the copies they made of envelopes on their edges', () => {
    const dup: LinkFault = { kind: 'duplicate', probability: 0.5 };
    const tamper: LinkFault = { kind: 'tamper', probability: 1, how: { what: 'garbage', bytes: [1] } };
    const b = new HistoryBuilder({ nodes }).round(1).fault('start', dup).fault('start', tamper);
    const id = b.send('n0', 'n1', 'push', [], { deliver: false });
    b.events.push(
      { t: 'duplicate', r: 1, id: 100, of: id },
      { t: 'tamper', r: 1, id: 101, of: id, what: 'garbage' },
    );
    b.deliver(id).deliver(100);
    const [d, t] = faultEffects(b.finish());
    expect(d.counts).toEqual({ duplicated: 1 });
    expect(t.counts).toEqual({ tampered: 1 });
  });

  test('reorder counts envelopes handed to their destination before one sent to it earlier', () => {
    const reorder: LinkFault = { kind: 'reorder' };
    const inOrder = new HistoryBuilder({ nodes }).round(1).fault('start', reorder);
    const a = inOrder.send('n0', 'n2', 'push', [], { deliver: false });
    const c = inOrder.send('n1', 'n2', 'push', [], { deliver: false });
    inOrder.deliver(a).deliver(c);
    expect(faultEffects(inOrder.finish())[0].total).toBe(0);
    const swapped = new HistoryBuilder({ nodes }).round(1).fault('start', reorder);
    const x = swapped.send('n0', 'n2', 'push', [], { deliver: false });
    const y = swapped.send('n1', 'n2', 'push', [], { deliver: false });
    swapped.deliver(y).deliver(x);
    expect(faultEffects(swapped.finish())[0].counts).toEqual({ reordered: 1 });
  });

  test('a crash counts envelopes to the node dropped while it was down and the entries it held', () => {
    const b = new HistoryBuilder({ nodes }).round(1).read('n1', [entry('k', 'v', 1, 'n1')]);
    b.round(2).crash('n1');
    const id = b.send('n0', 'n1', 'push', [], { deliver: false });
    b.events.push({ t: 'drop', r: 2, id, reason: 'crashed' });
    b.round(4).restart('n1', false);
    const late = b.send('n0', 'n1', 'push', [], { deliver: false });
    b.events.push({ t: 'drop', r: 4, id: late, reason: 'crashed' }); // after the restart: not this crash's
    const [c] = faultEffects(b.finish());
    expect(c.window).toMatchObject({ kind: 'crash', node: 'n1', from: 2, until: 4 });
    expect(c.counts).toEqual({ dropped: 1, 'entries at stake': 1 });
  });

  test('a pause counts envelopes held for the node when their batch was taken', () => {
    const b = new HistoryBuilder({ nodes }).round(1);
    b.events.push({ t: 'pause', r: 1, node: 'n2', action: 'start' });
    const id = b.send('n0', 'n2', 'push', [], { deliver: false });
    b.events.push({ t: 'delay', r: 1, id, until: 3 });
    const idle = new HistoryBuilder({ nodes }).round(1);
    idle.events.push({ t: 'pause', r: 1, node: 'n2', action: 'start' });
    idle.send('n0', 'n1', 'push');
    for (const h of [b, idle]) h.round(3).events.push({ t: 'pause', r: 3, node: 'n2', action: 'stop' });
    expect(faultEffects(b.finish())[0].counts).toEqual({ held: 1 });
    expect(faultEffects(idle.finish())[0].total).toBe(0);
  });

  test('with the direct transport, a partition is credited with the packets iptables dropped on its edges', () => {
    const b = new HistoryBuilder({ nodes }).round(1).fault('start', cut, [['n0', 'n1']]);
    b.round(5).fault('stop', cut, [['n0', 'n1']]);
    b.events.push({
      t: 'counters',
      r: 6,
      passed: [['n0', 'n1', 40, 4000]],
      dropped: [
        ['n0', 'n1', 7, 700],
        ['n1', 'n2', 3, 300],
      ],
    });
    expect(faultEffects(b.finish())[0].counts).toEqual({ 'packets dropped': 7 });
  });
});
