/** `moec train` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';

export const defineTrain: DefineCommand = (program, wrap) => {
  program
    .command('train')
    .description('(not implemented yet)')
    .action(
      wrap(async () => {
        process.stderr.write('moec train: not implemented yet\n');
        return 2;
      }),
    );
};
