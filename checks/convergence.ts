// Convergence of replicated key/value state (every variant but push-sum):
// identical final state, no lost acknowledged update, versions never going
// backwards, and convergence within an O(log n) bound after the last disturbance.

import type { ReadEntry } from '../engine/history/events.js';
import { compareVersions, type NodeId, RUMOR_VARIANTS, type Version } from '../proto/contract.js';
import { count } from '../shared/plural.js';
import { type Bound, convergenceBound } from './bounds.js';
import { type CheckInfo, notJudged, type Verdict, verdictOf } from './verdict.js';
import {
  entryMap,
  fmtEntry,
  fmtVersion,
  type HistoryView,
  holdsAtLeast,
  stateKey,
  versionOf,
} from './view.js';

export const IDENTICAL_STATE: CheckInfo = {
  id: 'convergence/identical-state',
  requirement:
    'After faults heal and writes stop, all live nodes MUST end with identical entries (key, value, version).',
  level: 'MUST',
  source:
    'Demers et al. 1987 §1.3: anti-entropy is a simple epidemic, every site eventually holds every update',
};

export const NO_LOST_UPDATE: CheckInfo = {
  id: 'convergence/no-lost-update',
  requirement:
    'Every acknowledged update (key, version) MUST be present at every live node at a version >= the acknowledged one, unless every node that held it lost it to a non-durable restart or a crash.',
  level: 'MUST',
  source:
    'GossipNode contract (proto/gossipcheck/v1/gossip.proto UpdateResponse, Version): an acknowledged write is kept, ordered last-writer-wins by compareVersions',
};

export const MONOTONIC_VERSIONS: CheckInfo = {
  id: 'convergence/monotonic-versions',
  requirement:
    "A node's version of a key MUST never go backwards between successive reads (a non-durable restart starts a new baseline).",
  level: 'MUST',
  source:
    'GossipNode contract (proto/gossipcheck/v1/gossip.proto Version): last-writer-wins, so a node replaces a version only by a greater one (compareVersions)',
};

export const WITHIN_BOUND: CheckInfo = {
  id: 'convergence/within-bound',
  requirement:
    'All live nodes MUST hold identical state within B(n) rounds of the last disturbance (update, fault stop, crash, restart, pause stop) and keep it to the end.',
  level: 'MUST',
  source: 'see bound',
};

/** Why a liveness property cannot be held against this history, if it cannot. */
function livenessExcuse(v: HistoryView, bound: Bound | undefined): string | undefined {
  if (v.variant && RUMOR_VARIANTS.includes(v.variant)) {
    return `pure rumor mongering (${v.variant}) may leave residue (Demers et al. 1987 §1.4); see sir/residue`;
  }
  if (v.unhealed.length) return `faults never healed: ${v.unhealed.join('; ')}`;
  if (bound && v.lastRound - v.lastDisturbance.round < bound.rounds) {
    return `run too short: ${v.lastRound - v.lastDisturbance.round} rounds after the last disturbance (${v.lastDisturbance.what}, round ${v.lastDisturbance.round}) < bound ${bound.rounds}`;
  }
  return undefined;
}

function finalEntries(v: HistoryView, node: NodeId): ReadEntry[] {
  return v.lastRead.get(node)?.entries ?? [];
}

/** Every key some live node holds at the end: what identical state and convergence are judged on. */
function heldKeys(v: HistoryView): Set<string> {
  return new Set(v.live.flatMap((n) => finalEntries(v, n).map((e) => e[0])));
}

