// `gossipcheck list`: every case id in every mode, with its level, variants,
// modes and requirement, from the catalogue alone (nothing runs).
import { CATALOGUE, MODES } from '../suites/catalogue.js';
import { parseFlags, printHelp } from './usage.js';

const HELP = `usage: gossipcheck list [--json]

Prints every conformance case: its id, requirement level (MUST, SHOULD, INFO),
requirement text, the variants it applies to and its modes (${MODES.join(', ')}):
lockstep cases run in \`gossipcheck run\`, realtime ones in \`gossipcheck chaos\`,
maelstrom ones in \`run --maelstrom\` / \`chaos --maelstrom\`. Nothing runs. Pass a
case id (or a prefix of one) to \`--case\`.

  --json       one JSON array: id, level, variants, modes, requirement, source
  -h, --help   this help`;

export async function listCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { json: { type: 'boolean' } });
  if (printHelp(values, HELP)) return 0;
  const rows = CATALOGUE.map((c) => ({
    id: c.id,
    level: c.level,
    variants: [...c.variants],
    modes: [...c.modes],
    requirement: c.requirement,
    source: c.source,
  }));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...rows.map((r) => r.id.length));
  const pad = `${''.padEnd(width)}  ${''.padEnd(6)}`;
  for (const r of rows) {
    process.stdout.write(`${r.id.padEnd(width)}  ${r.level.padEnd(6)}  ${r.requirement}\n`);
    process.stdout.write(`${pad}  modes: ${r.modes.join(', ')}; variants: ${r.variants.join(', ')}\n`);
  }
  return 0;
}
