/**
 * Human-readable diagnostics: `file:line:col - error MOE3201: message`, the source line,
 * a caret under the span, and the hint.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { Sources } from '../../spec/source.js';
import { NO_COLOR_PAINTER, painterFor, type Painter } from './color.js';
import { escapeControls } from '../../io/escape-text.js';

const TAB_WIDTH = 4;

/**
 * One source line as it should appear in a terminal, one display cell per character except a
 * tab, which becomes spaces (else the caret drifts by up to 7 columns
 * per tab), and a control character becomes its Unicode "control picture" (␛ for ESC), so a
 * spec holding escape sequences cannot clear or recolour the reader's terminal.
 */
function displayLine(line: string): string {
  // Bidirectional overrides and line separators become U+FFFD, one cell each like the rest.
  return line.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (c === '\t') return ' '.repeat(TAB_WIDTH);
    const code = c.charCodeAt(0);
    return code < 0x20 ? String.fromCharCode(0x2400 + code) : code === 0x7f ? '\u2421' : '\ufffd';
  });
}

/** Display width of the UTF-16 range [from, to) of `line` (0-based), tabs expanded. */
function displayWidth(line: string, from: number, to: number): number {
  let width = 0;
  for (let i = from; i < to && i < line.length; i++) width += line[i] === '\t' ? TAB_WIDTH : 1;
  return width;
}

/** `paint`: colour for a terminal (color.ts); the default draws plain text. */
export function renderPretty(diagnostics: readonly Diagnostic[], sources: Sources, paint: Painter = NO_COLOR_PAINTER): string {
  const out: string[] = [];
  const linesOf = new Map<string, string[]>();
  for (const d of diagnostics) {
    // Paths, messages and hints quote user text (names, keys, paths): control characters are
    // escaped so they cannot forge output lines or drive the terminal (src/io/escape-text.ts).
    const where = d.span ? `${paint.location(`${escapeControls(d.span.file)}:${d.span.line}:${d.span.column}`)} - ` : '';
    out.push(`${where}${paint.severity(d.severity, d.severity)} ${paint.code(d.code)}: ${escapeControls(d.message)}`);
    const text = d.span ? sources.get(d.span.file) : undefined;
    if (d.span && text !== undefined) {
      // Same line terminators as the lexer (\r\n, \r, \n), so line N here is line N there.
      let lines = linesOf.get(d.span.file);
      if (!lines) linesOf.set(d.span.file, (lines = text.split(/\r\n|\r|\n/)));
      const line = lines[d.span.line - 1];
      if (line !== undefined && line.length <= 400) {
        const gutter = String(d.span.line);
        const start = d.span.column - 1;
        const end = d.span.endLine === d.span.line ? d.span.endColumn - 1 : line.length;
        const width = Math.max(1, displayWidth(line, start, end));
        out.push(`  ${gutter} | ${displayLine(line)}`);
        out.push(`  ${' '.repeat(gutter.length)} | ${' '.repeat(displayWidth(line, 0, start))}${paint.severity(d.severity, '^'.repeat(Math.min(width, 120)))}`);
      }
    }
    if (d.hint) out.push(`  ${paint.hint('hint:')} ${escapeControls(d.hint)}`);
    for (const r of d.related ?? []) out.push(`  ${escapeControls(r.span.file)}:${r.span.line}:${r.span.column}: ${escapeControls(r.message)}`);
  }
  return out.join('\n') + (out.length ? '\n' : '');
}

/** Diagnostics onto `stream` (usually stderr), coloured when that stream is a terminal. */
export function writeDiagnostics(stream: NodeJS.WritableStream & { isTTY?: boolean }, diagnostics: readonly Diagnostic[], sources: Sources): void {
  if (diagnostics.length) stream.write(renderPretty(diagnostics, sources, painterFor(stream)));
}
