/**
 * CLI (`moec explain`): load the spec through the same phases as `moec check`, then print
 * the analyses as tables or as one JSON object. Diagnostics go to stderr; a spec with errors
 * that still resolved (a layout that does not fit memory, a bad `train` block) is explained
 * and exits 1; a missing file exits 2 (exit-codes.ts).
 */
import type { ExplainOptions } from '../commands/explain.js';
import { sortDiagnostics } from '../../diagnostics/diagnostic.js';
import { writeDiagnostics } from '../render/pretty.js';
import { exitCodeFor } from '../exit-codes.js';
import { createExplainReport } from './create-report.js';
import { loadForExplain } from './load-for-explain.js';
import { renderText } from './render-text.js';

export async function runExplain(file: string, options: ExplainOptions): Promise<number> {
  if (options.json) process.stderr.write('moec explain: --json is deprecated; use --format json\n');
  const format = options.json ? 'json' : options.format;
  const { loaded, ir, withoutTraining } = loadForExplain(file);
  const diagnostics = sortDiagnostics(loaded.diagnostics);
  if (diagnostics.length) writeDiagnostics(process.stderr, diagnostics, loaded.sources);
  if (!ir) return exitCodeFor(diagnostics);
  const report = createExplainReport(ir, diagnostics, !withoutTraining);
  if (format === 'json') {
    const json: Record<string, unknown> = { ...report };
    if (options.tensors) json.tensors = ir.tensors;
    process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  } else {
    process.stdout.write(renderText(report, ir, options.tensors));
  }
  return exitCodeFor(diagnostics);
}
