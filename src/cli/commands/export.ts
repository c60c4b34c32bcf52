/** `moec export` — definition only; the implementation is imported when the command runs. */
import { Argument, Option } from 'commander';
import type { DefineCommand } from '../define.js';
import { formatOption, outputOption, wholeNumber } from '../options.js';
import { exitCodesHelp } from '../exit-codes.js';
import { KNOWN_MODEL_TYPES } from '../../interop/hf/types/index.js';

export interface ExportOptions {
  output?: string;
  weights?: string;
  seed?: number;
  dtype: 'fp32' | 'bf16' | 'fp16';
  modelType?: string;
  configOnly?: boolean;
  maxShardSize?: number;
  force?: boolean;
  format: 'pretty' | 'json';
}

export const defineExport: DefineCommand = (program, wrap) => {
  program
    .command('export')
    .description('write a spec and its weights in another ecosystem\'s format: `hf` = a Hugging Face model directory (config.json, safetensors) for transformers, vLLM, Megatron-Bridge')
    .addArgument(new Argument('<format>', 'the format to write: hf (a Hugging Face model directory)').choices(['hf']))
    .argument('<spec>', 'spec file (.moe, .moe.json, .moe.yaml)')
    .addOption(outputOption('the model directory to write (required)', 'dir').makeOptionMandatory())
    .option('--weights <dir>', 'take weights from a training run, checkpoint, or Hugging Face model directory (default: the seeded initialization)')
    .option('--seed <n>', 'weight-init seed without --weights (default: the spec\'s train.seed)', wholeNumber('--seed'))
    .addOption(new Option('--dtype <dtype>', 'the checkpoint\'s float dtype (config torch_dtype)').choices(['fp32', 'bf16', 'fp16']).default('fp32'))
    .addOption(new Option('--model-type <type>', 'the Hugging Face model_type to write (default: the first that holds the spec)').choices([...KNOWN_MODEL_TYPES]))
    .option('--config-only', 'write config.json and generation_config.json only, no weights')
    .option('--max-shard-size <bytes>', 'largest safetensors shard (default 5000000000, save_pretrained\'s)', wholeNumber('--max-shard-size', 1))
    .option('--force', 'replace the output directory if it exists and is not empty')
    .addOption(formatOption(['pretty', 'json'], 'how to print diagnostics and the summary'))
    .addHelpText(
      'after',
      exitCodesHelp({ 0: 'written', 1: 'no model_type holds the spec, or the weights do not fit it (nothing written)' }) +
        '\nExamples:\n  moec export hf my-model.moe --weights runs/my-model --dtype bf16 -o my-model-hf/\n  moec export hf specs/olmoe-1b-7b.moe --config-only -o olmoe-hf/',
    )
    .action(
      wrap(async (format: string, spec: string, options: ExportOptions) => {
        const { runExport } = await import('../export/run-export.js');
        return runExport(format, spec, options);
      }),
    );
};
