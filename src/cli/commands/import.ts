/** `moec import` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';
import { outputOption } from '../options.js';
import { exitCodesHelp } from '../exit-codes.js';

export interface ImportOptions {
  output?: string;
  force?: boolean;
}

export const defineImport: DefineCommand = (program, wrap) => {
  program
    .command('import')
    .description('write the .moe spec of a Hugging Face model from its config.json (mixtral, qwen2_moe, qwen3_moe, olmoe, deepseek_v2, deepseek_v3, gpt_oss, glm4_moe)')
    .argument('<config>', 'a config.json, or a model directory holding one')
    .addOption(outputOption('the spec file to write (default: print it to stdout)'))
    .option('--force', 'overwrite the output file if it exists')
    .addHelpText(
      'after',
      exitCodesHelp({ 0: 'written (warnings name config fields transformers itself ignores)', 1: 'the config has a field moec cannot express, or is not a config (nothing written)' }) +
        '\nExamples:\n  moec import ~/models/Mixtral-8x7B-v0.1 -o mixtral.moe\n  moec import config.json | less\n  moec compile mixtral.moe --weights ~/models/Mixtral-8x7B-v0.1 -o mixtral/',
    )
    .action(
      wrap(async (config: string, options: ImportOptions) => {
        const { runImport } = await import('../import/run-import.js');
        return runImport(config, options);
      }),
    );
};