export function checkIdenticalState(v: HistoryView): Verdict {
  const groups = new Map<string, NodeId[]>();
  for (const node of v.live) {
    const k = stateKey(finalEntries(v, node));
    groups.set(k, [...(groups.get(k) ?? []), node]);
  }
  const ranked = [...groups.entries()].sort((a, b) => b[1].length - a[1].length);
  const ok = ranked.length <= 1;
  const details: string[] = [];
  const missingFinal = v.live.filter((n) => !v.lastRead.get(n)?.final);
  if (missingFinal.length) details.push(`no final read for: ${missingFinal.join(', ')}`);
  /** The first key a differing node holds otherwise: what the report's figure plots. */
  let firstDiff: string | undefined;
  let observed = `${count(v.live.length, 'live node')} hold identical entries (${count(ranked[0] ? finalEntries(v, ranked[0][1][0]).length : 0, 'key')})`;
  if (!ok) {
    const [, majority] = ranked[0];
    const ref = entryMap(finalEntries(v, majority[0]));
    const differing = ranked.slice(1).flatMap(([, nodes]) => nodes);
    observed = `${differing.length} of ${v.live.length} live nodes differ from the majority state: ${differing.join(', ')}`;
    details.push(`majority state held by ${majority.join(', ')}`);
    for (const node of differing) {
      const mine = entryMap(finalEntries(v, node));
      const keys = [...new Set([...ref.keys(), ...mine.keys()])].sort();
      const diff = keys.filter(
        (k) =>
          stateKey([mine.get(k)].filter(Boolean) as ReadEntry[]) !==
          stateKey([ref.get(k)].filter(Boolean) as ReadEntry[]),
      );
      firstDiff ??= diff[0];
      for (const k of diff)
        details.push(`${node} ${k}: ${fmtEntry(mine.get(k))}, majority ${fmtEntry(ref.get(k))}`);
    }
  }
  const evidence = { expected: 'one state across all live nodes', observed, details };
  const excuse = ok
    ? undefined
    : livenessExcuse(v, convergenceBound(v.variant!, v.params!, v.n, v.run?.peers));
  if (excuse)
    return notJudged(IDENTICAL_STATE, { ...evidence, details: [`not judged: ${excuse}`, ...details] });
  // Identical empty stores show nothing: what is judged is each live node's copy of each key.
  const verdict = verdictOf(IDENTICAL_STATE, ok, evidence, v.live.length * heldKeys(v).size);
  return firstDiff ? { ...verdict, focus: { key: firstDiff } } : verdict;
}

export function checkNoLostUpdate(v: HistoryView): Verdict {
  const liveSet = new Set(v.live);
  const lost: string[] = [];
  const excused: string[] = [];
  for (const { at, ack } of v.acks) {
    const missing = v.live.filter(
      (node) => !holdsAtLeast(entryMap(finalEntries(v, node)).get(ack.key), ack.version),
    );
    if (!missing.length) continue;
    // Holders: the acking node from the ack on, and every node a later read showed
    // holding version >= acked. A holder loses it by a non-durable restart after
    // its last holding read, or by staying crashed to the end.
    const lastHeld = new Map<NodeId, number>([[ack.node, at]]);
    for (const [node, items] of v.timeline) {
      for (const it of items) {
        if (
          it.at > at &&
          it.t === 'read' &&
          holdsAtLeast(entryMap(it.read.entries).get(ack.key), ack.version)
        ) {
          lastHeld.set(node, it.at);
        }
      }
    }
    const keeps = [...lastHeld].filter(([node, heldAt]) => {
      if (!liveSet.has(node)) return false;
      return !(v.timeline.get(node) ?? []).some((it) => it.t === 'restart' && !it.durable && it.at > heldAt);
    });
    const what = `${ack.key} v${fmtVersion(ack.version)} (acked by ${ack.node} in round ${ack.r})`;
    if (keeps.length === 0) {
      excused.push(
        `excused ${what}: every holder (${[...lastHeld.keys()].join(', ')}) lost it to a non-durable restart or crash`,
      );
    } else {
      // Who holds it at the end is read from the final reads alone: the acking node is no
      // holder when its own last read lacks the value.
      const holding = v.live.filter((n) => !missing.includes(n));
      lost.push(
        `${what} missing at ${missing.join(', ')}; ${holding.length ? `held at the end by ${holding.join(', ')}` : 'no live node holds it at the end'}`,
      );
    }
  }
  const ok = lost.length === 0;
  const evidence = {
    expected: `all ${v.acks.length} acked versions at every live node (>= acked)`,
    observed: ok
      ? `no acknowledged update lost${excused.length ? ` (${excused.length} excused)` : ''}`
      : `${lost.length} acknowledged update${lost.length === 1 ? '' : 's'} missing at live nodes`,
    details: [...lost, ...excused],
  };
  const excuse = ok
    ? undefined
    : livenessExcuse(v, convergenceBound(v.variant!, v.params!, v.n, v.run?.peers));
  if (excuse)
    return notJudged(NO_LOST_UPDATE, {
      ...evidence,
      details: [`not judged: ${excuse}`, ...evidence.details],
    });
  // An excused ack was not judged: nothing could have kept it.
  const verdict = verdictOf(NO_LOST_UPDATE, ok, evidence, v.acks.length - excused.length);
  const lostKey = lost[0]?.split(' ')[0];
  return lostKey ? { ...verdict, focus: { key: lostKey } } : verdict;
}

