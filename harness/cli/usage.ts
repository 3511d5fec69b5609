// Bad user input (flags, config) is a UsageError: one clear line, exit code 2.
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

/** Strict flag parsing: unknown flags and stray arguments are usage errors. */
export function parseFlags<T extends Record<string, OptionSpec>>(
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
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
