/** `moec train` — definition only; the implementation is imported when the command runs. */
import { Option } from 'commander';
import type { DefineCommand } from '../define.js';
import { decimal, outputOption, wholeNumber } from '../options.js';
import { EXIT_ERRORS, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, exitCodesHelp } from '../exit-codes.js';

export const defineTrain: DefineCommand = (program, wrap) => {
  program
    .command('train')
    .description('train a spec with TensorFlow.js: checkpoints, metrics.jsonl and resume')
    .argument('[spec]', 'the spec to train (.moe, .moe.json, .moe.yaml); optional with --resume (the run records it)')
    .option('--data <paths...>', 'UTF-8 text files, JSONL files, directories or globs (default: the shipped demo text); JSONL records are {"text"}, and with --tokenizer also {"prompt","completion"} and {"messages"} (chat)')
    .option('--steps <n>', 'train until this many optimizer steps (default: train.steps)', wholeNumber('--steps', 1))
    .addOption(outputOption('run directory for checkpoints, metrics.jsonl and run.json (default: runs/<model name>)', 'dir'))
    .addOption(new Option('--out <dir>', 'the same as --output').hideHelp())
    .option('--resume <dir>', 'continue the run in <dir> from its latest checkpoint')
    .option('--tokenizer <path>', "the model's tokenizer: a tokenizer.json or a Hugging Face model directory (default: train.tokenizer, else UTF-8 bytes)")
    .option('--init-from <dir>', 'start from the weights of a moec run or checkpoint directory (LoRA: the frozen base weights)')
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend (webgpu: optional, needs a GPU; never picked by auto)').choices(['auto', 'node-gpu', 'node', 'webgpu', 'wasm', 'cpu']).default('auto'))
    .option('--threads <n>', 'threads for the wasm backend, 1 to the available cores (default: all available, at most 8)', wholeNumber('--threads', 1))
    .option('--no-backend-fallback', 'an explicit --backend that cannot be used is an error instead of a warning and a fallback')
    .option('--seed <n>', 'override train.seed (weights init, data order, jitter/dropout)', wholeNumber('--seed', 0, 2 ** 32 - 1))
    .option('--checkpoint-every <n>', 'override train.checkpoint_every', wholeNumber('--checkpoint-every', 1))
    .option('--keep <n>', 'keep only the newest n checkpoints (default: all)', wholeNumber('--keep', 1))
    .option('--eval-split <fraction>', 'hold out this fraction of the data (its tail) and log eval_loss on it to metrics.jsonl', decimal('--eval-split', Number.MIN_VALUE, 0.9))
    .option('--eval-every <n>', 'with --eval-split: evaluate every n steps and at the end (default: checkpoint_every)', wholeNumber('--eval-every', 1))
    .addOption(new Option('--progress <mode>', 'progress display').choices(['auto', 'bar', 'plain', 'none']).default('auto'))
    .addHelpText(
      'after',
      exitCodesHelp(
        { 0: 'trained to the last step', 1: 'the spec or data has errors, or the loss diverged', 130: 'interrupted (Ctrl-C): a checkpoint was written; --resume continues' },
        [EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_INTERRUPTED],
      ) + '\nExamples:\n  moec train specs/tiny.moe --steps 100 -o runs/tiny\n  moec train specs/tiny.moe --eval-split 0.05 --eval-every 20\n  moec train --resume runs/tiny\n  moec report runs/tiny',
    )
    .action(
      wrap(async (spec: string | undefined, options: TrainCommandOptions & { out?: string }) => {
        const { runTrainCommand } = await import('../../train/train-command.js');
        const { out, ...rest } = options;
        return runTrainCommand(spec, { ...rest, output: rest.output ?? out });
      }),
    );
};

export interface TrainCommandOptions {
  data?: string[];
  steps?: number;
  output?: string;
  resume?: string;
  initFrom?: string;
  tokenizer?: string;
  backend: 'auto' | 'node-gpu' | 'node' | 'webgpu' | 'wasm' | 'cpu';
  threads?: number;
  /** false with --no-backend-fallback. */
  backendFallback: boolean;
  seed?: number;
  checkpointEvery?: number;
  keep?: number;
  evalSplit?: number;
  evalEvery?: number;
  progress: 'auto' | 'bar' | 'plain' | 'none';
}
