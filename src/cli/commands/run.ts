/** `moec run` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';
import { formatOption, wholeNumber } from '../options.js';
import { exitCodesHelp } from '../exit-codes.js';

export const defineRun: DefineCommand = (program, wrap) => {
  program
    .command('run')
    .description('run a compiled ONNX model in onnxruntime: greedy generation from a prompt or token ids')
    .argument('<model>', 'model.onnx written by `moec compile --target onnx` (a spec must be compiled first)')
    .option('-p, --prompt <text>', 'text prompt, encoded as UTF-8 bytes (byte-level vocabulary, vocab ≥ 256)')
    .option('--ids <ids>', 'prompt as comma-separated token ids, e.g. 1,2,3')
    .option('-n, --max-new-tokens <n>', 'tokens to generate', wholeNumber('--max-new-tokens', 0), 16)
    .option('--threads <n>', 'onnxruntime intra-op threads (default: onnxruntime decides)', wholeNumber('--threads', 1))
    .addOption(formatOption(['pretty', 'json'], 'output format: streamed text, or one JSON document'))
    .addHelpText(
      'after',
      '\nEach step re-runs the whole sequence (the graph has no KV cache), so this shows a model working\n' +
        'end to end rather than serving it.\n\nExamples:\n' +
        '  moec run tiny.onnx --prompt "Hello" -n 32\n' +
        '  moec run tiny.onnx --ids 72,101,108 --format json\n' +
        exitCodesHelp({ 0: 'generated', 1: 'the model cannot be loaded or run' }),
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
