/** `moec run` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';

export const defineRun: DefineCommand = (program, wrap) => {
  program
    .command('run')
    .description('(not implemented yet)')
    .action(
      wrap(async () => {
        process.stderr.write('moec run: not implemented yet\n');
        return 2;
      }),
    );
};
