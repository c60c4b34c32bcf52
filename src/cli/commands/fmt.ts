/** `moec fmt` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';

export const defineFmt: DefineCommand = (program, wrap) => {
  program
    .command('fmt')
    .description('(not implemented yet)')
    .action(
      wrap(async () => {
        process.stderr.write('moec fmt: not implemented yet\n');
        return 2;
      }),
    );
};