export function checkMonotonicVersions(v: HistoryView): Verdict {
  const bad: string[] = [];
  let reads = 0;
  let compared = 0;
  for (const node of v.nodes) {
    let baseline = new Map<string, Version>();
    let baseRound = 0;
    for (const it of v.timeline.get(node) ?? []) {
      if (it.t === 'restart' && !it.durable) baseline = new Map();
      if (it.t !== 'read') continue;
      reads++;
      const now = entryMap(it.read.entries);
      compared += baseline.size;
      for (const [key, before] of baseline) {
        const e = now.get(key);
        if (!e || compareVersions(versionOf(e), before) < 0) {
          bad.push(
            `${node} ${key}: v${fmtVersion(before)} at round ${baseRound} -> ${e ? `v${fmtVersion(versionOf(e))}` : 'absent'} at round ${it.read.r}`,
          );
        }
      }
      baseline = new Map([...now].map(([k, e]) => [k, versionOf(e)]));
      baseRound = it.read.r;
    }
  }
  return verdictOf(
    MONOTONIC_VERSIONS,
    bad.length === 0,
    {
      expected: 'per node and key, read versions never decrease',
      observed: bad.length
        ? `${bad.length} version regressions`
        : `no regression over ${reads} reads (${compared} key versions compared)`,
      details: bad,
    },
    compared,
  );
}

/** Undefined when the variant has no convergence bound (rumor mongering, push-sum). */
export function checkWithinBound(v: HistoryView): Verdict | undefined {
  const bound = convergenceBound(v.variant!, v.params!, v.n, v.run?.peers);
  if (!bound) return undefined;
  const info = { ...WITHIN_BOUND, source: `${bound.source}; B = ${bound.formula}` };
  const dist = v.lastDisturbance;
  const expected = `converged <= ${bound.rounds} rounds after the last disturbance (round ${dist.round}: ${dist.what}); B = ${bound.formula}`;
  const details = [`last disturbance: round ${dist.round}, ${dist.what}`, `run ends at round ${v.lastRound}`];
  if (v.convergedSince === undefined) {
    const notConverged = [...v.convergedAt].filter(([, c]) => !c).map(([r]) => r);
    details.push(`last round not converged: ${notConverged[notConverged.length - 1] ?? 'none'}`);
    const excuse = livenessExcuse(v, bound);
    if (excuse)
      return notJudged(info, {
        expected,
        observed: 'never converged',
        details: [`not judged: ${excuse}`, ...details],
      });
    return {
      ...verdictOf(info, false, { expected, observed: 'never converged', details }, 1),
      focus: { deadline: dist.round + bound.rounds },
    };
  }
  const took = v.convergedSince - dist.round;
  const ok = took <= bound.rounds;
  const evidence = {
    expected,
    observed: `identical from round ${v.convergedSince} on: ${Math.max(0, took)} rounds after the last disturbance`,
    details,
  };
  const excuse = ok ? undefined : livenessExcuse(v, bound);
  if (excuse) return notJudged(info, { ...evidence, details: [`not judged: ${excuse}`, ...details] });
  // Converging to empty stores spreads nothing: judged are the keys that had to spread.
  return {
    ...verdictOf(info, ok, evidence, heldKeys(v).size),
    focus: { deadline: dist.round + bound.rounds },
  };
}
