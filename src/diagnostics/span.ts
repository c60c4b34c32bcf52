/**
 * Source locations. Every AST node and every diagnostic carries one.
 * Lines and columns are 1-based (what editors and GitHub annotations show);
 * offsets are 0-based UTF-16 indices into the file text.
 */
export interface Span {
  file: string;
  offset: number;
  line: number;
  column: number;
  endOffset: number;
  endLine: number;
  endColumn: number;
}

/** A span covering `from` through `to` (both must be in the same file). */
export function joinSpans(from: Span, to: Span): Span {
  return {
    file: from.file,
    offset: from.offset,
    line: from.line,
    column: from.column,
    endOffset: to.endOffset,
    endLine: to.endLine,
    endColumn: to.endColumn,
  };
}

/** A zero-width span at the start of a file: for problems with no better place (empty file, I/O). */
export function fileSpan(file: string): Span {
  return { file, offset: 0, line: 1, column: 1, endOffset: 0, endLine: 1, endColumn: 1 };
}
