/** `moec fmt` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';

export const defineFmt: DefineCommand = (program, wrap) => {
  program
    .command('fmt')
    .description('format .moe files in the canonical layout (comments and number spellings are kept)')
    .argument('<inputs...>', 'spec files, directories (searched for *.moe) or globs')
    .option('--check', 'write nothing; exit 1 listing the files that are not formatted (for CI)')
    .option('-w, --write', 'rewrite files in place (atomically); default prints one file to stdout')
    .addHelpText('after', '\nExit codes: 0 formatted (or nothing to do), 1 syntax errors or unformatted files with --check, 2 usage error.')
    .action(
      wrap(async (inputs: string[], options: { check?: boolean; write?: boolean }) => {
        const { runFmt } = await import('../../fmt/run-fmt.js');
        return runFmt(inputs, options);
      }),
    );
};
