/**
 * Phase: formatting (`moec fmt`). Prints a parsed `.moe` file in the canonical layout:
 * 2-space indent, one entry per line, every block on its own lines, `key value` with one space,
 * imports first then a blank line. Numbers keep the user's spelling (`32_000`, `4k`, `1e-4`);
 * strings are re-escaped canonically; comments stay where they were written (comment-queue.ts);
 * one blank line between entries is kept where the source had one or more.
 * A file with syntax errors is never formatted.
 */
import type { BlockNode, CommentNode, EntryNode, FileNode, Value } from '../../grammar/ast.js';
import { quoteString } from '../../grammar/literals.js';
import { parseMoeSource } from '../../grammar/parse-source.js';
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { commentText, createCommentQueue, type CommentQueue } from './comment-queue.js';

const INDENT = '  ';

export function printValue(value: Value): string {
  switch (value.kind) {
    case 'number':
    case 'size':
      return value.text;
    case 'string':
      return quoteString(value.value);
    case 'ident':
      return value.name;
    case 'bool':
      return String(value.value);
    case 'range':
      return `${value.from.text}..${value.to.text}`;
    case 'list':
      return `[${value.items.map(printValue).join(', ')}]`;
  }
}

class Printer {
  readonly lines: string[] = [];
  /** Source line where the previous item (with its trailing comments) ended; -1: start of a list. */
  private lastLine = -1;

  constructor(private readonly comments: CommentQueue) {}

  /** Start an item whose first source line is `line`: keep one blank line if the source had one. */
  private gap(line: number): void {
    if (this.lastLine !== -1 && line > this.lastLine + 1 && this.lines.at(-1) !== '') this.lines.push('');
  }

  private leading(offset: number, depth: number): void {
    for (const c of this.comments.before(offset)) this.emitOwnLine(c, depth);
  }

  private emitOwnLine(c: CommentNode, depth: number): void {
    this.gap(c.span.line);
    this.lines.push(INDENT.repeat(depth) + commentText(c));
    this.lastLine = c.span.endLine;
  }

  /** Emit `text`, with any comments that trail `endLine` in the source (before `limit`). */
  private emit(text: string, depth: number, endLine: number, limit: number): void {
    const trailing = this.comments.onLine(endLine, limit);
    this.lines.push(INDENT.repeat(depth) + [text, ...trailing.map(commentText)].join(' '));
    this.lastLine = trailing.at(-1)?.span.endLine ?? endLine;
  }

  /** `head {`, the entries, dangling comments, `}`. */
  block(head: string, block: BlockNode, depth: number, limit: number): void {
    const first = block.entries[0]?.span.offset ?? block.close.offset;
    const openComments = this.comments.onLine(block.open.line, first);
    if (block.entries.length === 0 && openComments.length === 0 && !this.comments.hasBefore(block.close.offset)) {
      this.emit(`${head} {}`, depth, block.close.endLine, limit);
      return;
    }
    this.lines.push(INDENT.repeat(depth) + [`${head} {`, ...openComments.map(commentText)].join(' '));
    this.lastLine = -1;
    this.entries(block.entries, depth + 1, block.close.offset);
    for (const c of this.comments.before(block.close.offset)) this.emitOwnLine(c, depth + 1);
    this.emit('}', depth, block.close.endLine, limit);
  }

  entries(entries: readonly EntryNode[], depth: number, limit: number): void {
    entries.forEach((entry, i) => {
      const headerEnd = entry.block ? entry.block.open.offset : entry.span.endOffset;
      const leading = this.comments.before(headerEnd);
      this.gap(leading[0]?.span.line ?? entry.span.line);
      for (const c of leading) this.emitOwnLine(c, depth);
      this.gap(entry.span.line);
      const next = entries[i + 1]?.span.offset ?? limit;
      const head = entry.value ? `${entry.key.name} ${printValue(entry.value)}` : entry.key.name;
      if (entry.block) this.block(head, entry.block, depth, next);
      else this.emit(head, depth, entry.span.endLine, next);
    });
  }

  file(ast: FileNode): void {
    const imports = ast.imports;
    imports.forEach((imp, i) => {
      this.leading(imp.span.offset, 0);
      this.gap(imp.span.line);
      const next = imports[i + 1]?.span.offset ?? ast.model?.span.offset ?? ast.entries[0]?.span.offset ?? Infinity;
      this.emit(`import ${quoteString(imp.path.value)}`, 0, imp.span.endLine, next);
    });
    const afterImports = imports.length > 0;
    if (ast.model) {
      const m = ast.model;
      const leading = this.comments.before(m.body.open.offset);
      if (afterImports) this.lines.push('');
      for (const c of leading) this.emitOwnLine(c, 0);
      this.gap(m.span.line);
      const head = `model ${quoteString(m.name.value)}` + (m.extends ? ` extends ${quoteString(m.extends.value)}` : '');
      this.block(head, m.body, 0, Infinity);
    } else if (ast.entries.length) {
      if (afterImports) this.lines.push('');
      this.entries(ast.entries, 0, Infinity);
    }
    for (const c of this.comments.rest()) this.emitOwnLine(c, 0);
    while (this.lines.at(-1) === '') this.lines.pop();
  }
}

/** Print an AST in canonical form. */
export function printFile(ast: FileNode): string {
  const printer = new Printer(createCommentQueue(ast.comments));
  printer.file(ast);
  return printer.lines.length ? printer.lines.join('\n') + '\n' : '';
}

export interface FormatResult {
  /** Absent when the text has syntax errors. */
  output?: string;
  diagnostics: Diagnostic[];
}

/** Parse and format one `.moe` text. */
export function formatMoe(text: string, file: string): FormatResult {
  const parsed = parseMoeSource(text, file);
  if (!parsed.ast || hasErrors(parsed.diagnostics)) return { diagnostics: parsed.diagnostics };
  return { output: printFile(parsed.ast), diagnostics: parsed.diagnostics };
}
