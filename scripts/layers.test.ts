import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { upwardImports } from './layers.mjs';

const scratch = mkdtempSync(join(tmpdir(), 'gossipcheck-layers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(scratch, 't-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('the import rule', () => {
  it('holds in this repository', () => {
    expect(upwardImports(process.cwd())).toEqual([]);
  });

  it('finds an import that runs up, and only that one', () => {
    const root = tree({
      'engine/runner.ts': "import { x } from '../checks/a.js';\nimport { y } from '../proto/b.js';\n",
      'checks/a.ts': "export { z } from '../cli/main.js';\nconst m = await import('../engine/c.js');\n",
      'checks/a.test.ts': "import { w } from '../cli/main.js';\n",
      'checks/testing/builder.ts': "import { w } from '../../cli/main.js';\n",
    });
    expect(upwardImports(root)).toEqual(['engine/runner.ts -> checks/a.js', 'checks/a.ts -> cli/main.js']);
  });
});
