// The fault kinds each membership property is judged under (checks/fault-evidence.ts):
// a run whose faults of these kinds all touched nothing is no evidence for it.
// One table for the lockstep cases (suites/cases/membership.ts) and the realtime form.
import type { FaultKind } from '../fault-effects.js';
import { ACCURACY, REFUTE, SUSPICION_RATE } from './accuracy.js';
import { DETECT_CRASH, PARTITION_HEAL, REJOIN } from './liveness.js';

export const MEMBERSHIP_FAULTS: Readonly<Record<string, readonly FaultKind[]>> = {
  [DETECT_CRASH.id]: ['crash'],
  [ACCURACY.id]: ['pause', 'loss'],
  [SUSPICION_RATE.id]: ['loss'],
  [REFUTE.id]: ['pause', 'loss'],
  [PARTITION_HEAL.id]: ['partition'],
  [REJOIN.id]: ['crash'],
};
