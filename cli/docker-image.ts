// `gossipcheck docker-image`: builds the offline base image for docker chaos
// runs (`docker import` of the host's node binary, its shared libraries and
// the kit's runtime files; no registry needed) and prints its tag. The tag is
// a content hash, so running it again is a no-op; `--remove` deletes it.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerAnswers } from '../engine/backends/docker/exec.js';
import { ensureBaseImage, planBaseImage, removeImage } from '../engine/backends/docker/image.js';
import { parseFlags } from './usage.js';

/** The kit's root directory (dist/cli -> ../..). */
export const KIT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const HELP = `usage: gossipcheck docker-image [--print-tag] [--remove]

Builds the base image the reference node runs in for docker chaos runs, offline
(docker import of the host's node binary + its ldd libraries + the kit's
dist/ and runtime node_modules). Prints the image tag (deterministic: a hash of
the content), reusing an existing image of that tag.

  --print-tag   print the tag the image would have, build nothing
  --remove      remove the image of the current tag`;

export async function dockerImageCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    'print-tag': { type: 'boolean' },
    remove: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (values['print-tag']) {
    process.stdout.write(`${(await planBaseImage(KIT_ROOT)).tag}\n`);
    return 0;
  }
  if (!(await dockerAnswers()))
    throw new Error('no docker engine answers (start one: scripts/ensure-docker.sh)');
  if (values.remove) {
    const { tag } = await planBaseImage(KIT_ROOT);
    await removeImage(tag);
    process.stdout.write(`removed ${tag}\n`);
    return 0;
  }
  const started = Date.now();
  const { tag, built } = await ensureBaseImage(KIT_ROOT);
  process.stderr.write(built ? `built ${tag} in ${Date.now() - started} ms\n` : `${tag} exists already\n`);
  process.stdout.write(`${tag}\n`);
  return 0;
}
