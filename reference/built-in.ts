// The built-in reference as `gossipcheck run` uses it in-process: the same
// host `gossipcheck serve-reference` serves (both clock modes), so in-process
// and out-of-process runs declare the same capabilities and give the same
// histories.
import type { GossipEndpoint } from '../proto/contract.js';
import { RealtimeReferenceHost } from './realtime/host.js';

export function builtInReference(): GossipEndpoint {
  return new RealtimeReferenceHost();
}
