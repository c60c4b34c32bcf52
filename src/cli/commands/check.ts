/** `moec check` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';

export const defineCheck: DefineCommand = (program, wrap) => {
  program
    .command('check')
    .description('(not implemented yet)')
    .action(
      wrap(async () => {
        process.stderr.write('moec check: not implemented yet\n');
        return 2;
      }),
    );
};
