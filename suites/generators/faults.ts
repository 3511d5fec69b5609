// Fault schedule arbitraries. Windows are [from, from + length); shrinking
// goes toward fewer faults, earlier and shorter windows, lower probabilities
// (drawn as whole percents, so a shrunk probability stays a short number).
import * as fc from 'fast-check';
import type { PartitionShape } from '../../engine/faults/schedule.js';
import type { FaultInput, InputLinkFault } from '../model.js';

/** Faults start within the first rounds so a run stays short. */
const LAST_START = 6;
const MAX_LENGTH = 8;

const window = fc.record({
  from: fc.integer({ min: 1, max: LAST_START }),
  length: fc.integer({ min: 1, max: MAX_LENGTH }),
});

/** A link fault over the window [from, from + length). */
export function linkInput(w: { from: number; length: number }, fault: InputLinkFault): FaultInput {
  return { type: 'link', fault, from: w.from, until: w.from + w.length };
}

export function partitionArb(shape: PartitionShape): fc.Arbitrary<FaultInput> {
  return fc
    .record({ w: window, pick: fc.nat({ max: 0xffff }) })
    .map(({ w, pick }) => ({ type: 'partition', shape, from: w.from, until: w.from + w.length, pick }));
}

/** Loss windows with a drop probability up to `maxPercent`. */
export function lossArb(maxPercent: number): fc.Arbitrary<FaultInput> {
  return fc
    .record({ w: window, percent: fc.integer({ min: 1, max: maxPercent }) })
    .map(({ w, percent }) => linkInput(w, { kind: 'loss', probability: percent / 100 }));
}

export const delayArb: fc.Arbitrary<FaultInput> = fc
  .record({ w: window, latency: fc.integer({ min: 1, max: 3 }), jitter: fc.integer({ min: 0, max: 2 }) })
  .map(({ w, latency, jitter }) => linkInput(w, { kind: 'delay', latency, jitter }));

export const duplicateArb: fc.Arbitrary<FaultInput> = fc
  .record({ w: window, percent: fc.integer({ min: 1, max: 50 }) })
  .map(({ w, percent }) => linkInput(w, { kind: 'duplicate', probability: percent / 100 }));

export const reorderArb: fc.Arbitrary<FaultInput> = window.map((w) => linkInput(w, { kind: 'reorder' }));

export type CrashInput = Extract<FaultInput, { type: 'crash' }>;

export function crashArb(durable: boolean): fc.Arbitrary<CrashInput> {
  return fc
    .record({
      node: fc.nat({ max: 63 }),
      at: fc.integer({ min: 2, max: LAST_START }),
      down: fc.integer({ min: 1, max: 6 }),
    })
    .map(({ node, at, down }): CrashInput => ({ type: 'crash', node, at, restartAt: at + down, durable }));
}

export const pauseArb: fc.Arbitrary<FaultInput> = fc
  .record({ node: fc.nat({ max: 63 }), w: window })
  .map(({ node, w }) => ({ type: 'pause', node, from: w.from, until: w.from + w.length }));

/** A mixed schedule of up to `max` faults drawn from `kinds`. */
export function scheduleArb(kinds: fc.Arbitrary<FaultInput>[], max = 3): fc.Arbitrary<FaultInput[]> {
  return fc.array(fc.oneof(...kinds), { minLength: 1, maxLength: max });
}
