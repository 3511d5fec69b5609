// proto/round.ts held to docs/implementers-guide.md ("Playing rounds
// yourself"): the guide's table of the ways a round ends is read from the
// page, each row is played on playRound with an endpoint scripted to end the
// round that way, and what the page says (Read called, later rounds played,
// what is carried) must be what happened. A row added to the page without a
// scenario here, or a scenario the page lost, fails too.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Envelope, GossipEndpoint, NodeId, RoundResult, Snapshot } from './contract.js';
import { playRound, SnapshotMemory, withRounds } from './round.js';

const env = (from: NodeId, to: NodeId, tag: string): Envelope => ({
  from,
  to,
  payload: new TextEncoder().encode(tag),
  kind: 'digest',
  keys: [],
});
const tagOf = (e: Envelope) => new TextDecoder().decode(e.payload);
const snap = (node: NodeId, value = 'a'): Snapshot => ({
  node,
  entries: [{ key: 'k', value, version: { counter: 1, origin: node } }],
  estimate: 0,
  sum: 0,
  weight: 0,
  members: [],
});

/** What a scripted round does: each call's answer, or a throw, by round (0, 1) and hop. */
interface Script {
  tick?: (round: number) => Envelope[];
  deliver?: (round: number, hop: number, batch: Envelope[]) => Envelope[];
  read?: (round: number) => Snapshot[];
}

/** An endpoint whose Tick, Deliver and Read follow `script`, logging every call. */
function scripted(script: Script) {
  const log: { call: string; round: number; batch?: string[] }[] = [];
  let round = -1;
  let hop = 0;
  const endpoint: GossipEndpoint = {
    init: () => Promise.resolve({ capabilities: {} as never }),
    tick: async () => {
      round++;
      hop = 0;
      log.push({ call: 'tick', round });
      return script.tick ? script.tick(round) : [env('n0', 'n1', `t${round}`)];
    },
    deliver: async (batch) => {
      hop++;
      log.push({ call: 'deliver', round, batch: batch.map(tagOf) });
      return script.deliver ? script.deliver(round, hop, batch) : [];
    },
    update: () => Promise.reject(new Error('no writes in a Round')),
    read: async (nodes) => {
      log.push({ call: 'read', round });
      return script.read ? script.read(round) : nodes.map((n) => snap(n));
    },
    stop: () => Promise.resolve([]),
    close: () => Promise.resolve(),
  };
  return { endpoint, log };
}

const fails = (what: string) => () => {
  throw new Error(`${what} failed`);
};

/** Each row of the guide's table, as a script; hop_limit 2, two rounds of cap 3. */
const SCENARIOS: Record<string, Script> = {
  'tick-fails': { tick: fails('Tick') },
  'tick-overflows': { tick: () => ['a', 'b', 'c', 'd'].map((t) => env('n0', 'n1', t)) },
  'hop-overflows': { deliver: () => ['r1', 'r2', 'r3'].map((t) => env('n1', 'n0', t)) },
  'deliver-fails': { deliver: fails('Deliver') },
  'cascade-ends': {},
  'hop-limit-reached': { deliver: (round, hop) => [env('n1', 'n0', `r${round}.${hop}`)] },
  'read-fails': { read: fails('Read') },
};

interface Row {
  tag: string;
  holds: string;
  read: string;
  later: string;
}

function guideRows(): Row[] {
  const page = readFileSync('docs/implementers-guide.md', 'utf8');
  const at = page.indexOf('| case ');
  expect(at, 'the guide has the table of the ways a round ends').toBeGreaterThan(0);
  const lines = page.slice(at).split('\n');
  const rows: Row[] = [];
  for (const line of lines.slice(2)) {
    if (!line.startsWith('|')) break;
    const [tag, holds, read, later] = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    rows.push({ tag, holds, read, later });
  }
  return rows;
}

async function play(
  script: Script,
): Promise<{ played: RoundResult; log: ReturnType<typeof scripted>['log'] }> {
  const { endpoint, log } = scripted(script);
  const played = await playRound(
    endpoint,
    { nodes: ['n0', 'n1'], due: [], hopLimit: 2, maxEnvelopes: [3, 3], onlyChanged: false },
    new SnapshotMemory(),
  );
  return { played, log };
}

