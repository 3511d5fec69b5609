#!/usr/bin/env node
// The gossipcheck command line. Exit codes: 0 every MUST holds, 1 a MUST
// failed, 2 usage or harness error (with a one-line reason on stderr).
import { chaosCommand } from './chaos.js';
import { dockerImageCommand } from './docker-image.js';
import { listCommand } from './list.js';
import { replayCommand } from './replay.js';
import { reportCommand } from './report.js';
import { runCommand } from './run.js';
import { serveMaelstrom } from './serve-maelstrom.js';
import { serveReference } from './serve-reference.js';
import { UsageError } from './usage.js';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  run: {
    run: runCommand,
    help: 'check an implementation (default: the built-in reference) and write a report',
  },
  list: { run: listCommand, help: 'print every case id, level and requirement without running anything' },
  replay: { run: replayCommand, help: 're-run one saved counterexample (FILE) and give its verdict' },
  report: {
    run: reportCommand,
    help: 'merge report directories (DIR...) into one case x implementation matrix',
  },
  chaos: { run: chaosCommand, help: 'a realtime chaos run against a real docker cluster' },
  'docker-image': { run: dockerImageCommand, help: 'build the offline base image for docker chaos runs' },
  clean: {
    run: async (argv) => (await import('./clean.js')).cleanCommand(argv),
    help: 'remove what dead runs left behind (containers, networks, iptables chains, temp dirs)',
  },
  'serve-reference': { run: serveReference, help: 'serve the reference node over gRPC (--listen HOST:PORT)' },
  'serve-maelstrom': {
    run: serveMaelstrom,
    help: 'serve a Maelstrom broadcast node over gRPC (--node "<command>", realtime only)',
  },
};

const USAGE = `usage: gossipcheck <command> [flags]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(16)} ${c.help}`)
  .join('\n')}

gossipcheck <command> --help for the flags of a command`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  // Asked for, usage is the output; given no command at all, it is the error.
  if (name === '--help' || name === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (name === undefined) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command '${name}' (try: ${Object.keys(COMMANDS).join(', ')})`);
  return command.run(rest);
}

// `gossipcheck list | head` closes the pipe early: not an error. Output stops,
// the command still finishes (a run still writes its report and exit code).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});

// A command whose work stalls on a promise nothing will settle lets Node exit
// with an empty event loop: that must read as a harness error, never as 0.
let settled = false;
process.on('exit', (code) => {
  // A signal's exit (cleanup.ts: 130, 143, 129) or an explicit non-zero code stands.
  if (settled || code !== 0) return;
  process.stderr.write('gossipcheck: internal error: the command stopped before it finished\n');
  process.exitCode = 2;
});

main(process.argv.slice(2)).then(
  (code) => {
    settled = true;
    process.exitCode = code;
  },
  (err: unknown) => {
    settled = true;
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`gossipcheck: ${message}\n`);
    process.exitCode = 2;
  },
);
