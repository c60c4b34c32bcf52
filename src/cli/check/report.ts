/**
 * CLI (`moec check`): the result of checking a set of files — what every renderer
 * (pretty, json, sarif, github) formats. Diagnostics not tied to a file (an input that
 * matched nothing) have no span.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { Sources } from '../../spec/source.js';

export interface FileResult {
  file: string;
  /** A fragment (top-level blocks, no model) is parsed only, never validated as a whole model. */
  kind: 'model' | 'fragment';
  errors: number;
  warnings: number;
}

export interface CheckReport {
  files: FileResult[];
  /** Sorted by file, position, code. */
  diagnostics: Diagnostic[];
  sources: Sources;
}

export function countBySeverity(diagnostics: readonly Diagnostic[]): { errors: number; warnings: number; infos: number } {
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const d of diagnostics) {
    if (d.severity === 'error') errors++;
    else if (d.severity === 'warning') warnings++;
    else infos++;
  }
  return { errors, warnings, infos };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "3 files checked: 2 errors, 1 warning" / "3 files checked: no problems". */
export function summaryLine(report: CheckReport): string {
  const { errors, warnings } = countBySeverity(report.diagnostics);
  const head = `${plural(report.files.length, 'file')} checked`;
  if (errors === 0 && warnings === 0) return `${head}: no problems`;
  return `${head}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}
