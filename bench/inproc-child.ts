// One in-process measurement in a fresh process, so peak RSS is its own:
//   node dist/bench/inproc-child.js VARIANT N SEED WIRE(0|1)
// Prints one JSON line: the InprocResult plus peak_rss_mb.
import { type InprocVariant, runInproc } from './inproc.js';

const [variant, n, seed, wire] = process.argv.slice(2);
const result = runInproc({
  variant: variant as InprocVariant,
  n: Number(n),
  seed: Number(seed),
  wire: wire === '1',
});
// maxRSS is in kilobytes.
const peakRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ ...result, peakRssMb })}\n`);
