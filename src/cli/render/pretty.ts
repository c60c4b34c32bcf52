/**
 * Human-readable diagnostics: `file:line:col - error MOE1203: message`, the source line,
 * a caret under the span, and the hint.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { Sources } from '../../spec/source.js';

export function renderPretty(diagnostics: readonly Diagnostic[], sources: Sources): string {
  const out: string[] = [];
  for (const d of diagnostics) {
    const where = d.span ? `${d.span.file}:${d.span.line}:${d.span.column} - ` : '';
    out.push(`${where}${d.severity} ${d.code}: ${d.message}`);
    const text = d.span ? sources.get(d.span.file) : undefined;
    if (d.span && text !== undefined) {
      const line = text.split(/\r?\n/)[d.span.line - 1];
      if (line !== undefined && line.length <= 400) {
        const gutter = String(d.span.line);
        const width =
          d.span.endLine === d.span.line ? Math.max(1, d.span.endColumn - d.span.column) : Math.max(1, line.length - d.span.column + 1);
        out.push(`  ${gutter} | ${line}`);
        out.push(`  ${' '.repeat(gutter.length)} | ${' '.repeat(d.span.column - 1)}${'^'.repeat(Math.min(width, 120))}`);
      }
    }
    if (d.hint) out.push(`  hint: ${d.hint}`);
    for (const r of d.related ?? []) out.push(`  ${r.span.file}:${r.span.line}:${r.span.column}: ${r.message}`);
  }
  return out.join('\n') + (out.length ? '\n' : '');
}
