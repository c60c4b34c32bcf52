/**
 * Safetensors interop — one header entry: `{"dtype", "shape", "data_offsets"}` checked on its
 * own (types, known dtype, whole numbers below 2^53, offsets inside the data buffer, byte size =
 * product(shape) · element size, computed without overflow). Plain functions without per-entry
 * closures: headers of 10⁵ entries are common (large MoE shards).
 */
import { createDiagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { byteSizeOf, DTYPES, isDtype, type Dtype } from './dtypes.js';
import { JsonNumber, type JsonValue } from './strict-json.js';

/** A valid entry; offsets relative to the data buffer. */
export interface Entry {
  name: string;
  dtype: Dtype;
  shape: number[];
  elements: number;
  begin: number;
  end: number;
}

/** The entry, or the first problem with it. */
export function checkEntry(name: string, value: JsonValue, bufferSize: number, path: string): Entry | Diagnostic {
  if (!(value instanceof Map)) return malformed(path, name, `the entry is ${describe(value)}, not an object`);
  const dtype = value.get('dtype');
  const shape = value.get('shape');
  const offsets = value.get('data_offsets');
  if (typeof dtype !== 'string') return malformed(path, name, dtype === undefined ? 'no `dtype`' : `\`dtype\` is ${describe(dtype)}, not a string`);
  if (!isDtype(dtype)) return createDiagnostic('MOE7506', { args: { path, tensor: name, dtype } });
  if (!Array.isArray(shape)) return malformed(path, name, shape === undefined ? 'no `shape`' : `\`shape\` is ${describe(shape)}, not a list`);
  const dims: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    const d = wholeNumber(shape[i]!);
    if (d === undefined) return malformed(path, name, `shape[${i}] is ${describe(shape[i]!)}, not a whole number below 2^53`);
    dims.push(d);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    return malformed(path, name, offsets === undefined ? 'no `data_offsets`' : `\`data_offsets\` is ${describe(offsets)}, not [begin, end]`);
  }
  const begin = wholeNumber(offsets[0]!);
  const end = wholeNumber(offsets[1]!);
  if (begin === undefined || end === undefined) return malformed(path, name, '`data_offsets` must be two whole numbers below 2^53');
  if (end < begin) return createDiagnostic('MOE7508', { args: { path, tensor: name, begin, end, reason: 'end before they begin' } });
  if (end > bufferSize) {
    const reason = `end past the data buffer, which has ${Math.max(bufferSize, 0)} bytes`;
    return createDiagnostic('MOE7508', { args: { path, tensor: name, begin, end, reason } });
  }
  // A double is exact while the product stays below 2^53, and a larger one cannot match `end - begin`.
  const elements = dims.includes(0) ? 0 : dims.reduce((a, d) => a * d, 1);
  const bits = elements * DTYPES[dtype].bits;
  if (elements > Number.MAX_SAFE_INTEGER || bits % 8 !== 0 || bits / 8 !== end - begin) return sizeMismatch(path, name, dtype, dims, end - begin);
  return { name, dtype, shape: dims, elements, begin, end };
}

function wholeNumber(v: JsonValue): number | undefined {
  if (typeof v === 'number') return v >= 0 && !Object.is(v, -0) ? v : undefined;
  return v instanceof JsonNumber ? v.safeInteger : undefined;
}

function malformed(path: string, tensor: string, reason: string): Diagnostic {
  return createDiagnostic('MOE7505', { args: { path, tensor, reason } });
}

function sizeMismatch(path: string, tensor: string, dtype: Dtype, dims: number[], actual: number): Diagnostic {
  const elements = dims.reduce((a, d) => a * BigInt(d), 1n);
  const bytes = byteSizeOf(dtype, elements);
  const expected = bytes === undefined ? `${elements} × ${dtype} (not a whole number of)` : String(bytes);
  return createDiagnostic('MOE7507', { args: { path, tensor, shape: dims.join(', '), dtype, expected, actual } });
}

/** A short rendering of a JSON value for messages. */
export function describe(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return String(v);
  if (v instanceof JsonNumber) return v.text.length > 24 ? `${v.text.slice(0, 24)}…` : v.text;
  if (v instanceof Map) return 'an object';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return JSON.stringify(v.length > 24 ? `${v.slice(0, 24)}…` : v);
  return String(v);
}
