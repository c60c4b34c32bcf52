/** `moec schema` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';
import { EXIT_OK, EXIT_USAGE, exitCodesHelp } from '../exit-codes.js';

export const defineSchema: DefineCommand = (program, wrap) => {
  program
    .command('schema')
    .description('print the JSON Schema of spec files (for editors validating .moe.json / .moe.yaml)')
    .addHelpText('after', exitCodesHelp({ 0: 'printed' }, [EXIT_OK, EXIT_USAGE]) + '\nExample: moec schema > moe.schema.json')
    .action(
      wrap(async () => {
        const { modelSpecSchema } = await import('../../validate/schema.js');
        process.stdout.write(JSON.stringify(modelSpecSchema, null, 2) + '\n');
        return 0;
      }),
    );
};
