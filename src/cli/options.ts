/**
 * CLI — the shared option vocabulary (docs/cli.md §Conventions). Every command that prints a
 * report takes `-f, --format`, every command that writes a result takes `-o, --output`, every
 * command that reads a spec from stdin takes `--stdin-filepath`; a new command builds its options
 * from these so the spellings never drift. A bad value throws commander's InvalidArgumentError,
 * which main.ts turns into a usage error (exit 2), not a crash.
 */
import { InvalidArgumentError, Option } from 'commander';
import { TARGETS } from '../spec/types.js';

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

/** `-f, --format <format>`: `pretty` (for people, the default) or a machine format. */
export function formatOption<const F extends string>(choices: readonly F[], description = 'output format'): Option {
  return new Option('-f, --format <format>', description).choices([...choices]).default(choices[0]);
}

/** `-o, --output <path>`: where the command writes its result. `what` says what and the default. */
export function outputOption(what: string, valueName = 'file'): Option {
  return new Option(`-o, --output <${valueName}>`, what);
}

/** `-t, --target <target...>`: run the rules of these targets (docs/language.md §Targets). */
export function targetsOption(description = 'also run the rules of these targets (default: the targets each spec declares)'): Option {
  return new Option('-t, --target <target...>', description).choices([...TARGETS]);
}

/**
 * `--stdin-filepath <path>` (prettier's name): the spec comes from stdin (`-`, or no input at
 * all); diagnostics name it `path`, and its imports resolve from `path`'s directory. The file
 * need not exist.
 */
export function stdinFilepathOption(): Option {
  return new Option('--stdin-filepath <path>', 'with `-` (or no input): read the spec from stdin and treat it as this file (names in diagnostics, relative imports)');
}

/** The input that means "read stdin", as in prettier, ruff and most Unix tools. */
export const STDIN = '-';

/**
 * `--lora <key=value>` (repeatable): a key of the spec's `train.lora` block for this command
 * (src/spec/lora-option.ts), as `--megatron key=value` sets the megatron block's.
 */
export function loraOption(): Option {
  return new Option('--lora <key=value>', "set a key of the spec's train.lora block: rank, alpha, dropout, rslora, targets (comma-separated), layers; repeatable").argParser((v: string, all: string[] | undefined) => [...(all ?? []), v]);
}
