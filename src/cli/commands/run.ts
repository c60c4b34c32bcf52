/** `moec run` — definition only; the implementation is imported when the command runs. */
import { Option } from 'commander';
import type { DefineCommand } from '../define.js';
import { availableParallelism } from 'node:os';
import { wholeNumber } from '../options.js';

/** Each step re-runs the whole sequence (no KV cache): past this a run never ends in practice. */
export const MAX_NEW_TOKENS = 1 << 20;

export const defineRun: DefineCommand = (program, wrap) => {
  program
    .command('run')
    .description('run a compiled ONNX model in onnxruntime: greedy generation from a prompt or token ids')
    .argument('<model>', 'model.onnx written by `moec compile --target onnx`')
    .option('-p, --prompt <text>', 'text prompt, encoded as UTF-8 bytes (byte-level vocabulary, vocab ≥ 256)')
    .option('--ids <ids>', 'prompt as comma-separated token ids, e.g. 1,2,3')
    .option('-n, --max-new-tokens <n>', 'tokens to generate (at most 1048576)', wholeNumber('--max-new-tokens', 0, MAX_NEW_TOKENS), 16)
    // More threads than CPUs only slows onnxruntime down, and 99999 threads exhaust the machine.
    .option('--threads <n>', `onnxruntime intra-op threads, at most the ${availableParallelism()} CPUs (default: onnxruntime decides)`, wholeNumber('--threads', 1, availableParallelism()))
    .addOption(new Option('-f, --format <format>', 'output format').choices(['pretty', 'json']).default('pretty'))
    .addHelpText(
      'after',
      '\nEach step re-runs the whole sequence (the graph has no KV cache), so this shows a model working\n' +
        'end to end rather than serving it. Examples:\n' +
        '  moec run tiny.onnx --prompt "Hello" -n 32\n' +
        '  moec run tiny.onnx --ids 72,101,108 --format json',
    )
    .action(
      wrap(async (model: string, options: RunOptions) => {
        const { runModel } = await import('../../run/run-command.js');
        return runModel(model, options);
      }),
    );
};

export interface RunOptions {
  prompt?: string;
  ids?: string;
  maxNewTokens: number;
  threads?: number;
  format: 'pretty' | 'json';
}
