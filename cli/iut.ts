// Reaching the IUT: start an --impl command, and learn what it declares.

import { type SpawnedEndpoint, spawnEndpoint } from '../engine/backends/process.js';
import {
  ContractError,
  type GossipEndpoint,
  type InitResult,
  minimalParameters,
  VARIANTS,
  type Variant,
} from '../proto/contract.js';
import { UsageError } from './usage.js';

/** An --impl command that cannot start is a usage error (exit 2), with its output tail. */
export async function startImpl(
  command: string,
  startupTimeoutMs: number,
  callTimeoutMs: number,
): Promise<SpawnedEndpoint> {
  try {
    return await spawnEndpoint(command, { startupTimeoutMs, callTimeoutMs });
  } catch (err) {
    throw new UsageError(`cannot start --impl: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Learns the declared capabilities: Init with no nodes, trying variants until
 * one is accepted (an IUT may refuse a variant it does not implement).
 */
export async function probe(endpoint: GossipEndpoint): Promise<InitResult> {
  let last = 'no variant accepted';
  for (const variant of ['anti-entropy-push-pull', ...VARIANTS] as Variant[]) {
    try {
      return await endpoint.init([], minimalParameters(variant), 'lockstep');
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
      // A refused variant: try the next. Anything else (a hang, a crash) ends the probe.
      if (!(err instanceof ContractError) || !['invalid-argument', 'failed-precondition'].includes(err.code))
        break;
    }
  }
  throw new Error(`Init failed: ${last}`);
}
