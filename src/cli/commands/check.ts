/** `moec check` — definition only; the implementation is imported when the command runs. */
import { Option } from 'commander';
import type { DefineCommand } from '../define.js';
import { wholeNumber } from '../options.js';
import { TARGETS, type Target } from '../../spec/types.js';

export const defineCheck: DefineCommand = (program, wrap) => {
  program
    .command('check')
    .description('parse and validate spec files (schema, semantic rules, memory fit) without compiling; for CI')
    .argument('<inputs...>', 'spec files, directories (searched for *.moe, *.moe.json, *.moe.yaml) or globs')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json', 'sarif', 'github']).default('pretty'))
    .option('--max-warnings <n>', 'exit 1 when there are more than n warnings', wholeNumber('--max-warnings'))
    .option('-q, --quiet', 'report errors only')
    .option('--no-memory', 'skip the per-device memory-fit analysis')
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('-t, --target <target...>', 'also run the rules of these targets (default: the targets each spec declares)').choices([...TARGETS]))
    .option('--root <dir>', 'imports may not escape this directory (default: each spec file\'s directory)')
    .addHelpText(
      'after',
      '\nExit codes: 0 no errors (warnings allowed), 1 errors found (or too many warnings), 2 usage error or no input matched.\n' +
        'Example (GitHub Actions): moec check specs --format github',
    )
    .action(
      wrap(async (inputs: string[], options: CheckOptions) => {
        const { runCheck } = await import('../check/run-check.js');
        return runCheck(inputs, options);
      }),
    );
};

export interface CheckOptions {
  format: 'pretty' | 'json' | 'sarif' | 'github';
  maxWarnings?: number;
  quiet?: boolean;
  memory: boolean;
  output?: string;
  root?: string;
  target?: Target[];
}
