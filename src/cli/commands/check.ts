/** `moec check` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';
import { formatOption, outputOption, stdinFilepathOption, targetsOption, wholeNumber } from '../options.js';
import { exitCodesHelp } from '../exit-codes.js';
import type { Target } from '../../spec/types.js';

export const CHECK_FORMATS = ['pretty', 'json', 'sarif', 'github'] as const;

export const defineCheck: DefineCommand = (program, wrap) => {
  program
    .command('check')
    .description('parse and validate spec files (schema, semantic rules, memory fit) without compiling; for CI')
    .argument('[inputs...]', 'spec files, directories (searched for *.moe, *.moe.json, *.moe.yaml), globs, or `-` for stdin')
    .addOption(formatOption(CHECK_FORMATS))
    .option('--max-warnings <n>', 'exit 1 when there are more than n warnings', wholeNumber('--max-warnings'))
    .option('-q, --quiet', 'report errors only')
    .option('--no-memory', 'skip the per-device memory-fit analysis')
    .addOption(outputOption('write the report to this file instead of stdout (whole or not at all)'))
    .addOption(targetsOption())
    .option('--root <dir>', 'imports may not escape this directory (default: each spec file\'s directory)')
    .addOption(stdinFilepathOption())
    .addHelpText(
      'after',
      exitCodesHelp({ 0: 'no errors (warnings allowed, up to --max-warnings)', 1: 'errors found, or more warnings than --max-warnings' }) +
        '\nExamples:\n  moec check specs --format github --max-warnings 0   # GitHub Actions\n  moec check - --stdin-filepath specs/my.moe < my.moe   # an editor\'s buffer',
    )
    .action(
      wrap(async (inputs: string[], options: CheckOptions) => {
        const { runCheck } = await import('../check/run-check.js');
        return runCheck(inputs, options);
      }),
    );
};

export interface CheckOptions {
  format: (typeof CHECK_FORMATS)[number];
  maxWarnings?: number;
  quiet?: boolean;
  memory: boolean;
  output?: string;
  root?: string;
  target?: Target[];
  stdinFilepath?: string;
}
