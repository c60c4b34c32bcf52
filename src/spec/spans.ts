/**
 * Phase: lowering (AST → spec object); read by validation.
 * Where each value of a spec object came from. Keys are JSON pointers (RFC 6901) into the
 * spec object, e.g. `/moe/router/top_k`; the root object is `""`. Schema errors (ajv's
 * `instancePath`) and semantic checks use this to put a line and column on every diagnostic.
 * With `extends`/`import`, a value's span is in the file that set it.
 */
import type { Span } from '../diagnostics/span.js';

export interface ValueSpans {
  /** The key token (`top_k`), absent for array elements and the root. */
  key?: Span;
  /** The value, or the whole block for objects. */
  value: Span;
}

export type SpanMap = Map<string, ValueSpans>;

/** Build a JSON pointer from path segments (escaping `~` and `/`). */
export function pointer(path: readonly (string | number)[]): string {
  return path.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/**
 * The best span for a pointer: the exact entry, else the nearest ancestor that has one
 * (a missing required field is reported at the block that lacks it).
 */
export function spanAt(spans: SpanMap, ptr: string, prefer: 'key' | 'value' = 'key'): Span | undefined {
  let p = ptr;
  for (;;) {
    const entry = spans.get(p);
    if (entry) return (prefer === 'key' ? entry.key : undefined) ?? entry.value;
    if (p === '') return undefined;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}
