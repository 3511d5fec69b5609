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

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
type DurationUnit = keyof typeof UNIT_MS;

export interface DurationSpec {
  /** What a bare number means: each flag keeps the unit it always had. */
  bare: 'ms' | 's';
  fallbackMs: number;
  minMs: number;
  maxMs: number;
  /**
   * A bare number at or above this is refused: the flag's bare unit changed
   * (run --maelstrom --duration / --settle were ms, are now s), and a value
   * this big was almost surely meant in the old unit.
   */
  bareBelow?: number;
}

const showMs = (ms: number, unit: 'ms' | 's') => (unit === 's' ? `${ms / 1000} s` : `${ms} ms`);

/**
 * Every duration flag, in every command: a number with an optional unit
 * (`1500ms`, `1.5s`, `2m`, `1h`); a bare number is in the flag's own unit.
 * Returns milliseconds (whole).
 */
export function durationFlag(name: string, raw: string | undefined, spec: DurationSpec): number {
  if (raw === undefined) return spec.fallbackMs;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(raw.trim());
  if (!m) throw new UsageError(`--${name} must be a duration such as 1500ms, 1.5s or 2m, got '${raw}'`);
  const unit: DurationUnit = (m[2] as DurationUnit | undefined) ?? spec.bare;
  const n = Number(m[1]);
  if (m[2] === undefined && spec.bareBelow !== undefined && n >= spec.bareBelow)
    throw new UsageError(
      `--${name} ${raw}: a bare number is ${spec.bare === 's' ? 'seconds' : 'milliseconds'} here (it was milliseconds before); write ${raw}ms or ${n / 1000}s`,
    );
  // 1.1 * 1000 is 1100.0000000000002 in floating point: round what is a whole ms up to rounding error.
  const exact = n * UNIT_MS[unit];
  const ms = Math.round(exact);
  if (Math.abs(exact - ms) > 1e-6)
    throw new UsageError(`--${name} must be a whole number of milliseconds, got '${raw}'`);
  if (ms < spec.minMs || ms > spec.maxMs)
    throw new UsageError(
      `--${name} must be between ${showMs(spec.minMs, spec.bare)} and ${showMs(spec.maxMs, spec.bare)}, got ${showMs(ms, spec.bare)}`,
    );
  return ms;
}
