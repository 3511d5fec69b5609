// Bad user input (flags, config) is a UsageError: one clear line, exit code 2.
// Every command accepts --help / -h: usage on stdout, exit 0.
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    // One line on stderr, whoever built the message: node's parseArgs writes
    // hints on extra lines, and a CI log shows the first line only.
    super(oneLine(message));
    this.name = 'UsageError';
  }
}

function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
}

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

const HELP_FLAG = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * Strict flag parsing: unknown flags and stray arguments are usage errors.
 * `--help` / `-h` is always accepted (see `printHelp`).
 */
export function parseFlags<T extends Record<string, OptionSpec>>(
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options: { ...HELP_FLAG, ...options }, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/**
 * When --help was given, writes `usage` to stdout and returns true: the
 * command then returns 0 without doing anything else.
 */
export function printHelp(values: { help?: boolean }, usage: string): boolean {
  if (!values.help) return false;
  process.stdout.write(usage.endsWith('\n') ? usage : `${usage}\n`);
  return true;
}

export function intFlag(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number, got '${raw}'`);
  const v = Number(raw);
  if (v < min || v > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${v}`);
  return v;
}

export function choiceFlag<T extends string>(
  name: string,
  raw: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (raw === undefined) return undefined;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got '${raw}'`);
  }
  return raw as T;
}

/** HOST:PORT with a numeric port. */
export function listenFlag(raw: string): string {
  const m = /^(.+):(\d+)$/.exec(raw);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`--listen must be HOST:PORT, got '${raw}'`);
  return raw;
}
