/** `moec explain` — definition only; the implementation is imported when the command runs. */
import { Option } from 'commander';
import type { DefineCommand } from '../define.js';
import { formatOption } from '../options.js';
import { exitCodesHelp } from '../exit-codes.js';

export const EXPLAIN_FORMATS = ['pretty', 'json'] as const;

export interface ExplainOptions {
  format: (typeof EXPLAIN_FORMATS)[number];
  /** Deprecated spelling of `--format json`. */
  json?: boolean;
  tensors?: boolean;
}

export const defineExplain: DefineCommand = (program, wrap) => {
  program
    .command('explain')
    .description(
      'what a spec is: parameters (total/active by group), FLOPs per token, the parallel layout with per-device memory and communication, quantized size',
    )
    .argument('<spec>', 'a spec file (.moe, .moe.json, .moe.yaml)')
    .addOption(formatOption(EXPLAIN_FORMATS, 'output format: tables, or one JSON object'))
    .addOption(new Option('--json', 'deprecated: use --format json').hideHelp())
    .option('--tensors', 'also list every parameter tensor: name, shape, group, storage dtype')
    .addHelpText(
      'after',
      '\nNo tensor is allocated: everything is computed from the resolved IR. Formulas and conventions: docs/explain.md.\n' +
        'Errors only in the `train` block still give the parameters, FLOPs per token and layout (the training figures are left out).\n' +
        exitCodesHelp({ 0: 'explained', 1: 'the spec has errors (including a layout that does not fit device memory)' }),
    )
    .action(
      wrap(async (spec: string, options: ExplainOptions) => {
        const { runExplain } = await import('../explain/run-explain.js');
        return runExplain(spec, options);
      }),
    );
};
