// What every report names about its own run: the kit's version and the exact
// command line that re-runs it.
export { KIT_VERSION } from '../shared/kit.js';

/** POSIX-shell quoting, so the printed command can be pasted back as it is. */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/** `gossipcheck <sub> <args…>`, quoted for a shell. */
export function commandLine(sub: string, argv: readonly string[]): string {
  return ['gossipcheck', sub, ...argv.map(shellQuote)].join(' ');
}
