/** `moec schema` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';

export const defineSchema: DefineCommand = (program, wrap) => {
  program
    .command('schema')
    .description('print the JSON Schema of spec files (for editors validating .moe.json / .moe.yaml)')
    .action(
      wrap(async () => {
        const { modelSpecSchema } = await import('../../validate/schema.js');
        process.stdout.write(JSON.stringify(modelSpecSchema, null, 2) + '\n');
        return 0;
      }),
    );
};
