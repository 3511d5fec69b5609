// Validation of Init requests. Everything is checked before any node is
// touched, so a refused Init leaves the host exactly as it was.
import {
  ContractError,
  DEFAULT_MAX_PAYLOAD_BYTES,
  isSirVariant,
  LOSS_OF_INTEREST,
  type NodeInit,
  type Parameters,
  VARIANTS,
} from '../proto/contract.js';
import { DEFAULT_MEMBERSHIP, validateMembership } from './membership/params.js';
import type { CoreParams } from './variants/core.js';

export interface NodeParams extends CoreParams {
  maxPayloadBytes: number;
}

function invalid(message: string): ContractError {
  return new ContractError('invalid-argument', message);
}

function isIntAtLeast(x: unknown, min: number): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= min;
}

export function validateParams(params: Parameters): NodeParams {
  const { variant, fanout, lossOfInterest, rumorK, antiEntropyEvery, maxPayloadBytes } = params;
  if (!(VARIANTS as readonly string[]).includes(variant)) {
    throw invalid(`unknown variant '${String(variant)}' (expected one of ${VARIANTS.join(', ')})`);
  }
  if (!isIntAtLeast(fanout, 1)) throw invalid(`fanout must be an integer >= 1, got ${String(fanout)}`);
  if (isSirVariant(variant)) {
    if (!(LOSS_OF_INTEREST as readonly string[]).includes(lossOfInterest)) {
      throw invalid(
        `unknown loss of interest '${String(lossOfInterest)}' (expected one of ${LOSS_OF_INTEREST.join(', ')})`,
      );
    }
    if (!isIntAtLeast(rumorK, 1))
      throw invalid(`rumor_k must be an integer >= 1 for ${variant}, got ${String(rumorK)}`);
  }
  if (variant === 'hybrid' && !isIntAtLeast(antiEntropyEvery, 1)) {
    throw invalid(`anti_entropy_every must be an integer >= 1 for hybrid, got ${String(antiEntropyEvery)}`);
  }
  const membership =
    variant === 'membership-swim' ? validateMembership(params.membership ?? DEFAULT_MEMBERSHIP) : undefined;
  if (!isIntAtLeast(maxPayloadBytes, 0)) {
    throw invalid(
      `max_payload_bytes must be a non-negative integer (0: default), got ${String(maxPayloadBytes)}`,
    );
  }
  return {
    variant,
    fanout,
    lossOfInterest,
    rumorK,
    antiEntropyEvery,
    maxPayloadBytes: maxPayloadBytes === 0 ? DEFAULT_MAX_PAYLOAD_BYTES : maxPayloadBytes,
    ...(membership ? { membership } : {}),
  };
}

export function validateNodes(nodes: readonly NodeInit[]): void {
  const seen = new Set<string>();
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (typeof n.id !== 'string' || n.id === '') throw invalid(`node ${i}: id must be a non-empty string`);
    if (seen.has(n.id)) throw invalid(`node ${i}: duplicate node id '${n.id}'`);
    seen.add(n.id);
    const peers = new Set<string>();
    for (const p of n.peers) {
      if (typeof p !== 'string' || p === '')
        throw invalid(`node '${n.id}': peer ids must be non-empty strings`);
      if (p === n.id) throw invalid(`node '${n.id}': peers must not include the node itself`);
      if (peers.has(p)) throw invalid(`node '${n.id}': duplicate peer '${p}'`);
      peers.add(p);
    }
    if (!isIntAtLeast(n.rngSeed, 0)) {
      throw invalid(`node '${n.id}': rng_seed must be an integer in [0, 2^53), got ${String(n.rngSeed)}`);
    }
    if (typeof n.initialValue !== 'number' || !Number.isFinite(n.initialValue)) {
      throw invalid(`node '${n.id}': initial_value must be a finite number, got ${String(n.initialValue)}`);
    }
  }
}
