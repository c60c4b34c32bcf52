/**
 * CLI (`moec check`), in-process core: check each file through the same pipeline as every
 * other command (`loadModel`: parse → schema → semantic rules → IR → memory fit), so CI sees
 * exactly what `compile` and `train` would report. A fragment file (top-level blocks, no
 * model — meant to be imported) is parsed only: alone it is not a model, so "missing vocab"
 * would be noise. A compiler bug in one file becomes an MOE9005 diagnostic on that file and
 * the other files are still checked.
 */
import { createDiagnostic, sortDiagnostics, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { fileSpan } from '../../diagnostics/span.js';
import type { Sources } from '../../spec/source.js';
import type { Target } from '../../spec/types.js';
import { readSpecFile } from '../../spec/read-spec-file.js';
import type { TextResult } from '../../spec/read-text.js';
import { loadModel } from '../../pipeline.js';
import { countBySeverity, type CheckReport, type FileResult } from './report.js';

export interface CheckFilesOptions {
  /** Run the memory-fit analysis (default true). */
  memory?: boolean;
  /** Imports may not escape this directory (default: each spec's own directory). */
  root?: string;
  /** Run these targets' rules (default: the targets each spec declares). */
  targets?: readonly Target[];
  /** Contents already read, by the file name given (a spec from stdin). */
  texts?: ReadonlyMap<string, TextResult>;
}

function isFragment(parsed: unknown): boolean {
  return (parsed as { kind?: string }).kind === 'fragment';
}

function checkOne(file: string, options: CheckFilesOptions, sources: Sources): { kind: FileResult['kind']; diagnostics: Diagnostic[] } {
  try {
    const parsed = readSpecFile(file, sources, { root: options.root, text: options.texts?.get(file) });
    if (isFragment(parsed)) return { kind: 'fragment', diagnostics: parsed.diagnostics };
    const loaded = loadModel(file, { memoryFit: options.memory !== false, root: options.root, parsed, targets: options.targets }, sources);
    return { kind: 'model', diagnostics: loaded.diagnostics };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (process.env.MOEC_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return { kind: 'model', diagnostics: [createDiagnostic('MOE9005', { span: fileSpan(file), args: { reason } })] };
  }
}

export function checkFiles(files: readonly string[], options: CheckFilesOptions = {}, sources: Sources = new Map()): CheckReport {
  const results: FileResult[] = [];
  const all: Diagnostic[] = [];
  for (const file of files) {
    const { kind, diagnostics } = checkOne(file, options, sources);
    const { errors, warnings } = countBySeverity(diagnostics);
    results.push({ file, kind, errors, warnings });
    for (const d of diagnostics) all.push(d);
  }
  return { files: results, diagnostics: sortDiagnostics(all), sources };
}