describe('proto/round.ts plays every way a round ends as docs/implementers-guide.md says', () => {
  const rows = guideRows();

  test('the table and the scenarios name the same cases', () => {
    expect(rows.map((r) => r.tag).sort()).toEqual(Object.keys(SCENARIOS).sort());
  });

  for (const row of rows) {
    test(row.tag, async () => {
      const script = SCENARIOS[row.tag];
      expect(script, `a scenario for ${row.tag}`).toBeDefined();
      const { played, log } = await play(script);
      const round0 = log.filter((c) => c.round === 0).map((c) => c.call);
      expect(round0.includes('read') ? 'yes' : 'no', `${row.tag}: Read`).toBe(row.read);
      expect(played.length === 2 ? 'played' : 'not played', `${row.tag}: later rounds`).toBe(
        row.later.split(';')[0],
      );
      // What carrying means, where the page says: the first batch of round 1 opens with it, or not.
      const round1First = log.find((c) => c.round === 1 && c.call === 'deliver')?.batch;
      if (row.later.includes('nothing carried')) expect(round1First).toEqual(['t1']);
      if (row.later.includes('ahead of the next Tick')) expect(round1First).toEqual(['r0.2', 't1']);
      // What the round holds, per case (the page's words, checked by hand).
      const r = played[0];
      if (row.holds.startsWith('`tick_error` only')) {
        expect(r.tickError?.message).toBe('Tick failed');
        expect([r.ticked, r.hops, r.snapshots]).toEqual([[], [], []]);
      }
      if (row.holds === '`ticked` only') expect([r.ticked.length, r.hops, r.snapshots]).toEqual([4, [], []]);
      if (row.tag === 'hop-overflows') expect([r.hops.length, r.hops[0].envelopes.length]).toEqual([1, 3]);
      if (row.tag === 'deliver-fails') {
        expect(r.hops).toHaveLength(1);
        expect([r.hops[0].delivered, r.hops[0].error?.message]).toEqual([1, 'Deliver failed']);
      }
      if (row.tag === 'hop-limit-reached') expect(r.hops).toHaveLength(2);
      if (row.holds.includes('`read_error`')) expect(r.readError?.message).toBe('Read failed');
      if (row.holds.includes('its snapshots')) expect(r.snapshots.map((s) => s.node)).toEqual(['n0', 'n1']);
    });
  }

  test('a hop delivers only envelopes addressed to the round nodes, in order; the rest is dropped', async () => {
    // Three sent: within the cap of 3.
    const { log } = await play({
      tick: (round) =>
        round === 0 ? [env('n0', 'n9', 'gone'), env('n0', 'n1', 'x'), env('n1', 'n0', 'y')] : [],
    });
    expect(log.find((c) => c.call === 'deliver')?.batch).toEqual(['x', 'y']);
  });
});

describe('only_changed: the memory is the Session stream own', () => {
  test('a Read remembers, an equal snapshot is left out, a changed one is sent, an Init forgets', async () => {
    let value = 'a';
    const { endpoint } = scripted({ read: () => [snap('n0', value), snap('n1')] });
    const session = withRounds(endpoint);
    const call = { nodes: ['n0', 'n1'], due: [], hopLimit: 2, maxEnvelopes: [8], onlyChanged: true };
    await session.read(['n0', 'n1']);
    expect((await session.round(call))[0].snapshots).toEqual([]);
    value = 'b';
    expect((await session.round(call))[0].snapshots.map((s) => s.node)).toEqual(['n0']);
    await session.init([{ id: 'n1' } as never], {} as never, 'lockstep');
    expect((await session.round(call))[0].snapshots.map((s) => s.node)).toEqual(['n1']);
    // Another stream starts with nothing remembered.
    const other = withRounds(endpoint);
    expect((await other.round(call))[0].snapshots.map((s) => s.node)).toEqual(['n0', 'n1']);
  });
});
