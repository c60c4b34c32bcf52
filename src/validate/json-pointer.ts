/**
 * Validation phase: helpers over JSON pointers into the spec object — reading the value a
 * pointer names, naming it the way a user wrote it (`moe.router.top_k`, `moe.layers[1]`), and
 * finding the best span for it in the SpanMap.
 */
import type { Span } from '../diagnostics/span.js';
import { spanAt, type SpanMap } from '../spec/spans.js';

export function splitPointer(ptr: string): string[] {
  if (ptr === '') return [];
  return ptr
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function valueAt(root: unknown, ptr: string): unknown {
  let cur: unknown = root;
  for (const seg of splitPointer(ptr)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/**
 * A key from a JSON/YAML spec can hold any character; in a message, control characters
 * (newlines, terminal escape sequences) are written as JSON escapes so they cannot break the
 * output format or the reader's terminal.
 */
export function printableKey(key: string): string {
  return key.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `/moe/router/top_k` → `moe.router.top_k`; `/moe/layers/1` → `moe.layers[1]`; `` → `model`. */
export function displayPath(ptr: string): string {
  let out = '';
  for (const raw of splitPointer(ptr)) {
    const seg = printableKey(raw);
    out += /^\d+$/.test(seg) ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  }
  return out === '' ? 'model' : out;
}

/**
 * The span to report a problem with `ptr` at: its key or value, else the nearest ancestor,
 * else the root. Undefined only when the SpanMap is empty (a spec built in memory).
 */
export function spanFor(spans: SpanMap, ptr: string, prefer: 'key' | 'value' = 'value'): Span | undefined {
  const found = spanAt(spans, ptr, prefer);
  if (found) return found;
  const first = spans.values().next();
  return first.done ? undefined : first.value.value;
}

/** A value as a user would read it in a message: `"32" (a string)`, `a block`, `true`. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a block';
  // JSON quoting: a value from a spec may hold quotes, newlines or terminal escape sequences.
  if (typeof v === 'string') return `${JSON.stringify(v.length > 40 ? v.slice(0, 37) + '...' : v)} (a string)`;
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return String(v);
}
