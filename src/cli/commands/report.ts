/** `moec report` — definition only; the implementation is imported when the command runs. */
import type { DefineCommand } from '../define.js';
import { outputOption } from '../options.js';
import { exitCodesHelp } from '../exit-codes.js';

export const defineReport: DefineCommand = (program, wrap) => {
  program
    .command('report')
    .description('render a training run (metrics.jsonl) to one HTML file: loss, learning rate, aux loss, grad norm, expert-load heatmap')
    .argument('<run>', 'the run directory written by `moec train --output`')
    .addOption(outputOption('where to write the HTML (default: <run>/report.html)'))
    .addHelpText('after', exitCodesHelp({ 0: 'written', 1: 'the run has no metrics yet, or the report cannot be written' }) + '\nExample: moec report runs/tiny -o tiny.html')
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
