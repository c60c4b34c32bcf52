/**
 * Phase: lexing/parsing. Chevrotain token positions → moec Spans. Chevrotain's end offsets and
 * columns are inclusive; a Span's are exclusive (one past the last character), as editors and
 * renderPretty's caret width expect.
 */
import type { IToken } from 'chevrotain';
import type { Span } from '../src/diagnostics/span.js';

/** False for tokens Chevrotain inserted during error recovery (they have no position). */
export function isRealToken(token: IToken | undefined): token is IToken {
  return token !== undefined && !token.isInsertedInRecovery && Number.isFinite(token.startOffset);
}

export function tokenSpan(file: string, token: IToken): Span {
  return {
    file,
    offset: token.startOffset,
    line: token.startLine ?? 1,
    column: token.startColumn ?? 1,
    endOffset: (token.endOffset ?? token.startOffset) + 1,
    endLine: token.endLine ?? token.startLine ?? 1,
    endColumn: (token.endColumn ?? token.startColumn ?? 0) + 1,
  };
}

/** A zero-width span just past the end of `text` (where "found end of file" points). */
export function endOfFileSpan(file: string, text: string): Span {
  const lines = text.split(/\r\n|\r|\n/);
  const line = lines.length;
  const column = lines[lines.length - 1].length + 1;
  return { file, offset: text.length, line, column, endOffset: text.length, endLine: line, endColumn: column };
}

/** Position of a character offset in `text` (1-based line and column). */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** A span for `[offset, endOffset)` of `text`. */
export function rangeSpan(file: string, text: string, offset: number, endOffset: number): Span {
  const start = positionAt(text, offset);
  const end = positionAt(text, endOffset);
  return { file, offset, line: start.line, column: start.column, endOffset, endLine: end.line, endColumn: end.column };
}
