#!/usr/bin/env node
// The gossipcheck command line. Exit codes: 0 every MUST holds, 1 a MUST
// failed, 2 usage or harness error (with a one-line reason on stderr).
import { runCommand } from './run.js';
import { serveReference } from './serve-reference.js';
import { UsageError } from './usage.js';

const USAGE = `usage: gossipcheck <command> [flags]

commands:
  run              check an implementation (default: the built-in reference) and write a report
  serve-reference  serve the reference node over gRPC (--listen HOST:PORT)

gossipcheck <command> --help for the flags of a command`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  run: runCommand,
  'serve-reference': serveReference,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command '${name}' (try: ${Object.keys(COMMANDS).join(', ')})`);
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`gossipcheck: ${message}\n`);
    process.exitCode = 2;
  },
);
