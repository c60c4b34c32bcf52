/**
 * HF bridge — a list of layer indices as a spec layer selection: one range `"a..b"` when
 * contiguous, else a list with ranges for the runs (`[0, "3..5"]`), as docs/language.md writes them.
 */
export function layersValue(layers: readonly number[]): string | (number | string)[] {
  const runs: [number, number][] = [];
  for (const l of layers) {
    const last = runs[runs.length - 1];
    if (last && l === last[1] + 1) last[1] = l;
    else runs.push([l, l]);
  }
  const items = runs.map(([a, b]) => (a === b ? a : `${a}..${b}`));
  return items.length === 1 && typeof items[0] === 'string' ? items[0] : items;
}
