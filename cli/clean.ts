// `gossipcheck clean`: lists and removes what dead gossipcheck runs left on
// this host — containers, networks, iptables chains (with their one
// DOCKER-USER jump), images built for a run, cgroups, orphaned child
// processes, temp dirs and lock files — everything whose owner process is
// gone (see engine/backends/stale.ts). Resources of live runs are never
// touched. Exit 0 when nothing stale is left, 1 when something could not be
// removed, 2 on usage errors.
import { dockerHere, findStale, removeStale } from '../engine/backends/stale.js';
import { parseFlags, printHelp } from './usage.js';

const HELP = `usage: gossipcheck clean [--dry-run] [--run ID]

Removes what dead gossipcheck runs (their owner process is gone, e.g. after
SIGKILL) left on this host: containers, networks, iptables chains GC-<run>
and their DOCKER-USER jump rule, images built for a run, cgroups, orphaned
child processes, gossipcheck-* temp dirs and lock files. Live runs' resources
are never touched.

  --dry-run   list what would be removed, remove nothing
  --run ID    only what run ID left`;

export async function cleanCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { 'dry-run': { type: 'boolean' }, run: { type: 'string' } });
  if (printHelp(values, HELP)) return 0;
  if (!dockerHere())
    process.stderr.write('gossipcheck: no docker engine answers: docker objects not checked\n');
  const stale = findStale(values.run);
  if (stale.length === 0) {
    process.stdout.write('nothing to clean\n');
    return 0;
  }
  if (values['dry-run']) {
    for (const r of stale) process.stdout.write(`would remove ${r.what}\n`);
    process.stdout.write(`${stale.length} stale resource(s); run \`gossipcheck clean\` to remove them\n`);
    return 0;
  }
  let failed = 0;
  for (const r of stale) {
    const ok = removeStale(r);
    if (!ok) failed++;
    process.stdout.write(`${ok ? 'removed' : 'could not remove'} ${r.what}\n`);
  }
  process.stdout.write(`removed ${stale.length - failed} of ${stale.length} stale resource(s)\n`);
  return failed === 0 ? 0 : 1;
}
