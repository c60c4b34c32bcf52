/** `moec init` — definition only; the implementation is imported when the command runs. */
import { InvalidArgumentError, Option } from 'commander';
import type { DefineCommand } from '../define.js';
import { outputOption } from '../options.js';
import { exitCodesHelp } from '../exit-codes.js';
import { PRESETS, PRESET_NAMES } from '../init/presets.js';

export interface InitOptions {
  from: string;
  output?: string;
  force?: boolean;
}

/** A model name that is also a safe file name, since it names the file by default. */
function modelName(v: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v)) throw new InvalidArgumentError(`use letters, digits, '.', '_' and '-' (got \`${v}\`); -o names the file if it must differ`);
  return v;
}

export const defineInit: DefineCommand = (program, wrap) => {
  program
    .command('init')
    .description('write a commented spec to edit, started from a shipped model (a new user\'s starting point)')
    .argument('[name]', 'the model name; the file is <name>.moe', modelName, 'my-moe')
    .addOption(new Option('--from <preset>', 'the shipped spec to start from').choices([...PRESET_NAMES]).default('tiny'))
    .addOption(outputOption('the file to write (default: <name>.moe; `-` prints it)'))
    .option('--force', 'overwrite the output file if it exists')
    .addHelpText(
      'after',
      '\nPresets:\n' +
        PRESETS.map((p) => `  ${[p.file, ...p.aliases].join(', ').padEnd(34)} ${p.summary}`).join('\n') +
        '\n' +
        exitCodesHelp({ 0: 'written', 1: 'the file exists (see --force) or cannot be written' }) +
        '\nExamples:\n  moec init my-moe\n  moec init my-v3 --from deepseek-v3\n  moec init --from mixtral -o - | less',
    )
    .action(
      wrap(async (name: string, options: InitOptions) => {
        const { runInit } = await import('../init/run-init.js');
        return runInit(name, options);
      }),
    );
};
