/**
 * Phase: formatting. Comments are not in the AST's tree; the formatter walks the tree in source
 * order and pulls comments from this queue as it passes them:
 *   - leading: every comment before a node starts (printed on their own lines above it),
 *   - trailing: comments that start on the line where a node ends, before the next node,
 *   - dangling: comments left before a block's `}` (printed at the end of the block).
 * Each comment is taken exactly once, so none is lost or duplicated.
 */
import type { CommentNode } from '../../grammar/ast.js';

export interface CommentQueue {
  /** Take every remaining comment that starts before `offset`. */
  before(offset: number): CommentNode[];
  /** Take the comments starting on source line `line` (and before `limit`). */
  onLine(line: number, limit: number): CommentNode[];
  /** Take everything left. */
  rest(): CommentNode[];
  /** Whether a comment starting before `offset` remains (takes nothing). */
  hasBefore(offset: number): boolean;
}

export function createCommentQueue(comments: readonly CommentNode[]): CommentQueue {
  const sorted = [...comments].sort((a, b) => a.span.offset - b.span.offset);
  let next = 0;
  const takeWhile = (ok: (c: CommentNode) => boolean): CommentNode[] => {
    const out: CommentNode[] = [];
    while (next < sorted.length && ok(sorted[next])) out.push(sorted[next++]);
    return out;
  };
  return {
    before: (offset) => takeWhile((c) => c.span.offset < offset),
    onLine: (line, limit) => takeWhile((c) => c.span.line === line && c.span.offset < limit),
    rest: () => takeWhile(() => true),
    hasBefore: (offset) => next < sorted.length && sorted[next].span.offset < offset,
  };
}

/** A comment as printed: line comments lose trailing whitespace; block comments are verbatim. */
export function commentText(comment: CommentNode): string {
  return comment.text.startsWith('/*') ? comment.text : comment.text.trimEnd();
}
