/** `moec explain` — number formatting and plain-text tables for the human-readable report. */
import { maxOf } from '../../diagnostics/limit.js';

/** 46702792704 → "46.70B"; small counts stay whole. */
export function count(n: number): string {
  const units: Array<[number, string]> = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [size, unit] of units) if (Math.abs(n) >= size) return `${(n / size).toFixed(2)}${unit}`;
  return String(Math.round(n));
}

/** Binary units, as device memory is quoted. */
export function bytes(n: number): string {
  const units: Array<[number, string]> = [
    [2 ** 40, 'TiB'],
    [2 ** 30, 'GiB'],
    [2 ** 20, 'MiB'],
    [2 ** 10, 'KiB'],
  ];
  for (const [size, unit] of units) if (Math.abs(n) >= size) return `${(n / size).toFixed(2)} ${unit}`;
  return `${Math.round(n)} B`;
}

/** 1.23e14 → "123.0 TFLOP"; FLOP counts. */
export function flops(n: number): string {
  const units: Array<[number, string]> = [
    [1e18, 'EFLOP'],
    [1e15, 'PFLOP'],
    [1e12, 'TFLOP'],
    [1e9, 'GFLOP'],
    [1e6, 'MFLOP'],
  ];
  for (const [size, unit] of units) if (Math.abs(n) >= size) return `${(n / size).toFixed(2)} ${unit}`;
  return `${Math.round(n)} FLOP`;
}

/** An exact count with digit groups; a value past 2^53 is not exact, and says so (≈). */
export const grouped = (n: number): string => (Number.isSafeInteger(Math.round(n)) ? '' : '≈') + Math.round(n).toLocaleString('en-US');

/** Columns padded to their widest cell; the first column left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows];
  // A loop, not Math.max(...rows): `--tensors` can list millions of rows.
  const widths = header.map((_, c) => maxOf(all.map((r) => (r[c] ?? '').length), 0));
  const line = (r: string[]): string =>
    r
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
