/**
 * Phase: AST. The typed tree cst-to-ast.ts builds from Chevrotain's CST. Every node carries the
 * span of the source text it came from, so lowering (src/spec/lower-ast.ts) can record where
 * each spec value was written and `moec fmt` can reproduce the user's number spellings.
 */
import type { Span } from '../src/diagnostics/span.js';

export interface NumberValue {
  kind: 'number';
  span: Span;
  /** The text as written (`32_000`, `4k`, `1e-4`): fmt prints it verbatim. */
  text: string;
  /** The numeric value (`4k` → 4096); NaN when the text is not a valid number (already reported). */
  value: number;
}

export interface SizeValue {
  kind: 'size';
  span: Span;
  text: string;
  /** Bytes (`80GiB` → 85899345920). */
  value: number;
}

export interface StringValue {
  kind: 'string';
  span: Span;
  /** The decoded string (escapes resolved). */
  value: string;
}

export interface IdentValue {
  kind: 'ident';
  span: Span;
  name: string;
}

export interface BoolValue {
  kind: 'bool';
  span: Span;
  value: boolean;
}

/** `a..b`, inclusive. */
export interface RangeValue {
  kind: 'range';
  span: Span;
  from: NumberValue;
  to: NumberValue;
}

export interface ListValue {
  kind: 'list';
  span: Span;
  items: Value[];
}

export type Value = NumberValue | SizeValue | StringValue | IdentValue | BoolValue | RangeValue | ListValue;

export interface KeyNode {
  name: string;
  span: Span;
}

export interface BlockNode {
  kind: 'block';
  /** From `{` through `}`. */
  span: Span;
  /** The `{` token alone (fmt keeps comments written on the same line after it). */
  open: Span;
  /** The `}` token alone. */
  close: Span;
  entries: EntryNode[];
}

/** `key value`, `key value { ... }` or `key { ... }`. */
export interface EntryNode {
  kind: 'entry';
  span: Span;
  key: KeyNode;
  value?: Value;
  block?: BlockNode;
}

export interface ImportNode {
  kind: 'import';
  span: Span;
  path: StringValue;
}

export interface ModelNode {
  kind: 'model';
  span: Span;
  /** `model "name" extends "base"`: the header, up to but not including the block. */
  header: Span;
  keyword: Span;
  name: StringValue;
  extends?: StringValue;
  body: BlockNode;
}

export interface CommentNode {
  span: Span;
  /** The comment's full text, delimiters included. */
  text: string;
}

/** A whole file: a model file has `model`, a fragment file has top-level `entries`. */
export interface FileNode {
  kind: 'file';
  file: string;
  span: Span;
  imports: ImportNode[];
  model?: ModelNode;
  entries: EntryNode[];
  /** Every comment in source order (the formatter re-attaches them). */
  comments: CommentNode[];
}
