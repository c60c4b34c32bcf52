/**
 * CLI (`moec check`): expand inputs, check every file, render in the chosen format, and turn
 * the result into an exit code — 0 no errors (warnings allowed, up to --max-warnings), 1 errors,
 * 2 usage (an input matched nothing). The report is written whole or not at all.
 */
import type { CheckOptions } from '../commands/check.js';
import { createDiagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { expandInputs, type ExpandedInputs } from './expand-inputs.js';
import { inputMode, readStdinSpec } from '../stdin.js';
import type { Sources } from '../../spec/source.js';
import type { TextResult } from '../../spec/read-text.js';
import { checkFiles } from './check-files.js';
import { countBySeverity, summaryLine, type CheckReport } from './report.js';
import { renderPretty, writeDiagnostics } from '../render/pretty.js';
import { painterFor } from '../render/color.js';
import { EXIT_ERRORS, EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import { checkOutputNotInput } from '../../io/output-guard.js';
import { writeFileAtomicSync } from '../../io/write-file.js';

async function render(report: CheckReport, format: CheckOptions['format'], toTerminal: boolean): Promise<string> {
  switch (format) {
    case 'json':
      return (await import('../render/json.js')).renderJson(report);
    case 'sarif':
      return (await import('../render/sarif.js')).renderSarif(report);
    case 'github':
      return (await import('../render/github.js')).renderGithub(report);
    default:
      return renderPretty(report.diagnostics, report.sources, toTerminal ? painterFor(process.stdout) : undefined) + summaryLine(report) + '\n';
  }
}

/** The report to stdout, or to `output` atomically (never over one of the checked files). */
function write(output: string | undefined, text: string, inputs: Iterable<string>): Diagnostic | undefined {
  if (!output) {
    process.stdout.write(text);
    return undefined;
  }
  const clash = checkOutputNotInput(output, inputs);
  if (clash) return clash;
  try {
    writeFileAtomicSync(output, text);
    return undefined;
  } catch (err) {
    return createDiagnostic('MOE9004', { args: { path: output, reason: (err as Error).message } });
  }
}

/** The files to check: stdin (`-`), or the inputs expanded; usage problems as diagnostics. */
async function resolveInputs(inputs: string[], options: CheckOptions, sources: Sources): Promise<ExpandedInputs & { texts?: Map<string, TextResult> }> {
  const mode = inputMode(inputs, options.stdinFilepath);
  if (mode.kind === 'usage') return { files: [], diagnostics: [mode.diagnostic] };
  if (mode.kind === 'files') return expandInputs(inputs);
  return { files: [mode.display], diagnostics: [], texts: new Map([[mode.display, await readStdinSpec(mode.display, sources)]]) };
}

export async function runCheck(inputs: string[], options: CheckOptions): Promise<number> {
  const sources: Sources = new Map();
  const expanded = await resolveInputs(inputs, options, sources);
  const report = checkFiles(expanded.files, { memory: options.memory, root: options.root, targets: options.target, texts: expanded.texts }, sources);
  report.diagnostics.unshift(...expanded.diagnostics);
  const counts = countBySeverity(report.diagnostics);
  if (options.quiet) report.diagnostics = report.diagnostics.filter((d) => d.severity === 'error');
  const failed = write(options.output, await render(report, options.format, options.output === undefined), [...expanded.files, ...report.sources.keys()]);
  if (failed) {
    writeDiagnostics(process.stderr, [failed], report.sources);
    return EXIT_ERRORS;
  }
  if (expanded.diagnostics.length) return EXIT_USAGE;
  if (counts.errors > 0) return EXIT_ERRORS;
  if (options.maxWarnings !== undefined && counts.warnings > options.maxWarnings) {
    process.stderr.write(`moec check: ${counts.warnings} warnings exceed --max-warnings ${options.maxWarnings}\n`);
    return EXIT_ERRORS;
  }
  return EXIT_OK;
}
