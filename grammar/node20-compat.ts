/**
 * Phase: parsing (grammar validation; tests and the diagram generator only).
 * Chevrotain 13 targets Node 22 and calls `Object.groupBy` in its grammar validation (run by the
 * tests and the diagram generator, never by `moec` itself). moec supports Node 20, so grammar
 * validation installs this minimal polyfill first.
 */
export function ensureObjectGroupBy(): void {
  const O = Object as unknown as { groupBy?: unknown };
  if (typeof O.groupBy === 'function') return;
  O.groupBy = <T>(items: Iterable<T>, key: (item: T, index: number) => PropertyKey): Record<PropertyKey, T[]> => {
    const out: Record<PropertyKey, T[]> = Object.create(null);
    let i = 0;
    for (const item of items) (out[key(item, i++)] ??= []).push(item);
    return out;
  };
}
