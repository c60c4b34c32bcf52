/**
 * CLI: the one exit-code table every command follows (docs/cli.md §Exit codes), and the rule
 * that turns a command's diagnostics into its code. A new command picks its codes from here and
 * prints them with `exitCodesHelp`, so `--help`, docs/cli.md and the behaviour agree
 * (test/cli/cli-doc.test.ts compares them).
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';

export const EXIT_OK = 0;
export const EXIT_ERRORS = 1;
export const EXIT_USAGE = 2;
/** 128 + SIGINT, as shells report a command stopped by Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

export type ExitCode = typeof EXIT_OK | typeof EXIT_ERRORS | typeof EXIT_USAGE | typeof EXIT_INTERRUPTED;

/** What each code means for every command; a command may say more about its own 0 and 1. */
export const EXIT_CODE_MEANINGS: Record<ExitCode, string> = {
  [EXIT_OK]: 'success (warnings do not fail a command)',
  [EXIT_ERRORS]: 'the input has errors, or the job failed (nothing half-written is left behind)',
  [EXIT_USAGE]: 'usage: unknown command or option, bad option value, missing argument, an input that does not exist, a glob that matched nothing',
  [EXIT_INTERRUPTED]: 'interrupted (Ctrl-C)',
};

/**
 * Diagnostics about the command line rather than the input's content: an input that does not
 * exist (MOE9001), a pattern that matched nothing (MOE9002; `train --data`: MOE6520), a spec
 * given where a model is expected (MOE9010), stdin misuse (MOE9011).
 */
const USAGE_CODES = new Set<string>(['MOE9001', 'MOE9002', 'MOE6520', 'MOE9010', 'MOE9011', 'MOE6030']);

export function isUsageDiagnostic(d: Diagnostic): boolean {
  return USAGE_CODES.has(d.code);
}

/** 2 when the command line itself is wrong, 1 for any other error, else 0. */
export function exitCodeFor(diagnostics: readonly Diagnostic[]): ExitCode {
  if (diagnostics.some(isUsageDiagnostic)) return EXIT_USAGE;
  return diagnostics.some((d) => d.severity === 'error') ? EXIT_ERRORS : EXIT_OK;
}

/**
 * The `Exit codes:` paragraph of a command's --help: the codes it can return, each with the
 * shared meaning unless the command states its own.
 */
export function exitCodesHelp(own: Partial<Record<ExitCode, string>> = {}, codes: ExitCode[] = [EXIT_OK, EXIT_ERRORS, EXIT_USAGE]): string {
  const lines = codes.map((c) => `  ${String(c).padStart(3)}  ${own[c] ?? EXIT_CODE_MEANINGS[c]}`);
  return `\nExit codes:\n${lines.join('\n')}\n`;
}
