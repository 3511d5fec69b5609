import { describe, expect, it } from 'vitest';
import { durationFlag, UsageError } from './usage.js';

const SECONDS = { bare: 's', fallbackMs: 30_000, minMs: 1000, maxMs: 3_600_000 } as const;
const MILLIS = { bare: 'ms', fallbackMs: 200, minMs: 10, maxMs: 60_000 } as const;

describe('durationFlag', () => {
  it('reads every unit and a bare number in the flag’s own unit, in ms', () => {
    expect(durationFlag('duration', '1500ms', SECONDS)).toBe(1500);
    expect(durationFlag('duration', '1.5s', SECONDS)).toBe(1500);
    expect(durationFlag('duration', '1.1s', SECONDS)).toBe(1100);
    expect(durationFlag('duration', '2m', SECONDS)).toBe(120_000);
    expect(durationFlag('duration', '1h', SECONDS)).toBe(3_600_000);
    expect(durationFlag('duration', '7', SECONDS)).toBe(7000);
    expect(durationFlag('period', '50', MILLIS)).toBe(50);
    expect(durationFlag('period', '2s', MILLIS)).toBe(2000);
  });

  it('falls back when the flag is absent', () => {
    expect(durationFlag('duration', undefined, SECONDS)).toBe(30_000);
  });

  it('refuses bad input with one line naming the flag', () => {
    for (const [raw, msg] of [
      ['abc', /^--duration must be a duration such as 1500ms, 1.5s or 2m, got 'abc'$/],
      ['-5', /must be a duration/],
      ['5 sec', /must be a duration/],
      ['', /must be a duration/],
      ['0.5ms', /whole number of milliseconds/],
      ['500ms', /^--duration must be between 1 s and 3600 s, got 0.5 s$/],
      ['2h', /between 1 s and 3600 s, got 7200 s/],
    ] as const) {
      expect(() => durationFlag('duration', raw, SECONDS), raw).toThrow(UsageError);
      expect(() => durationFlag('duration', raw, SECONDS), raw).toThrow(msg);
    }
    expect(() => durationFlag('period', '5', MILLIS)).toThrow(/between 10 ms and 60000 ms, got 5 ms/);
  });

  it('refuses a bare number at or above bareBelow (a unit changed), not one with a unit', () => {
    const spec = { ...SECONDS, minMs: 100, bareBelow: 100 };
    expect(durationFlag('duration', '99', spec)).toBe(99_000);
    expect(() => durationFlag('duration', '5000', spec)).toThrow(
      /^--duration 5000: a bare number is seconds here \(it was milliseconds before\); write 5000ms or 5s$/,
    );
    expect(durationFlag('duration', '5000ms', spec)).toBe(5000);
    expect(durationFlag('duration', '120s', spec)).toBe(120_000);
  });
});
