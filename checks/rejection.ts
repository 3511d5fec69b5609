// Bad input is refused cleanly (GossipNode contract: Deliver validates a batch
// as a whole). Judged on runs with a tamper fault: the router sends a damaged
// copy beside an envelope, in the same batch; the runner reads the nodes
// around a refused batch and delivers its valid part again.
import type { TamperHow } from '../engine/faults/schedule.js';
import type { HistoryEvent } from '../engine/history/events.js';
import { type CheckInfo, notJudged, type Verdict, verdictOf } from './verdict.js';
import type { HistoryView } from './view.js';

const SOURCE =
  'GossipNode contract: Deliver validates a batch as a whole (proto/gossipcheck/v1/gossip.proto)';

export const REJECTION_CHECKS: Record<TamperHow['what'], CheckInfo> = {
  garbage: {
    id: 'robustness/garbage-payload',
    requirement:
      'Deliver with a garbage payload fails with an error and changes no node; valid envelopes still go through.',
    level: 'MUST',
    source: SOURCE,
  },
  'unknown-node': {
    id: 'robustness/unknown-node',
    requirement:
      'Deliver to an unknown node id fails with an error and changes no node; valid envelopes still go through.',
    level: 'MUST',
    source: SOURCE,
  },
  oversize: {
    id: 'robustness/oversize',
    requirement: 'Deliver of an envelope over max_payload_bytes fails with an error and changes no node.',
    level: 'MUST',
    source: SOURCE,
  },
};

const EXPECTED = 'rejected with an error; state unchanged; the valid envelope still accepted';

/** Index of the event that settled envelope `id` (delivered or dropped), or -1. */
function fateOf(events: readonly HistoryEvent[], id: number, from: number): number {
  for (let i = from; i < events.length; i++) {
    const e = events[i];
    if ((e.t === 'deliver' || e.t === 'drop') && e.id === id) return i;
  }
  return -1;
}

export function checkRejection(what: TamperHow['what'], v: HistoryView): Verdict {
  const info = REJECTION_CHECKS[what];
  const { events } = v;
  const bad: string[] = [];
  let judged = 0;
  events.forEach((e, at) => {
    if (e.t !== 'tamper' || e.what !== what) return;
    const fate = fateOf(events, e.id, at + 1);
    if (fate < 0) return;
    judged++;
    const settled = events[fate];
    const where = `envelope ${e.of} (round ${e.r}) with its damaged copy ${e.id}`;
    if (settled.t === 'deliver') {
      bad.push(`${where}: the batch was accepted`);
      return;
    }
    if (settled.t !== 'drop' || settled.reason !== 'rejected') {
      judged--;
      return;
    }
    // Right after a refused probe batch come its drops, then the reads that differ from before it.
    let i = fate + 1;
    while (i < events.length && events[i].t === 'drop') i++;
    const changed: string[] = [];
    for (; i < events.length; i++) {
      const x = events[i];
      if (x.t !== 'read') break;
      changed.push(x.node);
    }
    if (changed.length > 0) bad.push(`${where}: rejected, but the state of ${changed.join(', ')} changed`);
    const original = fateOf(events, e.of, at + 1);
    const o = original < 0 ? undefined : events[original];
    if (o?.t === 'drop' && o.reason === 'rejected')
      bad.push(`${where}: the valid envelope was refused on its own afterwards`);
  });
  const ok = bad.length === 0;
  const evidence = {
    expected: EXPECTED,
    observed: ok
      ? `${judged} batches with a damaged envelope rejected; state unchanged; the valid envelopes accepted`
      : `${bad.length} of ${judged} damaged envelopes not handled cleanly`,
    details: [
      ...bad,
      ...v.errors
        .filter((x) => x.op === 'Deliver')
        .slice(0, 3)
        .map((x) => `error: ${x.message}`),
    ],
  };
  if (judged === 0)
    return notJudged(info, { ...evidence, details: ['not judged: no damaged envelope reached a node'] });
  return verdictOf(info, ok, evidence, judged);
}
