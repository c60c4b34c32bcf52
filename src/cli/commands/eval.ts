/** `moec eval` — definition only; the implementation is imported when the command runs. */
import { Option } from 'commander';
import type { DefineCommand } from '../define.js';
import { formatOption, wholeNumber } from '../options.js';
import { exitCodesHelp } from '../exit-codes.js';

export const defineEval: DefineCommand = (program, wrap) => {
  program
    .command('eval')
    .description('loss and perplexity (per token and per byte) of a compiled model or a training run on held-out text')
    .argument('<model>', 'a model folder (`moec compile -o dir/`), a .onnx file, or a training run / checkpoint directory')
    .option('--data <paths...>', 'UTF-8 text files, JSONL files with a "text" field, directories or globs, read as `moec train` reads them (default: the shipped demo text)')
    .option('--tokenizer <path>', "the model's tokenizer (tokenizer.json or a Hugging Face model directory) instead of UTF-8 bytes (default: a model folder's own tokenizer.json when it is not the byte-level one; a run's train.tokenizer); documents get its special tokens and eos")
    .option('--seq-len <n>', 'tokens per scored window (default: the model\'s context)', wholeNumber('--seq-len', 1))
    .option('--max-tokens <n>', 'score at most this many tokens (default: all)', wholeNumber('--max-tokens', 1))
    .option('--batch <n>', 'windows per onnxruntime run (default: up to 16, within 128 MiB of logits)', wholeNumber('--batch', 1))
    .option('--spec <file>', 'the spec of a run directory (default: the one its run.json names)')
    .addOption(new Option('--variant <name>', 'model folder: evaluate onnx/model_<variant>.onnx').choices(['fp16', 'int8', 'q8', 'q4']))
    .option('--threads <n>', 'onnxruntime intra-op threads (default: onnxruntime decides)', wholeNumber('--threads', 1))
    .addOption(formatOption(['pretty', 'json']))
    .addHelpText(
      'after',
      '\nWindows are consecutive and non-overlapping; each scores every token after its first.\n' +
        'Examples:\n' +
        '  moec eval tiny/ --data specs/data/alice-chapters-1-2.txt\n' +
        '  moec eval runs/tiny --data held-out/ --seq-len 64 --format json\n' +
        '  moec eval tiny/ --variant q4 --max-tokens 4096\n' +
        exitCodesHelp({ 0: 'evaluated', 1: 'the model or the data cannot be read, or there is nothing to score' }),
    )
    .action(
      wrap(async (model: string, options: EvalOptions) => {
        const { runEval } = await import('../../eval/eval-command.js');
        return runEval(model, options);
      }),
    );
};

export interface EvalOptions {
  data?: string[];
  tokenizer?: string;
  seqLen?: number;
  maxTokens?: number;
  batch?: number;
  spec?: string;
  variant?: 'fp16' | 'int8' | 'q8' | 'q4';
  threads?: number;
  format: 'pretty' | 'json';
}
