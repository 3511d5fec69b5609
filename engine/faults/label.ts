// The one way a fault is named for people: console and progress lines, the
// chaos log, check evidence, the report's plots and HTML timeline. A label
// has no unit: the reader knows the run's clock (rounds or ms).
import type { NodeId } from '../../proto/contract.js';
import type { LinkFault, ScheduleEvent } from './schedule.js';

/** A link fault in a few words, e.g. "partition halves", "loss p=0.1", "tamper garbage p=0.05". */
export function faultLabel(f: LinkFault): string {
  switch (f.kind) {
    case 'partition':
      return `partition ${f.shape}`;
    case 'loss':
    case 'duplicate':
      return `${f.kind} p=${f.probability}`;
    case 'delay':
      return `delay ${f.latency}+${f.jitter}`;
    case 'reorder':
      return 'reorder';
    case 'tamper':
      return `tamper ${f.how.what} p=${f.probability}`;
  }
}

/** A partition's groups, e.g. "[n0 n1] [n2]". */
export function groupsLabel(groups: readonly (readonly NodeId[])[]): string {
  return groups.map((g) => `[${g.join(' ')}]`).join(' ');
}

/**
 * What a schedule event does at its start (or, for a window, its stop), e.g.
 * "partition halves", "stop loss p=0.1", "crash n2", "resume n1".
 */
export function eventLabel(e: ScheduleEvent, edge: 'start' | 'stop' = 'start'): string {
  switch (e.type) {
    case 'link':
      return edge === 'stop' ? `stop ${faultLabel(e.fault)}` : faultLabel(e.fault);
    case 'pause':
      return `${edge === 'stop' ? 'resume' : 'pause'} ${e.node}`;
    case 'restart':
      return `restart ${e.node}${e.durable ? ' (durable)' : ''}`;
    case 'crash':
    case 'join':
    case 'leave':
      return `${e.type} ${e.node}`;
  }
}

/** One line per event for logs: its time(s), what it does, a partition's groups. */
export function describeEvent(e: ScheduleEvent, unit: string): string {
  const when = e.type === 'link' || e.type === 'pause' ? `${e.from}-${e.until}` : `${e.at}`;
  const groups = e.type === 'link' && e.fault.kind === 'partition' ? ` ${groupsLabel(e.fault.groups)}` : '';
  return `${when} ${unit}: ${eventLabel(e)}${groups}`;
}
