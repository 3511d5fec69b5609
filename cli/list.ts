// `gossipcheck list`: every case id, level, variants and requirement, from
// the registry alone (nothing runs).
import { ALL_CASES } from '../suites/registry.js';
import { parseFlags, printHelp } from './usage.js';

const HELP = `usage: gossipcheck list [--json]

Prints every conformance case: its id, requirement level (MUST, SHOULD, INFO),
requirement text and the variants it applies to. Nothing runs. Pass a case id
(or a prefix of one) to \`gossipcheck run --case\`.

  --json       one JSON array: id, level, variants, requirement, source
  -h, --help   this help`;

export async function listCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { json: { type: 'boolean' } });
  if (printHelp(values, HELP)) return 0;
  const rows = ALL_CASES.map((c) => ({
    id: c.id,
    level: c.level,
    variants: [...c.variants],
    requirement: c.requirement,
    source: c.source,
  }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...rows.map((r) => r.id.length));
  for (const r of rows) {
    process.stdout.write(`${r.id.padEnd(width)}  ${r.level.padEnd(6)}  ${r.requirement}\n`);
    process.stdout.write(`${''.padEnd(width)}  ${''.padEnd(6)}  variants: ${r.variants.join(', ')}\n`);
  }
  return 0;
}
