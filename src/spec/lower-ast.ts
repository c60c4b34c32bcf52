/**
 * Phase: lowering (AST → canonical spec object). Produces exactly the object of
 * src/spec/types.ts — keys as written, no defaults — plus a SpanMap giving every JSON pointer
 * the span of its key and value, so later phases can put a line and column on any problem.
 *
 * `key VALUE { ... }` and `key VALUE` set the block's primary field (primaryField(), the table
 * in types.ts); ranges lower to `"a..b"` strings, sizes to integer bytes, identifiers to strings.
 */
import type { EntryNode, FileNode, Value } from '../../grammar/ast.js';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { joinSpans } from '../diagnostics/span.js';
import { pointer, type SpanMap } from './spans.js';
import { PRIMARY_FIELDS, primaryField } from './types.js';
import { setOwn } from './merge.js';

export type SpecObject = Record<string, unknown>;

export interface LoweredFile {
  /** `model` for a file with a model block; `fragment` for top-level entries only. */
  kind: 'model' | 'fragment';
  spec: SpecObject;
  spans: SpanMap;
  diagnostics: Diagnostic[];
}

/** The value of a literal as it appears in the spec object. */
export function lowerValue(value: Value): unknown {
  switch (value.kind) {
    case 'number':
    case 'size':
    case 'bool':
      return value.value;
    case 'string':
      return value.value;
    case 'ident':
      return value.name;
    case 'range':
      return `${value.from.value}..${value.to.value}`;
    case 'list':
      return value.items.map(lowerValue);
  }
}

/** A layer list names at most every layer (10,000); a longer list is a mistake, and costs. */
export const MAX_LIST_ITEMS = 10_000;

/** The first list in `value` (itself or nested) longer than MAX_LIST_ITEMS. */
function overlongList(value: Value): Extract<Value, { kind: 'list' }> | undefined {
  if (value.kind !== 'list') return undefined;
  if (value.items.length > MAX_LIST_ITEMS) return value;
  for (const item of value.items) {
    const inner = overlongList(item);
    if (inner) return inner;
  }
  return undefined;
}

function recordValueSpans(value: Value, path: (string | number)[], spans: SpanMap): void {
  if (value.kind !== 'list') return;
  value.items.forEach((item, i) => {
    spans.set(pointer([...path, i]), { value: item.span });
    recordValueSpans(item, [...path, i], spans);
  });
}

/** Which keys take a header value, for the "takes no value" hint. */
function primaryKeysHint(): string {
  return PRIMARY_FIELDS.filter(([p]) => p !== 'model')
    .map(([p, f]) => `\`${p.split('.').at(-1) === '*' ? p.replace('.*', ' <group>') : p.split('.').at(-1)} VALUE\` sets ${f}`)
    .join(', ');
}

function lowerBlock(entries: readonly EntryNode[], path: string[], target: SpecObject, spans: SpanMap, diagnostics: Diagnostic[]): void {
  const seen = new Map<string, EntryNode>();
  for (const entry of entries) {
    const key = entry.key.name;
    const first = seen.get(key);
    if (first) {
      diagnostics.push(
        createDiagnostic('MOE1030', {
          span: entry.key.span,
          args: { key },
          related: [{ message: `\`${key}\` is first set here`, span: first.key.span }],
        }),
      );
      continue;
    }
    seen.set(key, entry);
    const long = entry.value && overlongList(entry.value);
    if (long) {
      diagnostics.push(createDiagnostic('MOE1075', { span: long.span, args: { count: long.items.length, limit: MAX_LIST_ITEMS } }));
      continue;
    }
    const childPath = [...path, key];
    const ptr = pointer(childPath);
    const field = primaryField(childPath);

    if (!entry.block && entry.value && !field) {
      setOwn(target, key, lowerValue(entry.value));
      spans.set(ptr, { key: entry.key.span, value: entry.value.span });
      recordValueSpans(entry.value, childPath, spans);
      continue;
    }

    const object: SpecObject = {};
    setOwn(target, key, object);
    const whole = entry.value && entry.block ? joinSpans(entry.value.span, entry.block.span) : (entry.block ?? entry.value)!.span;
    spans.set(ptr, { key: entry.key.span, value: whole });
    if (entry.value) {
      if (!field) {
        diagnostics.push(
          createDiagnostic('MOE1031', {
            span: entry.value.span,
            args: { key, hint: `write \`${key} { ... }\` and set the value inside the block; ${primaryKeysHint()}` },
          }),
        );
      } else {
        setOwn(object, field, lowerValue(entry.value));
        spans.set(pointer([...childPath, field]), { key: entry.key.span, value: entry.value.span });
        recordValueSpans(entry.value, [...childPath, field], spans);
        const inner = entry.block?.entries.find((e) => e.key.name === field);
        if (inner) {
          diagnostics.push(
            createDiagnostic('MOE1032', {
              span: inner.key.span,
              args: { key, field },
              related: [{ message: `\`${field}\` is set in the header here`, span: entry.value.span }],
            }),
          );
        }
      }
    }
    if (entry.block) {
      const body = field && entry.value ? entry.block.entries.filter((e) => e.key.name !== field) : entry.block.entries;
      lowerBlock(body, childPath, object, spans, diagnostics);
    }
  }
}

/** Lower a parsed file. The model's name becomes `name`; its block's entries the top-level fields. */
export function lowerFile(ast: FileNode): LoweredFile {
  const spans: SpanMap = new Map();
  const diagnostics: Diagnostic[] = [];
  const spec: SpecObject = {};
  if (ast.model) {
    const { model } = ast;
    spans.set('', { key: model.keyword, value: model.header });
    spec.name = model.name.value;
    spans.set('/name', { key: model.keyword, value: model.name.span });
    const nameEntry = model.body.entries.find((e) => e.key.name === 'name');
    if (nameEntry) {
      diagnostics.push(
        createDiagnostic('MOE1032', {
          span: nameEntry.key.span,
          args: { key: 'model', field: 'name' },
          related: [{ message: 'the model is named here', span: model.name.span }],
        }),
      );
    }
    lowerBlock(model.body.entries.filter((e) => e !== nameEntry), [], spec, spans, diagnostics);
    return { kind: 'model', spec, spans, diagnostics };
  }
  spans.set('', { value: ast.span });
  lowerBlock(ast.entries, [], spec, spans, diagnostics);
  return { kind: 'fragment', spec, spans, diagnostics };
}
