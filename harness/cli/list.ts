// `gossipcheck list`: every case id, level, variants and requirement, from
// the registry alone (nothing runs).
import { ALL_CASES } from '../../suites/registry.js';
import { parseFlags } from './usage.js';

export async function listCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { json: { type: 'boolean' } });
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
