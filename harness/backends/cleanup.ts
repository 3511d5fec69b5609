// One registry of things to undo when the harness exits: on normal exit, on
// an uncaught error, and on SIGINT / SIGTERM. Handlers must be synchronous
// for the 'exit' path, so each resource registers a sync last-resort undo.
type Undo = () => void;

const pending = new Set<Undo>();
let installed = false;

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
  ] as const) {
    process.once(signal, () => {
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
