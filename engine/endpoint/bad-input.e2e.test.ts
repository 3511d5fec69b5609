// Bad input over real gRPC: the reference served by `gossipcheck
// serve-reference` in its own process rejects garbage, unknown nodes and
// oversize envelopes with a clear error, and its state stays unchanged.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ContractError, type Envelope, type NodeInit, type Parameters } from '../../proto/contract.js';
import { type SpawnedEndpoint, spawnEndpoint } from '../backends/process.js';
import { CLI } from '../testing/cli.js';

const nodes: NodeInit[] = ['a', 'b', 'c'].map((id, i, all) => ({
  id,
  peers: all.filter((p) => p !== id),
  seeds: [],
  rngSeed: i + 1,
  initialValue: 0,
  restoreDurable: false,
}));
const params: Parameters = {
  variant: 'anti-entropy-push-pull',
  fanout: 1,
  periodMs: 0,
  lossOfInterest: 'feedback-counter',
  rumorK: 2,
  antiEntropyEvery: 1,
  maxPayloadBytes: 1024,
};

let iut: SpawnedEndpoint;
beforeAll(async () => {
  iut = await spawnEndpoint(`"${process.execPath}" "${CLI}" serve-reference --listen {listen}`, {
    startupTimeoutMs: 15_000,
    callTimeoutMs: 5_000,
  });
  await iut.endpoint.init(nodes, params, 'lockstep');
  await iut.endpoint.update([{ node: 'a', key: 'x', value: '1' }]);
  // A real message from a to b, to put in a batch before the bad one.
  const sent = await iut.endpoint.tick(['a']);
  expect(sent.length).toBeGreaterThan(0);
  valid = sent[0];
});
afterAll(async () => {
  await iut?.close();
});

let valid: Envelope;
const env = (over: Partial<Envelope>): Envelope => ({
  from: 'a',
  to: 'b',
  payload: new Uint8Array([1, 2, 3]),
  kind: 'digest',
  keys: [],
  ...over,
});

async function rejection(batch: Envelope[]): Promise<ContractError> {
  const before = await iut.endpoint.read(['a', 'b', 'c']);
  const err = await iut.endpoint.deliver(batch).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ContractError);
  expect(await iut.endpoint.read(['a', 'b', 'c'])).toEqual(before);
  return err as ContractError;
}

describe('Deliver rejects bad input and changes nothing', () => {
  test('garbage payload', async () => {
    const err = await rejection([valid, env({ payload: new Uint8Array([0xff, 0xfe, 0x00, 0x7b]) })]);
    expect(err.code).toBe('invalid-argument');
    expect(err.message).toMatch(/envelope 1 from a to b: payload is not a valid/);
  });

  test('unknown node id', async () => {
    const err = await rejection([valid, env({ to: 'nobody' })]);
    expect(err.code).toBe('not-found');
    expect(err.message).toMatch(/unknown node 'nobody'/);
  });

  test('envelope over the size limit', async () => {
    const err = await rejection([valid, env({ payload: new Uint8Array(4096).fill(0x20) })]);
    expect(err.code).toBe('invalid-argument');
    expect(err.message).toMatch(/payload of 4096 bytes exceeds max_payload_bytes 1024/);
  });

  test('the valid envelope alone is still accepted afterwards', async () => {
    await expect(iut.endpoint.deliver([valid])).resolves.toBeInstanceOf(Array);
  });
});
