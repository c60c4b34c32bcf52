/**
 * Phase: lexing + parsing + CST → AST, for one `.moe` text. Never throws for any input: every
 * problem becomes a diagnostic, and all of them are collected in one run (lexer errors, every
 * parse error recovery reaches, every bad literal).
 */
import type { IToken } from 'chevrotain';
import { createDiagnostic, type Diagnostic } from '../src/diagnostics/diagnostic.js';
import type { CommentNode, FileNode } from './ast.js';
import { cstToAst } from './cst-to-ast.js';
import { getParser } from './parser.js';
import { lexErrorDiagnostics, parseErrorDiagnostic } from './syntax-errors.js';
import { endOfFileSpan, rangeSpan, tokenSpan } from './token-span.js';
import { getLexer } from './tokens.js';

/** Blocks and lists nested deeper than this are refused before parsing (the parser recurses). */
export const MAX_NESTING = 64;
/** Tokens parsed per file: DeepSeek-V3's spec has about 600; a 10,000-index layer list 20,000. */
export const MAX_TOKENS = 100_000;
/** Diagnostics reported per file; past this the rest are noise from one underlying mistake. */
export const MAX_SYNTAX_DIAGNOSTICS = 100;

export interface ParsedSource {
  /** Absent when the text could not be parsed at all (too deep). Partial when there are errors. */
  ast?: FileNode;
  diagnostics: Diagnostic[];
}

const CLOSED_STRING = /^"(?:[^"\\\n\r]|\\[^\n\r])*"$/;

function checkNesting(tokens: readonly IToken[], file: string): Diagnostic | undefined {
  let depth = 0;
  for (const t of tokens) {
    const name = t.tokenType.name;
    if (name === 'LCurly' || name === 'LBracket') {
      if (++depth > MAX_NESTING) return createDiagnostic('MOE1023', { span: tokenSpan(file, t), args: { limit: MAX_NESTING } });
    } else if (name === 'RCurly' || name === 'RBracket') {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}

function capped(diagnostics: Diagnostic[], file: string): Diagnostic[] {
  if (diagnostics.length <= MAX_SYNTAX_DIAGNOSTICS) return diagnostics;
  const kept = [...diagnostics].sort((a, b) => (a.span?.offset ?? 0) - (b.span?.offset ?? 0)).slice(0, MAX_SYNTAX_DIAGNOSTICS);
  const last = kept.at(-1)?.span;
  kept.push(createDiagnostic('MOE1024', { span: last, args: { file, limit: MAX_SYNTAX_DIAGNOSTICS } }));
  return kept;
}

export function parseMoeSource(text: string, file: string): ParsedSource {
  const diagnostics: Diagnostic[] = [];
  const lexed = getLexer().tokenize(text);
  diagnostics.push(...lexErrorDiagnostics(lexed.errors, text, file));

  const comments: CommentNode[] = [];
  for (const t of lexed.groups.comments ?? []) {
    const span = tokenSpan(file, t);
    comments.push({ span, text: t.image });
    if (t.tokenType.name === 'BlockComment' && (t.image.length < 4 || !t.image.endsWith('*/'))) {
      diagnostics.push(createDiagnostic('MOE1012', { span: rangeSpan(file, text, t.startOffset, t.startOffset + 2) }));
    }
  }
  for (const t of lexed.tokens) {
    if (t.tokenType.name === 'String' && !CLOSED_STRING.test(t.image)) {
      diagnostics.push(createDiagnostic('MOE1011', { span: tokenSpan(file, t) }));
    }
  }

  const tooDeep = checkNesting(lexed.tokens, file);
  if (tooDeep) return { diagnostics: capped([...diagnostics, tooDeep], file) };
  if (lexed.tokens.length > MAX_TOKENS) {
    // Parsing is linear but not cheap (~10 µs a token): a spec is a few thousand tokens.
    const t = lexed.tokens[MAX_TOKENS]!;
    return { diagnostics: capped([...diagnostics, createDiagnostic('MOE1077', { span: tokenSpan(file, t), args: { count: lexed.tokens.length, limit: MAX_TOKENS } })], file) };
  }

  const parser = getParser();
  parser.blockNames.clear();
  parser.input = lexed.tokens;
  const cst = parser.file();
  const context = {
    file,
    text,
    tokens: lexed.tokens,
    blockNames: parser.blockNames,
    hasModel: lexed.tokens.some((t) => t.tokenType.name === 'Model'),
  };
  const seen = new Set<string>();
  for (const error of parser.errors) {
    const d = parseErrorDiagnostic(error, context);
    const key = `${d.span?.offset}:${d.code}`;
    if (!seen.has(key)) diagnostics.push(d);
    seen.add(key);
  }

  const parts = cstToAst(cst, file, diagnostics);
  const whole = { ...endOfFileSpan(file, text), offset: 0, line: 1, column: 1 };
  const ast: FileNode = { kind: 'file', file, span: whole, ...parts, comments };
  if (!parts.model) delete ast.model;
  // Lexer, parser and literal problems are found in three passes: report them in file order.
  diagnostics.sort((a, b) => (a.span?.offset ?? 0) - (b.span?.offset ?? 0));
  return { ast, diagnostics: capped(diagnostics, file) };
}
