/**
 * CLI — option-value parsers shared by the command definitions. A bad value throws commander's
 * InvalidArgumentError, which main.ts turns into a usage error (exit 2), not a crash.
 */
import { InvalidArgumentError } from 'commander';

/** Parses a whole number ≥ `min` for `flag`. */
export const wholeNumber =
  (flag: string, min = 0) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${flag} needs a whole number ≥ ${min}, got \`${v}\``);
    return n;
  };

/** Parses a decimal number in [min, max] for `flag`. */
export const decimal =
  (flag: string, min: number, max = Infinity) =>
  (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${flag} needs a number in [${min}, ${max === Infinity ? '∞' : max}], got \`${v}\``);
    }
    return n;
  };
