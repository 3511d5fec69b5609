// The import rule (docs/architecture.md): a module imports only from its own
// layer or the layers below it. Tests and test helpers (`testing/` folders)
// may reach up: they are not shipped.
// Usage: node scripts/layers.mjs [ROOT]; exit 1 and one line per upward import.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The layers, bottom to top. */
export const LAYERS = [
  'shared',
  'proto',
  'reference',
  'engine',
  'checks',
  'suites',
  'reports',
  'adapters',
  'bench',
  'cli',
];

const SKIP_DIRS = new Set(['node_modules', 'dist', 'gen', 'testing']);
const IMPORT =
  /(?:^|\s)(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/gm;

function* sources(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) yield* sources(p);
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !e.name.includes('.test.')) yield p;
  }
}

/** Every import under `root` whose target lies in a higher layer than its file: "from -> to". */
export function upwardImports(root) {
  const rank = new Map(LAYERS.map((l, i) => [l, i]));
  const found = [];
  for (const layer of LAYERS) {
    for (const file of sources(join(root, layer))) {
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const target = relative(root, normalize(join(dirname(file), m[1] ?? m[2])));
        const top = target.split(sep)[0];
        if ((rank.get(top) ?? -1) > rank.get(layer))
          found.push(`${relative(root, file)} -> ${target.split(sep).join('/')}`);
      }
    }
  }
  return found;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const up = upwardImports(resolve(process.argv[2] ?? '.'));
  for (const u of up) process.stderr.write(`layers: upward import ${u}\n`);
  if (up.length > 0) {
    process.stderr.write(`layers: ${up.length} import(s) run up the layers (${LAYERS.join(' < ')})\n`);
    process.exit(1);
  }
}
