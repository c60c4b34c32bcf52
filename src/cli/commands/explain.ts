/** `moec explain` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';

export const defineExplain: DefineCommand = (program, wrap) => {
  program
    .command('explain')
    .description('(not implemented yet)')
    .action(
      wrap(async () => {
        process.stderr.write('moec explain: not implemented yet\n');
        return 2;
      }),
    );
};
