// --strict and --allow-inconclusive, the gate options of every judging
// command (run, run --maelstrom, chaos, chaos --maelstrom, replay). The gate
// itself is checks/gate.ts; this reads the flags, says them in --help and
// prints the gate's lines.
import { type Gate, type GateOptions, gateLines } from '../checks/gate.js';

export const GATE_FLAGS = {
  strict: { type: 'boolean' },
  'allow-inconclusive': { type: 'boolean' },
} as const;

/** The two flags' --help lines, their text starting at column `width` (0-based). */
export function gateHelp(width: number, expectFail = false): string {
  const line = (flag: string, text: string) => `  ${flag.padEnd(width - 3)} ${text}`;
  const strict = expectFail
    ? 'a missed SHOULD (NON-STRICT) or a stale --expect-fail entry'
    : 'a missed SHOULD (NON-STRICT)';
  return [
    line('--strict', `${strict} fails the gate too`),
    line('--allow-inconclusive', 'accept MUST cases that could not be judged (INCONCLUSIVE fails the gate'),
    line('', 'by default: "could not judge" is not "holds")'),
  ].join('\n');
}

export const gateOptions = (values: { strict?: boolean; 'allow-inconclusive'?: boolean }): GateOptions => ({
  strict: values.strict === true,
  allowInconclusive: values['allow-inconclusive'] === true,
});

/** Writes why the gate failed to stderr (nothing when it passed). */
export function printGate(g: Gate, otherwise?: string): void {
  for (const line of gateLines(g, otherwise)) process.stderr.write(`gossipcheck: ${line}\n`);
}
