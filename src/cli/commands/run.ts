/** `moec run` — definition only; the implementation is imported when the command runs. */
import { Option } from 'commander';
import type { DefineCommand } from '../define.js';
import { availableParallelism } from 'node:os';
import { decimal, formatOption, wholeNumber } from '../options.js';
import { exitCodesHelp } from '../exit-codes.js';

/** Each step re-runs the whole sequence (no KV cache): past this a run never ends in practice. */
export const MAX_NEW_TOKENS = 1 << 20;

export const defineRun: DefineCommand = (program, wrap) => {
  program
    .command('run')
    .description('run a compiled ONNX model in onnxruntime: generation with the KV cache from a prompt, token ids or a file of prompts')
    .argument('<model>', 'a model folder (`moec compile -o dir/`) or a .onnx file')
    .option('-p, --prompt <text>', 'text prompt, encoded as UTF-8 bytes (byte-level vocabulary, vocab ≥ 256) or by --tokenizer')
    .option('--ids <ids>', 'prompt as comma-separated token ids, e.g. 1,2,3')
    .option('--tokenizer <path>', "the model's tokenizer (tokenizer.json or a Hugging Face model directory) instead of UTF-8 bytes (default: a model folder's own tokenizer.json, when it is not the byte-level one)")
    .option('--prompts <file>', 'one prompt per line (or .jsonl with a "prompt" or "text" field per line), run as one left-padded batch')
    .option('-n, --max-new-tokens <n>', 'tokens to generate per prompt (at most 1048576)', wholeNumber('--max-new-tokens', 0, MAX_NEW_TOKENS), 16)
    .option('--temperature <t>', 'sampling temperature; 0 = greedy (argmax)', decimal('--temperature', 0), 0)
    .option('--top-k <k>', 'sample among the k most likely tokens (0 = all)', wholeNumber('--top-k', 0), 0)
    .option('--top-p <p>', 'sample from the smallest set of tokens with probability ≥ p (1 = all)', decimal('--top-p', Number.MIN_VALUE, 1), 1)
    // 32 bits, as `moec train --seed`: the generator takes a 32-bit seed, so 2^32 would alias 0.
    .option('--seed <n>', 'seed of the sampling generator (same seed, same tokens)', wholeNumber('--seed', 0, 2 ** 32 - 1), 0)
    .addOption(new Option('--variant <name>', 'model folder: load onnx/model_<variant>.onnx').choices(['fp16', 'int8', 'q8', 'q4']))
    .option('--no-cache', 're-run the whole sequence for every token (the full-recompute baseline)')
    // More threads than CPUs only slows onnxruntime down, and 99999 threads exhaust the machine.
    .option('--threads <n>', `onnxruntime intra-op threads, at most the ${availableParallelism()} CPUs (default: onnxruntime decides)`, wholeNumber('--threads', 1, availableParallelism()))
    .addOption(formatOption(['pretty', 'json'], 'output format: streamed text, or one JSON document'))
    .addHelpText(
      'after',
      '\nThe prompt is run once (prefill), then each new token is one step through the KV cache. Generation\n' +
        'stops at the end-of-sequence id (the trainer\'s end-of-document token, when the vocabulary has one)\n' +
        'or after --max-new-tokens. Examples:\n' +
        '  moec run tiny/ --prompt "Hello" -n 32\n' +
        '  moec run tiny/ --prompt "Once" --temperature 0.8 --top-p 0.95 --seed 7\n' +
        '  moec run tiny/ --prompts prompts.txt --format json\n' +
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
  prompts?: string;
  tokenizer?: string;
  maxNewTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  variant?: 'fp16' | 'int8' | 'q8' | 'q4';
  /** false with --no-cache. */
  cache: boolean;
  threads?: number;
  format: 'pretty' | 'json';
}
