/**
 * CLI — option-value parsers shared by the command definitions. A bad value throws commander's
 * InvalidArgumentError, which main.ts turns into a usage error (exit 2), not a crash.
 */
import { InvalidArgumentError } from 'commander';

/**
 * Parses a whole number in [`min`, `max`] for `flag`. Strict: decimal digits only — not `0x10`,
 * `1e3`, ` 12` or the empty string (which Number() reads as 0) — and never past 2^53, where a
 * number would be silently rounded.
 */
export const wholeNumber =
  (flag: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  (v: string): number => {
    const n = /^[0-9]{1,16}$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`;
      throw new InvalidArgumentError(`${flag} needs a whole number ${range}, got \`${v}\``);
    }
    return n;
  };
