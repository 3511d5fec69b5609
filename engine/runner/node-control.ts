// The nemesis's node actions in a lockstep run, on the node's endpoint:
// crash is Stop(crash), restart and join are an Init (in the action's
// generation), leave is Stop(clean) whose envelopes are routed like a
// Tick's; pause and resume are the network's alone (the node is not ticked).
import type { Envelope, GossipEndpoint, NodeId } from '../../proto/contract.js';
import type { NodeAction } from '../faults/nemesis.js';
import type { CallResult } from './call.js';
import { type LockstepSpec, nodeInitOf } from './spec.js';
import { badEnvelopes } from './wellformed.js';

/** What performing a node action needs from the run. */
export interface NodeControl {
  endpoint: GossipEndpoint;
  spec: LockstepSpec;
  /** A call under the run's deadline. */
  call<T>(fn: () => Promise<T>, op: 'Init' | 'Stop'): Promise<CallResult<T>>;
  /** Records the error and ends the run. */
  fail(op: 'Init' | 'Stop', nodes: NodeId[], message: string): never;
  /** The node's next read is recorded whatever it holds. */
  forget(node: NodeId): void;
  /** What a leave's Stop returned, routed once the round's faults are in place. */
  sent(envs: Envelope[]): void;
}

export async function performOnEndpoint(a: NodeAction, c: NodeControl): Promise<void> {
  const { endpoint, spec } = c;
  switch (a.do) {
    case 'crash': {
      // A restarted node that caught up within its first round must still show up as read.
      c.forget(a.node);
      const res = await c.call(() => endpoint.stop([a.node], 'crash'), 'Stop');
      if (!res.ok) c.fail('Stop', [a.node], res.message);
      return;
    }
    case 'restart':
    case 'join': {
      const init = [nodeInitOf(spec, a.node, a.do === 'restart' && a.durable, a.generation)];
      const res = await c.call(() => endpoint.init(init, spec.params, 'lockstep'), 'Init');
      if (!res.ok) c.fail('Init', [a.node], res.message);
      return;
    }
    case 'leave': {
      const res = await c.call(() => endpoint.stop([a.node], 'clean'), 'Stop');
      if (!res.ok) c.fail('Stop', [a.node], res.message);
      const sent = res.value ?? [];
      const bad = badEnvelopes(sent);
      if (bad) c.fail('Stop', [a.node], `Stop returned bad envelopes: ${bad}`);
      c.sent(sent);
      c.forget(a.node);
      return;
    }
    case 'pause':
    case 'resume':
      return;
  }
}
