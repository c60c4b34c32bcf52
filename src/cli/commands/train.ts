/** `moec train` — definition only; the implementation is imported when the command runs. */
import { Option } from 'commander';
import type { DefineCommand } from '../define.js';
import { wholeNumber } from '../options.js';

export const defineTrain: DefineCommand = (program, wrap) => {
  program
    .command('train')
    .description('train a spec with TensorFlow.js: checkpoints, metrics.jsonl and resume')
    .argument('[spec]', 'the spec to train (.moe, .moe.json, .moe.yaml); optional with --resume (the run records it)')
    .option('--data <paths...>', 'UTF-8 text files, JSONL files with a "text" field, directories or globs (default: the shipped demo text)')
    .option('--steps <n>', 'train until this many optimizer steps (default: train.steps)', wholeNumber('--steps', 1))
    .option('--out <dir>', 'run directory for checkpoints, metrics.jsonl and run.json (default: runs/<model name>)')
    .option('--resume <dir>', 'continue the run in <dir> from its latest checkpoint')
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend (webgpu: optional, needs a GPU; never picked by auto)').choices(['auto', 'node-gpu', 'node', 'webgpu', 'wasm', 'cpu']).default('auto'))
    .option('--threads <n>', 'threads for the wasm backend, 1 to the available cores (default: all available, at most 8)', wholeNumber('--threads', 1))
    .option('--no-backend-fallback', 'an explicit --backend that cannot be used is an error instead of a warning and a fallback')
    .option('--seed <n>', 'override train.seed (weights init, data order, jitter/dropout)', wholeNumber('--seed', 0))
    .option('--checkpoint-every <n>', 'override train.checkpoint_every', wholeNumber('--checkpoint-every', 1))
    .option('--keep <n>', 'keep only the newest n checkpoints (default: all)', wholeNumber('--keep', 1))
    .addOption(new Option('--progress <mode>', 'progress display').choices(['auto', 'bar', 'plain', 'none']).default('auto'))
    .addHelpText(
      'after',
      '\nExit codes: 0 trained to the last step, 1 errors (or the loss diverged), 130 interrupted (Ctrl-C; resumable).\n' +
        'Examples:\n  moec train specs/tiny.moe --steps 100 --out runs/tiny\n  moec train --resume runs/tiny\n  moec report runs/tiny',
    )
    .action(
      wrap(async (spec: string | undefined, options: TrainCommandOptions) => {
        const { runTrainCommand } = await import('../../train/train-command.js');
        return runTrainCommand(spec, options);
      }),
    );
};

export interface TrainCommandOptions {
  data?: string[];
  steps?: number;
  out?: string;
  resume?: string;
  backend: 'auto' | 'node-gpu' | 'node' | 'webgpu' | 'wasm' | 'cpu';
  threads?: number;
  /** false with --no-backend-fallback. */
  backendFallback: boolean;
  seed?: number;
  checkpointEvery?: number;
  keep?: number;
  progress: 'auto' | 'bar' | 'plain' | 'none';
}
