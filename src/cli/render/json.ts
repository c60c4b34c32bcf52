/**
 * Machine-readable `moec check` output: one JSON document with every diagnostic (1-based
 * line/column, hint, related places), a per-file summary and totals. Stable field names;
 * `version` changes if they ever do.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { countBySeverity, type CheckReport } from '../check/report.js';

function location(d: { span?: Diagnostic['span'] }) {
  const s = d.span;
  return s ? { file: s.file, line: s.line, column: s.column, endLine: s.endLine, endColumn: s.endColumn } : {};
}

export function renderJson(report: CheckReport): string {
  const doc = {
    version: 1,
    summary: { files: report.files.length, ...countBySeverity(report.diagnostics) },
    files: report.files,
    diagnostics: report.diagnostics.map((d) => ({
      code: d.code,
      severity: d.severity,
      message: d.message,
      ...location(d),
      ...(d.hint ? { hint: d.hint } : {}),
      ...(d.related?.length ? { related: d.related.map((r) => ({ message: r.message, ...location(r) })) } : {}),
    })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
