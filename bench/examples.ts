// The examples' gates (examples/go, examples/python), each paired with an
// in-process run of the same selection: the default `gossipcheck run`
// (`--runs`, one job) restricted to the variants the example declares, timed
// with Session + Round (the example's default) and with every call unary
// (GOSSIPCHECK_UNARY=1), each right after an in-process run of its own, so a
// load that changes over the minutes hits both halves of a pair alike.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { timedRun } from './gate.js';

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

/** A timed run, with the variants the IUT declared and the path its calls took (report.json). */
function timed(args: string[], env: NodeJS.ProcessEnv = process.env): Timed {
  const r = timedRun(args, {
    env,
    ok: [0, 1],
    read: (dir) =>
      JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as {
        implementation: { capabilities: { variants: string[] } | null };
        transport?: { path: string };
      },
  });
  return {
    seconds: r.seconds,
    code: r.code,
    variants: r.read?.implementation.capabilities?.variants ?? [],
    path: r.read?.transport?.path ?? 'in-process',
  };
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
    const ext = timed([...common, '--impl', impl], env);
    const selection = ext.variants.flatMap((v) => ['--variant', v]);
    const inproc = timed([...common, ...selection]);
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
