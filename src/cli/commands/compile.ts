/** `moec compile` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';

export const defineCompile: DefineCommand = (program, wrap) => {
  program
    .command('compile')
    .description('(not implemented yet)')
    .action(
      wrap(async () => {
        process.stderr.write('moec compile: not implemented yet\n');
        return 2;
      }),
    );
};
