/**
 * Diagnostics — bounds on how many there are. A hostile spec can make one problem per list
 * item (thousands): each file's diagnostics are capped at MAX_DIAGNOSTICS_PER_FILE, keeping the
 * first in source order and saying how many were left out (MOE1076). And arrays of
 * diagnostics (or tensors, or rows) are appended with a loop, never `push(...items)`, which
 * passes every item as a call argument and overflows the stack past ~100k of them.
 */
import { createDiagnostic, sortDiagnostics, type Diagnostic } from './diagnostic.js';
import { fileSpan } from './span.js';

export const MAX_DIAGNOSTICS_PER_FILE = 500;

/** `target.push(...items)` without putting every item on the stack. */
export function appendAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** The largest of `values` (or `floor` when there are none), without spreading them into a call. */
export function maxOf(values: Iterable<number>, floor = -Infinity): number {
  let max = floor;
  for (const v of values) if (v > max) max = v;
  return max;
}

/** At most `limit` diagnostics (errors first, then in source order), plus one saying what was dropped. */
export function capDiagnostics(diagnostics: Diagnostic[], file: string, limit = MAX_DIAGNOSTICS_PER_FILE): Diagnostic[] {
  if (diagnostics.length <= limit) return diagnostics;
  const rank = { error: 0, warning: 1, info: 2 } as const;
  const kept = sortDiagnostics(diagnostics)
    .map((d, i) => [d, i] as const)
    .sort((a, b) => rank[a[0].severity] - rank[b[0].severity] || a[1] - b[1])
    .slice(0, limit)
    .sort((a, b) => a[1] - b[1])
    .map(([d]) => d);
  kept.push(createDiagnostic('MOE1076', { span: fileSpan(file), args: { count: diagnostics.length, file, limit } }));
  return kept;
}
