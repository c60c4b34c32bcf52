/** `moec explain` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';

export interface ExplainOptions {
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
    .option('--json', 'print one JSON object instead of tables')
    .option('--tensors', 'also list every parameter tensor: name, shape, group, storage dtype')
    .addHelpText(
      'after',
      '\nNo tensor is allocated: everything is computed from the resolved IR. Formulas and conventions: docs/explain.md.\n' +
        'Exit codes: 0 fine, 1 the spec has errors (including a layout that does not fit device memory), 2 usage error.',
    )
    .action(
      wrap(async (spec: string, options: ExplainOptions) => {
        const { runExplain } = await import('../explain/run-explain.js');
        return runExplain(spec, options);
      }),
    );
};
