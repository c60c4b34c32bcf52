/**
 * Safetensors interop — planning one file before writing it: the types a caller hands the
 * writer, every check on them (names, dtypes, shapes, metadata), the tensor order and the header
 * bytes, exactly as the reference writer lays them out (huggingface/safetensors `tensor.rs`
 * `prepare`, at 24b0b28): tensors sorted by dtype alignment (descending) then name (UTF-8 bytes),
 * compact header JSON with `__metadata__` first and each entry `{"dtype","shape","data_offsets"}`
 * (serde_json's escaping equals `JSON.stringify`'s for well-formed strings), padded with spaces
 * to a multiple of 8 bytes. The reference keeps metadata in a hash map (any order); moec sorts it.
 */
import { createDiagnostic, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { ALIGNMENT_ORDER, isDtype, tensorBytes, type Dtype } from './dtypes.js';
import type { TensorInfo } from './header.js';
import { MAX_HEADER_BYTES } from './open-safetensors.js';

/** One tensor's data: one view or chunks. A Float32Array holds values; any other view holds raw little-endian bytes of the dtype. */
export type TensorData = ArrayBufferView | Iterable<ArrayBufferView>;

export interface TensorToWrite {
  name: string;
  dtype: Dtype;
  shape: readonly number[];
  /** The data, or a function called once, when the writer reaches this tensor, that produces it (or diagnostics). */
  data: TensorData | (() => TensorData | Result<TensorData | undefined>);
}

export interface WriteOptions {
  /** `__metadata__` (string → string), e.g. `{ format: 'pt' }` as transformers writes. */
  metadata?: Readonly<Record<string, string>>;
  /** `reference` (default): the Python writer's order. `given`: the order of the input. */
  order?: 'reference' | 'given';
}

export interface WrittenFile {
  path: string;
  /** Size of the whole file. */
  bytes: number;
  /** The tensors as a reader will see them (storage order). */
  tensors: TensorInfo[];
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Whether `s` is valid Unicode (no lone surrogate), i.e. representable in UTF-8 JSON. */
function wellFormed(s: string): boolean {
  if (!SURROGATE.test(s)) return true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(i + 1);
    if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

export interface FilePlan {
  header: Uint8Array;
  order: TensorToWrite[];
  infos: TensorInfo[];
}

/** Check every tensor and build the header before the first byte is written. */
export function planFile(path: string, tensors: readonly TensorToWrite[], options: WriteOptions): Result<FilePlan | undefined> {
  const problems: Diagnostic[] = [];
  const bad = (tensor: string, reason: string) => problems.push(createDiagnostic('MOE7530', { args: { tensor, reason } }));
  const seen = new Set<string>();
  const sizes = new Map<TensorToWrite, number>();
  for (const t of tensors) {
    if (seen.has(t.name)) bad(t.name, 'the name occurs twice');
    seen.add(t.name);
    if (t.name === '__metadata__') bad(t.name, '`__metadata__` is reserved for the metadata map');
    if (!wellFormed(t.name)) bad(t.name, 'the name is not valid Unicode (lone surrogate)');
    if (!isDtype(t.dtype)) {
      bad(t.name, `unknown dtype ${String(t.dtype)}`);
      continue;
    }
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      bad(t.name, `shape [${t.shape.join(', ')}] must hold whole numbers ≥ 0`);
      continue;
    }
    const size = tensorBytes(t.dtype, t.shape);
    if (size === 'fraction') bad(t.name, `${t.shape.join('×')} elements of ${t.dtype} are not a whole number of bytes`);
    else if (size === 'huge') bad(t.name, 'the tensor is larger than 2^53 bytes');
    else sizes.set(t, size);
  }
  for (const [k, v] of Object.entries(options.metadata ?? {})) {
    if (typeof v !== 'string') bad('__metadata__', `the value of ${JSON.stringify(k)} is not a string`);
    if (!wellFormed(k) || !wellFormed(v)) bad('__metadata__', 'a key or value is not valid Unicode');
  }
  if (problems.length) return { value: undefined, diagnostics: problems };

  const order = options.order === 'given' ? [...tensors] : sortLikeReference(tensors);
  const infos: TensorInfo[] = [];
  const parts: string[] = [];
  const meta = Object.entries(options.metadata ?? {}).sort(([a], [b]) => utf8Compare(a, b));
  if (meta.length) parts.push(`"__metadata__":{${meta.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  let offset = 0;
  const rel: [number, number][] = [];
  for (const t of order) {
    const size = sizes.get(t)!;
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"${t.dtype}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + size}]}`);
    rel.push([offset, size]);
    offset += size;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded > MAX_HEADER_BYTES) {
    return { value: undefined, diagnostics: [createDiagnostic('MOE7532', { args: { path, length: padded, limit: MAX_HEADER_BYTES } })] };
  }
  const header = new Uint8Array(8 + padded).fill(0x20);
  new DataView(header.buffer).setBigUint64(0, BigInt(padded), true);
  header.set(json, 8);
  order.forEach((t, i) => {
    const elements = t.shape.reduce((a, d) => a * d, 1);
    infos.push({ name: t.name, dtype: t.dtype, shape: [...t.shape], elements, offset: header.length + rel[i]![0], byteLength: rel[i]![1] });
  });
  return { value: { header, order, infos }, diagnostics: [] };
}

/** Reference order: dtype alignment descending, then name compared as UTF-8 bytes (Rust `String` order). */
function sortLikeReference(tensors: readonly TensorToWrite[]): TensorToWrite[] {
  const rank = new Map(ALIGNMENT_ORDER.map((d, i) => [d, i]));
  return [...tensors].sort((a, b) => rank.get(b.dtype)! - rank.get(a.dtype)! || utf8Compare(a.name, b.name));
}

/**
 * Compare as UTF-8 bytes (= code point order) without encoding: UTF-16 code units order the same
 * way except that surrogates (astral characters) must sort after U+E000–U+FFFF.
 */
export function utf8Compare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}
