// Contract rules about what Read reports: snapshots sorted by key, and a
// durable restart that comes back with the store it had. Convergence alone
// cannot judge the second: anti-entropy from peers repairs a node that
// recovered too little, so its first Read is judged against its crash.

import { orderProblem } from '../engine/history/snapshot-order.js';
import { compareVersions, type NodeId, type Version } from '../proto/contract.js';
import { count } from '../shared/plural.js';
import { CONTRACT, MAX_SHOWN } from './contract.js';
import { at } from './run.js';
import { type CheckInfo, notJudged, type Verdict, verdictOf } from './verdict.js';
import { fmtVersion, type HistoryView, versionOf } from './view.js';

export const READ_SORTED: CheckInfo = {
  id: 'contract/read-sorted',
  requirement:
    'Every snapshot Read returns MUST list its entries sorted by key, each key once (and a membership node its members and its view sorted by member id), in code-unit order.',
  level: 'MUST',
  source: `${CONTRACT}: Snapshot.entries ("Entries sorted by key"), Snapshot.members, Snapshot.member_view`,
};

export const DURABLE_RESTART: CheckInfo = {
  id: 'contract/durable-restart',
  requirement:
    'A node restarted with restore_durable MUST come back with the store it kept through the crash: its first Read after the restart holds every key it held when it crashed (its last Read before the crash, and every write it acknowledged since), at that version or newer.',
  level: 'MUST',
  source: `${CONTRACT}: NodeInit.restore_durable, StopMode.CRASH, Capabilities.durable_restart`,
};

/**
 * Each read as the node sent it: the runner's `unsorted` note (it records
 * entries sorted), else the recorded order itself (a history from elsewhere).
 */
export function checkReadSorted(v: HistoryView): Verdict {
  const bad: string[] = [];
  let judged = 0;
  for (const e of v.events) {
    if (e.t !== 'read') continue;
    const members = e.members ?? [];
    if (e.entries.length < 2 && members.length < 2 && !e.unsorted) continue;
    judged++;
    const problem =
      e.unsorted ??
      orderProblem(e.entries.map((x) => x[0])) ??
      (members.length > 1 ? orderProblem(members.map((m) => m[0])) : undefined);
    if (problem) bad.push(`${at(v, e.r)} Read of ${e.node}: ${problem}`);
  }
  return verdictOf(
    READ_SORTED,
    bad.length === 0,
    {
      expected: 'every snapshot sorted by key, each key once',
      observed: bad.length
        ? `${bad.length} of ${judged} snapshots out of order`
        : `${judged} snapshots of 2 or more entries, all sorted`,
      details: bad.slice(0, MAX_SHOWN),
    },
    judged,
  );
}

type Step =
  | { at: number; t: 'read'; r: number; entries: Map<string, Version> }
  | { at: number; t: 'ack'; key: string; version: Version }
  | { at: number; t: 'crash' }
  | { at: number; t: 'restart'; r: number; durable: boolean }
  | { at: number; t: 'deliver'; keys: readonly string[] };

/** Per node, its reads, acks, crashes, restarts and the keys delivered to it, in history order. */
function stepsByNode(v: HistoryView): Map<NodeId, Step[]> {
  const steps = new Map<NodeId, Step[]>();
  const add = (node: NodeId, s: Step) => {
    const list = steps.get(node) ?? [];
    list.push(s);
    steps.set(node, list);
  };
  const sendById = new Map<number, { to: NodeId; keys: readonly string[] }>();
  const origin = new Map<number, number>();
  v.events.forEach((e, i) => {
    if (e.t === 'read')
      add(e.node, { at: i, t: 'read', r: e.r, entries: new Map(e.entries.map((x) => [x[0], versionOf(x)])) });
    else if (e.t === 'ack') add(e.node, { at: i, t: 'ack', key: e.key, version: e.version });
    else if (e.t === 'crash') add(e.node, { at: i, t: 'crash' });
    else if (e.t === 'restart') add(e.node, { at: i, t: 'restart', r: e.r, durable: e.durable });
    else if (e.t === 'send') sendById.set(e.id, { to: e.to, keys: e.keys });
    else if (e.t === 'duplicate') origin.set(e.id, e.of);
    else if (e.t === 'deliver') {
      const s = sendById.get(origin.get(e.id) ?? e.id);
      if (s && s.keys.length > 0) add(s.to, { at: i, t: 'deliver', keys: s.keys });
    }
  });
  return steps;
}

/**
 * Held at the crash: the node's last read, raised by every write it acked
 * after that read. The first read after a durable restart must hold each of
 * those keys at that version or newer. A key a delivered envelope declared
 * in between may have come from a peer, not the disk: a shortfall there still
 * fails, but a pass there proves nothing, so it is not counted as judged.
 */
export function checkDurableRestart(v: HistoryView): Verdict {
  const restarts = v.restarts.filter((r) => r.durable).length;
  if (restarts === 0)
    return notJudged(DURABLE_RESTART, {
      expected: 'a durable restart to judge',
      observed: 'no restart with restore_durable in this run',
      details: [],
    });
  const bad: string[] = [];
  let judged = 0;
  for (const [node, steps] of stepsByNode(v)) {
    let held = new Map<string, Version>();
    let atCrash: Map<string, Version> | undefined;
    /** Set from a durable restart to the node's next read. */
    let expecting: { r: number; held: Map<string, Version>; delivered: Set<string> } | undefined;
    for (const s of steps) {
      if (s.t === 'ack') {
        const was = held.get(s.key);
        if (!was || compareVersions(s.version, was) > 0) held.set(s.key, s.version);
      } else if (s.t === 'crash') atCrash = new Map(held);
      else if (s.t === 'restart') {
        expecting = s.durable && atCrash ? { r: s.r, held: atCrash, delivered: new Set() } : undefined;
        held = s.durable && atCrash ? new Map(atCrash) : new Map();
        atCrash = undefined;
      } else if (s.t === 'deliver') {
        if (expecting) for (const k of s.keys) expecting.delivered.add(k);
      } else {
        if (expecting) {
          for (const [key, want] of expecting.held) {
            const got = s.entries.get(key);
            if (!expecting.delivered.has(key)) judged++;
            if (!got || compareVersions(got, want) < 0)
              bad.push(
                `${node} restarted durable at ${at(v, expecting.r)}, first Read at ${at(v, s.r)}: ${key} ${got ? `at v${fmtVersion(got)}` : 'missing'}, held v${fmtVersion(want)} when it crashed`,
              );
          }
          expecting = undefined;
        }
        held = new Map(s.entries);
      }
    }
  }
  return verdictOf(
    DURABLE_RESTART,
    bad.length === 0,
    {
      expected: 'the first Read after each durable restart holds what the node held when it crashed',
      observed: bad.length
        ? `${count(bad.length, 'key')} recovered too little (${count(restarts, 'durable restart')})`
        : `${judged} keys held at a crash, each back at the first Read after the restart (${restarts} durable restarts)`,
      details: bad.slice(0, MAX_SHOWN),
    },
    judged,
  );
}
