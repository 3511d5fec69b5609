// One registry of things to undo when the harness exits: on normal exit, on
// an uncaught error, and on SIGINT / SIGTERM. Handlers must be synchronous
// for the 'exit' path, so each resource registers a sync last-resort undo.
//
// The signal handlers stay installed for the life of the process: with a
// one-shot handler, a second Ctrl-C would hit the default action and kill the
// harness in the middle of its cleanup. A signal that arrives while the undo
// list runs only waits (JS is busy in synchronous code), then the process
// exits with the first signal's code. Commands the undos run are started in a
// process group of their own (see docker/exec.ts), so a terminal's Ctrl-C does
// not reach them either.
type Undo = () => void;

const pending = new Set<Undo>();
let installed = false;
let exiting = false;

function runAll(): void {
  for (const undo of [...pending].reverse()) {
    pending.delete(undo);
    try {
      undo();
    } catch {
      // Best effort: one failed undo must not stop the others.
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', runAll);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const) {
    process.on(signal, () => {
      if (exiting) return;
      exiting = true;
      if (pending.size > 0) process.stderr.write(`gossipcheck: ${signal}: cleaning up\n`);
      runAll();
      process.exit(code);
    });
  }
}

/** Registers a synchronous undo; returns a function that unregisters it. */
export function onCleanup(undo: Undo): () => void {
  install();
  pending.add(undo);
  return () => pending.delete(undo);
}
