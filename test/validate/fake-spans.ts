/**
 * Test helper: a SpanMap for a spec object built in memory, as if each value were written on
 * its own line of `file` (line = 1 + its order in a depth-first walk, column = 3 + 2 × depth
 * for the key, value two columns after it). Lets validation tests assert line numbers without
 * the parser.
 */
import type { Span } from '../../src/diagnostics/span.js';
import { pointer, type SpanMap } from '../../src/spec/spans.js';

export function fakeSpans(spec: unknown, file = 'mem.moe'): { spans: SpanMap; lineOf: Map<string, number> } {
  const spans: SpanMap = new Map();
  const lineOf = new Map<string, number>();
  let line = 0;
  const span = (col: number, len: number): Span => ({ file, offset: line * 100 + col - 1, line, column: col, endOffset: line * 100 + col - 1 + len, endLine: line, endColumn: col + len });
  const walk = (v: unknown, path: (string | number)[]) => {
    line++;
    const ptr = pointer(path);
    lineOf.set(ptr, line);
    const depth = path.length;
    const key = path.length && typeof path[path.length - 1] === 'string' ? span(1 + 2 * depth, String(path[path.length - 1]).length) : undefined;
    const value = span(3 + 2 * depth + String(path[path.length - 1] ?? '').length, 1);
    spans.set(ptr, key ? { key, value } : { value });
    if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) walk(child, [...path, Array.isArray(v) ? Number(k) : k]);
    }
  };
  walk(spec, []);
  return { spans, lineOf };
}
