/** `moec schema` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';

export const defineSchema: DefineCommand = (program, wrap) => {
  program
    .command('schema')
    .description('(not implemented yet)')
    .action(
      wrap(async () => {
        process.stderr.write('moec schema: not implemented yet\n');
        return 2;
      }),
    );
};
