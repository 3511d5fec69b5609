// Message bounds: traffic per update, direct mail's n-1, and fanout per round.
import type { NodeId, Variant } from '../proto/contract.js';
import { type CheckInfo, type Verdict, verdictOf } from './verdict.js';
import type { HistoryView } from './view.js';

export const MESSAGES_PER_UPDATE: CheckInfo = {
  id: 'bounds/messages-per-update',
  requirement: 'Envelopes sent per client update, in total and by kind.',
  level: 'INFO',
  source: 'measured (Demers et al. 1987 compare variants by traffic per update)',
};

export const DIRECT_MAIL: CheckInfo = {
  id: 'bounds/direct-mail',
  requirement:
    'Direct mail MUST send each update at most once to each other node: <= n-1 envelopes carrying it.',
  level: 'MUST',
  source: 'Demers et al. 1987 §1.1: direct mail sends one message per update to every other site (n-1)',
};

export const FANOUT: CheckInfo = {
  id: 'bounds/fanout',
  requirement:
    'In each round a node MUST initiate exchanges with at most `fanout` distinct peers (hybrid: fanout + 1 for the anti-entropy exchange).',
  level: 'MUST',
  source: 'declared parameter fanout (Init Parameters)',
};

export function checkMessagesPerUpdate(v: HistoryView): Verdict {
  const u = v.updates.length;
  const byKind = new Map<string, { count: number; bytes: number }>();
  for (const s of v.sends) {
    const k = byKind.get(s.kind || '(no kind)') ?? { count: 0, bytes: 0 };
    k.count++;
    k.bytes += s.bytes;
    byKind.set(s.kind || '(no kind)', k);
  }
  const per = (x: number) => (u ? (x / u).toFixed(1) : 'n/a');
  const bytes = v.sends.reduce((a, s) => a + s.bytes, 0);
  const carrying = v.sends.filter((s) => s.keys.length > 0).length;
  return verdictOf(
    MESSAGES_PER_UPDATE,
    true,
    {
      expected: `measurement over ${u} updates, n = ${v.n}`,
      observed: `${v.sends.length} sends (${per(v.sends.length)} per update, ${per(bytes)} bytes per update); ${carrying} carried entries (${per(carrying)} per update)`,
      details: [...byKind.entries()]
        .sort((a, b) => b[1].count - a[1].count)
        .map(([kind, k]) => `${kind}: ${k.count} sends (${per(k.count)} per update), ${k.bytes} bytes`),
    },
    v.sends.length,
  );
}

/**
 * Direct mail sends at update time only: in round r, the envelopes carrying key
 * k number at most (n-1)·(updates of k in round r).
 */
export function checkDirectMail(v: HistoryView): Verdict {
  const allowed = new Map<string, number>();
  const seen = new Map<string, number>();
  const id = (r: number, k: string) => `${r}\u0000${k}`;
  for (const u of v.updates) allowed.set(id(u.r, u.key), (allowed.get(id(u.r, u.key)) ?? 0) + (v.n - 1));
  for (const s of v.sends) for (const k of s.keys) seen.set(id(s.r, k), (seen.get(id(s.r, k)) ?? 0) + 1);
  const over: string[] = [];
  let max = 0;
  for (const [key, count] of seen) {
    const [r, k] = key.split('\u0000');
    const cap = allowed.get(key) ?? 0;
    const updates = cap / Math.max(1, v.n - 1);
    max = Math.max(max, updates ? count / updates : count);
    if (count > cap)
      over.push(`round ${r} key ${k}: ${count} sends carrying it for ${updates} update(s), allowed ${cap}`);
  }
  return verdictOf(
    DIRECT_MAIL,
    over.length === 0,
    {
      expected: `<= n-1 = ${v.n - 1} envelopes carrying a key per update of it, in the update's round`,
      observed: over.length
        ? `${over.length} (round, key) pairs over the bound`
        : `at most ${max} sends per update`,
      details: over,
    },
    [...seen.values()].reduce((a, c) => a + c, 0),
  );
}

/** Distinct peers a node may contact per round (gossip period): fanout, hybrid one more for anti-entropy. */
export function fanoutPerPeriod(variant: Variant, fanout: number): number {
  return variant === 'hybrid' ? fanout + 1 : fanout;
}

/** Sends between a 'tick' and the round's first 'deliver' are the ones the Tick initiated. */
export function checkFanout(v: HistoryView): Verdict {
  const fanout = v.params!.fanout;
  const limit = fanoutPerPeriod(v.variant!, fanout);
  const peers = new Map<string, { r: number; from: NodeId; to: Set<NodeId> }>();
  for (const s of v.initiated) {
    const key = `${s.r}\u0000${s.from}`;
    const p = peers.get(key) ?? { r: s.r, from: s.from, to: new Set<NodeId>() };
    p.to.add(s.to);
    peers.set(key, p);
  }
  const over = [...peers.values()].filter((p) => p.to.size > limit);
  const max = [...peers.values()].reduce((m, p) => Math.max(m, p.to.size), 0);
  return verdictOf(
    {
      ...FANOUT,
      source: `declared parameter fanout = ${fanout}${v.variant === 'hybrid' ? ' (+1 anti-entropy)' : ''}`,
    },
    over.length === 0,
    {
      expected: `<= ${limit} distinct peers per node per round`,
      observed: over.length
        ? `${over.length} (round, node) pairs over the bound; max ${max}`
        : `max ${max} distinct peers over ${v.initiated.length} initiated sends`,
      details: over.map((p) => `round ${p.r} ${p.from} -> ${[...p.to].join(', ')} (${p.to.size})`),
    },
    peers.size,
  );
}
