/**
 * CLI entry. Command *definitions* (names, options, help) are declared eagerly here and in
 * src/cli/commands/*.ts; each command's *implementation* is imported only when it runs, so
 * `moec check` never loads TensorFlow.js or onnxruntime (cold start matters in CI).
 *
 * Exit codes: one table for every command, in exit-codes.ts (docs/cli.md).
 */
import { Command, CommanderError } from 'commander';
import { defineCheck } from './commands/check.js';
import { defineFmt } from './commands/fmt.js';
import { defineSchema } from './commands/schema.js';
import { defineExplain } from './commands/explain.js';
import { defineCompile } from './commands/compile.js';
import { defineRun } from './commands/run.js';
import { defineEval } from './commands/eval.js';
import { defineTrain } from './commands/train.js';
import { defineReport } from './commands/report.js';
import { defineInit } from './commands/init.js';
import { defineImport } from './commands/import.js';
import { defineExport } from './commands/export.js';
import { VERSION } from '../version.js';
import { escapeControls, escapeControlsKeepLines } from '../io/escape-text.js';

import { EXIT_ERRORS, EXIT_OK, EXIT_USAGE } from './exit-codes.js';

export { EXIT_ERRORS, EXIT_OK, EXIT_USAGE } from './exit-codes.js';

/** A command action resolves to its exit code. */
export type Action = (...args: any[]) => Promise<number>;

export function createProgram(setExit: (code: number) => void): Command {
  const program = new Command('moec')
    .description('Declarative Mixture-of-Experts model-spec compiler')
    .version(VERSION)
    .showHelpAfterError('(run `moec --help` for usage)')
    // Usage errors echo the argument given: its control characters are escaped like any output.
    .configureOutput({ outputError: (text, write) => write(escapeControlsKeepLines(text)) })
    .exitOverride();
  const wrap =
    (action: Action) =>
    async (...args: unknown[]) => {
      setExit(await action(...args));
    };
  for (const define of [defineInit, defineImport, defineCheck, defineFmt, defineSchema, defineExplain, defineCompile, defineExport, defineRun, defineEval, defineTrain, defineReport]) {
    define(program, wrap);
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let exit = EXIT_OK;
  const program = createProgram((code) => {
    exit = code;
  });
  try {
    await program.parseAsync(argv);
    return exit;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0 through the same path as usage errors.
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    const reason = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`error MOE9005: internal error in moec: ${escapeControls(reason.split('\n')[0]!)}\n`);
    if (process.env.MOEC_DEBUG) process.stderr.write(reason + '\n');
    process.stderr.write('  hint: this is a bug in moec, not in your spec; please report it with the spec that triggers it\n');
    return EXIT_ERRORS;
  }
}
