/** `moec report` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';

export const defineReport: DefineCommand = (program, wrap) => {
  program
    .command('report')
    .description('render a training run (metrics.jsonl) to one HTML file: loss, learning rate, aux loss, grad norm, expert-load heatmap')
    .argument('<run>', 'the run directory written by `moec train --out`')
    .option('-o, --output <file>', 'where to write the HTML (default: <run>/report.html)')
    .addHelpText('after', '\nExit codes: 0 written, 1 errors (no metrics in the run).\nExample: moec report runs/tiny -o tiny.html')
    .action(
      wrap(async (run: string, options: ReportCommandOptions) => {
        const { runReportCommand } = await import('../../report/run-report.js');
        return runReportCommand(run, options);
      }),
    );
};

export interface ReportCommandOptions {
  output?: string;
}
