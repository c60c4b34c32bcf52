/** `moec fmt` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';
import { stdinFilepathOption } from '../options.js';
import { exitCodesHelp } from '../exit-codes.js';

export interface FmtCommandOptions {
  check?: boolean;
  write?: boolean;
  stdinFilepath?: string;
}

export const defineFmt: DefineCommand = (program, wrap) => {
  program
    .command('fmt')
    .description('format .moe files in the canonical layout (comments and number spellings are kept)')
    .argument('[inputs...]', 'spec files, directories (searched for *.moe), globs, or `-` for stdin')
    .option('--check', 'write nothing; exit 1 listing the files that are not formatted (for CI)')
    .option('-w, --write', 'rewrite files in place (atomically); default prints one file to stdout')
    .addOption(stdinFilepathOption())
    .addHelpText(
      'after',
      exitCodesHelp({ 0: 'formatted (or nothing to do)', 1: 'syntax errors, or (with --check) unformatted files' }) +
        '\nExamples:\n  moec fmt --write specs/\n  moec fmt - --stdin-filepath specs/my.moe < buffer.moe   # an editor: formatted text on stdout',
    )
    .action(
      wrap(async (inputs: string[], options: FmtCommandOptions) => {
        const { runFmt } = await import('../../fmt/run-fmt.js');
        return runFmt(inputs, options);
      }),
    );
};
