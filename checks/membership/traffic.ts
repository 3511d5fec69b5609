// membership/probe-traffic: constant probe load per member per period.

import type { NodeId } from '../../proto/contract.js';
import { count as counted } from '../../shared/plural.js';
import { type CheckInfo, type Verdict, verdictOf } from '../verdict.js';
import { SWIM } from './bounds.js';
import { type MembershipView, noParams } from './view.js';

export const PROBE_TRAFFIC: CheckInfo = {
  id: 'membership/probe-traffic',
  requirement:
    'A member MUST initiate at most 1 ping and k ping-reqs per protocol period, whatever n; piggybacked updates keep pings, acks and ping-reqs under 2 KiB.',
  level: 'MUST',
  source: `${SWIM} §3.1: per period a member sends at most 1 ping and k ping-reqs, so load is O(1) per member independent of n; declared parameter k`,
};

/** Bytes a ping, ack or ping-req may take: 8 piggybacked updates of small ids fit well under it. */
export const PIGGYBACK_BYTES = 2048;

export function checkProbeTraffic(v: MembershipView): Verdict {
  if (!v.params) return noParams(PROBE_TRAFFIC);
  const p = v.params;
  const T = p.probePeriod;
  // Tick number of each node at each round (pauses and downs skip ticks).
  const tickNo = new Map<string, number>();
  const count = new Map<NodeId, number>();
  for (const t of v.ticks) {
    for (const x of t.nodes) {
      const c = count.get(x) ?? 0;
      tickNo.set(`${x}@${t.r}`, c);
      count.set(x, c + 1);
    }
  }
  // Restarts and joins reset a node's period count.
  const perPeriod = new Map<string, { ping: number; req: number }>();
  const bad: string[] = [];
  let judged = 0;
  for (const s of v.sends) {
    if (s.hop !== 0) continue;
    if (s.kind === 'ping' || s.kind === 'ping-req' || s.kind === 'ack') {
      if (s.bytes > PIGGYBACK_BYTES)
        bad.push(`round ${s.r} ${s.from} -> ${s.to}: ${s.kind} of ${s.bytes} bytes`);
    }
    if (s.kind !== 'ping' && s.kind !== 'ping-req') continue;
    const t = tickNo.get(`${s.from}@${s.r}`);
    if (t === undefined) continue;
    const restarts = v.ups.filter((u) => u.node === s.from && u.r <= s.r).length;
    const key = `${s.from}#${restarts}#${Math.floor(t / T)}`;
    const c = perPeriod.get(key) ?? { ping: 0, req: 0 };
    if (s.kind === 'ping') c.ping++;
    else c.req++;
    perPeriod.set(key, c);
  }
  for (const [key, c] of perPeriod) {
    judged++;
    if (c.ping > 1 || c.req > p.indirectProbes)
      bad.push(
        `${key.replace(/#(\d+)#(\d+)$/, ' (generation $1) period $2')}: ${c.ping} pings, ${c.req} ping-reqs (k = ${p.indirectProbes})`,
      );
  }
  return verdictOf(
    PROBE_TRAFFIC,
    bad.length === 0,
    {
      expected: `<= 1 ping and <= ${p.indirectProbes} ping-reqs initiated per member per period; probe messages <= ${PIGGYBACK_BYTES} bytes`,
      observed: bad.length
        ? counted(bad.length, 'violation')
        : `${judged} (member, period) pairs within bounds (n = ${v.n})`,
      details: bad,
    },
    judged,
  );
}
