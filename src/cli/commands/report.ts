/** `moec report` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';

export const defineReport: DefineCommand = (program, wrap) => {
  program
    .command('report')
    .description('(not implemented yet)')
    .action(
      wrap(async () => {
        process.stderr.write('moec report: not implemented yet\n');
        return 2;
      }),
    );
};
