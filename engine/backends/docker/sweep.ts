// Removing everything of one run, by what it carries rather than by what the
// harness remembers: containers, networks and run images by the run's label,
// the firewall by the run's chain name. Synchronous, so it runs from the
// cleanup registry on exit and on signals, and idempotent, so the normal
// teardown, a signal arriving during it, and `gossipcheck clean` can all run
// it without harm.
import { LABEL } from '../owner.js';
import { idsByLabelSync, killInFlightSync, runSync } from './exec.js';
import { IMAGE_LABEL } from './image.js';
import { removeChainSync } from './iptables.js';

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Passes that must find nothing in a row before the sweep trusts it is done. */
const QUIET_PASSES = 2;

/** Removes every container, network, run image and the chain of run `runId`. */
export function sweepRunSync(runId: string): void {
  // A `compose up` still running would create containers behind the sweep.
  killInFlightSync();
  let quiet = 0;
  for (let pass = 0; pass < 20 && quiet < QUIET_PASSES; pass++) {
    const containers = idsByLabelSync('container', LABEL.run, runId);
    if (containers.length > 0) runSync('docker', ['rm', '-f', '-v', ...containers], 120_000);
    const networks = idsByLabelSync('network', LABEL.run, runId);
    if (networks.length > 0) runSync('docker', ['network', 'rm', ...networks], 60_000);
    // A create the daemon was still serving when its client was killed lands a moment later.
    if (containers.length === 0 && networks.length === 0) quiet++;
    else quiet = 0;
    if (quiet < QUIET_PASSES) sleepSync(250);
  }
  removeChainSync(runId);
  removeRunImagesSync(runId);
}

/** Images built for run `runId` only (`--build`); the shared base image has its own release (image.ts). */
export function removeRunImagesSync(runId: string): void {
  const images = idsByLabelSync('image', LABEL.run, runId).filter((id) =>
    runSync('docker', [
      'image',
      'inspect',
      '--format',
      `{{index .Config.Labels "${IMAGE_LABEL}"}}`,
      id,
    ]).includes('run'),
  );
  if (images.length > 0) runSync('docker', ['rmi', '-f', ...images], 60_000);
}
