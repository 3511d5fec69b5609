// One realtime-scale measurement in a fresh process, so peak RSS is its own:
//   node dist/bench/realtime-scale-child.js reference|memberlist N SEED
// Prints one JSON line: the RealtimeScaleResult.
import { realtimeScaleRun, type Who } from './realtime-scale.js';

const [who, n, seed] = process.argv.slice(2);
realtimeScaleRun(who as Who, Number(n), Number(seed)).then(
  (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  },
);
