/**
 * Hostile-input fuzzer — one mutant through the whole `moec check` pipeline (read, parse or
 * JSON/YAML, imports, schema, semantic rules, IR, memory fit) and the properties it must keep:
 * no crash (an exception, or MOE9005 — the pipeline's catch-all for one), every diagnostic has
 * a code from the table, a span with a 1-based line and column in a file of this run, and a
 * message with no unfilled `{placeholder}`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkFiles } from '../../../src/cli/check/check-files.js';
import { diagnosticTable } from '../../../src/diagnostics/codes/index.js';
import type { Mutant } from './mutate.js';

export interface MutantResult {
  problems: string[];
  diagnostics: number;
  /** Whether the mutant came through as a valid model (no errors). */
  valid: boolean;
}

/** Write `m` as `<dir>/m<format>` and check it. */
export function checkMutant(m: Mutant, dir: string): MutantResult {
  const file = join(dir, `m${m.seed.format}`);
  writeFileSync(file, m.text);
  const problems: string[] = [];
  let report;
  try {
    report = checkFiles([file]);
  } catch (err) {
    return { problems: [`threw: ${(err as Error).stack ?? String(err)}`], diagnostics: 0, valid: false };
  }
  for (const d of report.diagnostics) {
    const where = `${d.code} ${d.message.slice(0, 120)}`;
    if (d.code === 'MOE9005') problems.push(`crash: ${where}`);
    if (!(d.code in diagnosticTable)) problems.push(`unknown code: ${where}`);
    if (!d.span) problems.push(`no span: ${where}`);
    else if (!(d.span.line >= 1 && d.span.column >= 1)) problems.push(`bad span ${d.span.line}:${d.span.column}: ${where}`);
    else if (!report.sources.has(d.span.file) && d.span.file !== file && !d.span.file.startsWith(dir)) problems.push(`span in unknown file ${d.span.file}: ${where}`);
    if (/\{\w+\}/.test(d.message)) problems.push(`unfilled placeholder: ${where}`);
  }
  return { problems, diagnostics: report.diagnostics.length, valid: !report.diagnostics.some((d) => d.severity === 'error') };
}
