// The examples' gates (examples/go, examples/python), each paired with an
// in-process run of the same selection: the default `gossipcheck run`
// (`--runs`, one job) restricted to the variants the example declares, timed
// with Session + Round (the example's default) and with every call unary
// (GOSSIPCHECK_UNARY=1), each right after an in-process run of its own, so a
// load that changes over the minutes hits both halves of a pair alike.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface ExamplePair {
  who: string;
  /** `Session + Round` or `unary`: the path the run reported (report.json transport.path). */
  path: string;
  variants: string[];
  inprocSeconds: number;
  externalSeconds: number;
  ratio: number;
  /** The example run's exit code (1: its gate failed; the time still counts). */
  code: number;
}

interface Timed {
  seconds: number;
  code: number;
  variants: string[];
  path: string;
}

function timedRun(args: string[], env: NodeJS.ProcessEnv = process.env): Timed {
  const out = mkdtempSync(join(tmpdir(), 'gossipcheck-bench-ex-'));
  try {
    const t = process.hrtime.bigint();
    const res = spawnSync(process.execPath, [CLI, 'run', ...args, '--out', join(out, 'r')], {
      encoding: 'utf8',
      timeout: 1_800_000,
      maxBuffer: 16 << 20,
      env,
    });
    const seconds = Number(process.hrtime.bigint() - t) / 1e9;
    const code = res.status ?? -1;
    if (code !== 0 && code !== 1)
      throw new Error(
        `gossipcheck run ${args.join(' ')} exited ${res.status ?? res.signal}: ${res.stderr.trim().split('\n').pop()}`,
      );
    const report = JSON.parse(readFileSync(join(out, 'r', 'report.json'), 'utf8')) as {
      implementation: { capabilities: { variants: string[] } | null };
      transport?: { path: string };
    };
    return {
      seconds,
      code,
      variants: report.implementation.capabilities?.variants ?? [],
      path: report.transport?.path ?? 'in-process',
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Both pairs of one example, or undefined when it is not built. */
export function examplePairs(
  who: string,
  impl: string,
  binary: string,
  o: { runs: number; seed: number },
): ExamplePair[] | undefined {
  if (!existsSync(binary)) return undefined;
  const common = ['--runs', String(o.runs), '--jobs', '1', '--seed', String(o.seed)];
  const pairs: ExamplePair[] = [];
  for (const unary of [false, true]) {
    const env = unary ? { ...process.env, GOSSIPCHECK_UNARY: '1' } : process.env;
    const ext = timedRun([...common, '--impl', impl], env);
    const selection = ext.variants.flatMap((v) => ['--variant', v]);
    const inproc = timedRun([...common, ...selection]);
    pairs.push({
      who,
      path: ext.path,
      variants: ext.variants,
      inprocSeconds: inproc.seconds,
      externalSeconds: ext.seconds,
      ratio: ext.seconds / inproc.seconds,
      code: ext.code,
    });
  }
  return pairs;
}
