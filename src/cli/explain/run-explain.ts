/**
 * CLI (`moec explain`): load the spec through the same phases as `moec check`, then print
 * the analyses as tables or as one JSON object. Diagnostics go to stderr; a spec with errors
 * that still resolved (a layout that does not fit memory) is explained and exits 1.
 */
import type { ExplainOptions } from '../commands/explain.js';
import { hasErrors, sortDiagnostics } from '../../diagnostics/diagnostic.js';
import { loadModel } from '../../pipeline.js';
import { renderPretty } from '../render/pretty.js';
import { EXIT_ERRORS, EXIT_OK } from '../main.js';
import { createExplainReport } from './create-report.js';
import { renderText } from './render-text.js';

export async function runExplain(file: string, options: ExplainOptions): Promise<number> {
  const loaded = loadModel(file);
  const diagnostics = sortDiagnostics(loaded.diagnostics);
  if (diagnostics.length) process.stderr.write(renderPretty(diagnostics, loaded.sources));
  if (!loaded.ir) return EXIT_ERRORS;
  const report = createExplainReport(loaded.ir, diagnostics);
  if (options.json) {
    const json: Record<string, unknown> = { ...report };
    if (options.tensors) json.tensors = loaded.ir.tensors;
    process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  } else {
    process.stdout.write(renderText(report, loaded.ir, options.tensors));
  }
  return hasErrors(diagnostics) ? EXIT_ERRORS : EXIT_OK;
}
