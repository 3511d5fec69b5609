// The direct transport's link faults: nodes talk to each other, so the
// backend applies the nemesis's link changes on the host (iptables DROP
// rules for partitions, loss rules for loss; nothing else is possible
// without netem).
import type { RealtimeBackend } from '../backends/realtime.js';
import type { Step } from '../faults/nemesis.js';

/** A link fault's start or stop on the backend; the counters are recorded before rules (and theirs) go. */
export async function directLinkFault(
  backend: RealtimeBackend,
  link: NonNullable<Step['link']>,
  recordCounters: () => Promise<void>,
): Promise<void> {
  const { action, fault, edges } = link;
  if (action === 'start') {
    if (edges.length) await backend.cut?.(edges);
    if (fault.kind !== 'partition') await backend.linkFault?.(fault, true);
    return;
  }
  if (edges.length) {
    await recordCounters();
    await backend.heal?.(edges);
  }
  if (fault.kind !== 'partition' && backend.linkFault) {
    await recordCounters();
    await backend.linkFault(fault, false);
  }
}
