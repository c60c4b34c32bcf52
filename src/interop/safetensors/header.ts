/**
 * Safetensors interop — the header: decode and validate the JSON header of one file, as a pure
 * function of its bytes and the file size, before any tensor byte is touched. The rules are the
 * format's (huggingface/safetensors README "Format") and the reference reader's
 * (`safetensors/src/tensor.rs` `read_metadata` + `Metadata::validate`, at 24b0b28):
 * - the header is UTF-8 JSON that begins with `{`, one object, trailing whitespace allowed;
 * - keys are unique; `__metadata__` (optional, may be null) maps strings to strings;
 * - every other key is a tensor `{"dtype", "shape", "data_offsets": [begin, end]}` (other fields
 *   are ignored, as serde does) with a known dtype and `end - begin = product(shape) · size`;
 * - sorted by offsets, the tensors tile the data buffer exactly: no overlap, no hole, nothing
 *   past the end (the reference rejects holes so a file cannot smuggle other content).
 * All problems of a header are reported (up to MAX_PROBLEMS), each naming file and tensor.
 */
import { createDiagnostic, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { ALIGNMENT_ORDER, byteSizeOf, isDtype, type Dtype } from './dtypes.js';
import { parseStrictJson, type JsonObject, type JsonValue, JsonNumber } from './strict-json.js';

/** One tensor of a safetensors file. Offsets are absolute positions in the file. */
export interface TensorInfo {
  readonly name: string;
  readonly dtype: Dtype;
  readonly shape: readonly number[];
  /** Number of elements (product of the shape; 1 for a 0-rank scalar). */
  readonly elements: number;
  /** Byte position of the first data byte in the file. */
  readonly offset: number;
  readonly byteLength: number;
}

export interface SafetensorsHeader {
  /** Tensors in storage order (increasing offset). */
  readonly tensors: readonly TensorInfo[];
  /** `__metadata__`, or an empty object when the file has none. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Where the data buffer starts: 8 + the header length. */
  readonly dataOffset: number;
}

/** After this many problems in one header, the rest are counted (MOE7513), not listed. */
export const MAX_PROBLEMS = 20;

const META = '__metadata__';

/** Validate a decoded header. `headerBytes` excludes the 8-byte length; `fileSize` is the whole file. */
export function parseHeader(path: string, headerBytes: Uint8Array, fileSize: number): Result<SafetensorsHeader | undefined> {
  const problems = new Problems(path);
  const fail = (d: Diagnostic) => ({ value: undefined, diagnostics: [d] });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    return fail(createDiagnostic('MOE7503', { args: { path } }));
  }
  if (!text.startsWith('{')) {
    const reason = `the header must begin with \`{\`, it begins with ${JSON.stringify(text.slice(0, 12))}`;
    return fail(createDiagnostic('MOE7501', { args: { path, reason } }));
  }
  const parsed = parseStrictJson(text);
  if (!parsed.ok) {
    if (parsed.duplicateKey !== undefined) return fail(createDiagnostic('MOE7511', { args: { path, tensor: parsed.duplicateKey } }));
    return fail(createDiagnostic('MOE7504', { args: { path, reason: `${parsed.reason} at character ${parsed.at}` } }));
  }
  const root = parsed.value as JsonObject; // begins with `{`, so it is an object
  const dataOffset = 8 + headerBytes.length;
  const bufferSize = fileSize - dataOffset;
  const metadata = readMetadata(root.get(META), problems);
  const entries: Entry[] = [];
  for (const [name, value] of root) {
    if (name === META) continue;
    const e = readEntry(name, value, bufferSize, problems);
    if (e) entries.push(e);
  }
  // Holes and overlaps are only meaningful when every entry could be placed.
  if (problems.count === 0) checkTiling(entries, bufferSize, problems);
  if (problems.count > 0) return { value: undefined, diagnostics: problems.list() };
  const tensors = entries
    .sort(byOffsets)
    .map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape, elements: e.elements, offset: dataOffset + e.begin, byteLength: e.end - e.begin }));
  return { value: { tensors, metadata, dataOffset }, diagnostics: [] };
}

interface Entry {
  name: string;
  dtype: Dtype;
  shape: number[];
  elements: number;
  begin: number;
  end: number;
}

class Problems {
  count = 0;
  private readonly shown: Diagnostic[] = [];
  constructor(readonly path: string) {}
  add(d: Diagnostic): void {
    if (this.count++ < MAX_PROBLEMS) this.shown.push(d);
  }
  list(): Diagnostic[] {
    const more = this.count - this.shown.length;
    return more > 0 ? [...this.shown, createDiagnostic('MOE7513', { args: { path: this.path, count: more } })] : this.shown;
  }
}

function readMetadata(value: JsonValue | undefined, problems: Problems): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === undefined || value === null) return out; // serde reads null as "no metadata"
  const path = problems.path;
  if (!(value instanceof Map)) {
    problems.add(createDiagnostic('MOE7512', { args: { path, reason: `is ${describe(value)}, not an object` } }));
    return out;
  }
  for (const [k, v] of value) {
    if (typeof v === 'string') Object.defineProperty(out, k, { value: v, enumerable: true, writable: false });
    else problems.add(createDiagnostic('MOE7512', { args: { path, reason: `maps ${JSON.stringify(k)} to ${describe(v)}; values must be strings` } }));
  }
  return out;
}

function readEntry(name: string, value: JsonValue, bufferSize: number, problems: Problems): Entry | undefined {
  const path = problems.path;
  const bad = (reason: string) => {
    problems.add(createDiagnostic('MOE7505', { args: { path, tensor: name, reason } }));
    return undefined;
  };
  if (!(value instanceof Map)) return bad(`the entry is ${describe(value)}, not an object`);
  const dtype = value.get('dtype');
  const shape = value.get('shape');
  const offsets = value.get('data_offsets');
  if (typeof dtype !== 'string') return bad(dtype === undefined ? 'no `dtype`' : `\`dtype\` is ${describe(dtype)}, not a string`);
  if (!isDtype(dtype)) {
    const known = ALIGNMENT_ORDER.join(', ');
    problems.add(createDiagnostic('MOE7506', { args: { path, tensor: name, dtype, known } }));
    return undefined;
  }
  if (!Array.isArray(shape)) return bad(shape === undefined ? 'no `shape`' : `\`shape\` is ${describe(shape)}, not a list`);
  const dims = shape.map((d) => (d instanceof JsonNumber ? d.safeInteger : undefined));
  const badDim = dims.findIndex((d) => d === undefined);
  if (badDim >= 0) return bad(`shape[${badDim}] is ${describe(shape[badDim]!)}, not a whole number below 2^53`);
  if (!Array.isArray(offsets) || offsets.length !== 2) {
    return bad(offsets === undefined ? 'no `data_offsets`' : `\`data_offsets\` is ${describe(offsets)}, not [begin, end]`);
  }
  const [begin, end] = offsets.map((o) => (o instanceof JsonNumber ? o.safeInteger : undefined));
  if (begin === undefined || end === undefined) return bad('`data_offsets` must be two whole numbers below 2^53');
  const range = (reason: string) => {
    problems.add(createDiagnostic('MOE7508', { args: { path, tensor: name, begin, end, reason } }));
    return undefined;
  };
  if (end < begin) return range('end before they begin');
  if (end > bufferSize) return range(`end past the data buffer, which has ${Math.max(bufferSize, 0)} bytes`);
  const elements = (dims as number[]).reduce((a, d) => a * BigInt(d), 1n);
  const expected = byteSizeOf(dtype, elements);
  if (expected === undefined || expected !== BigInt(end - begin)) {
    const args = {
      path,
      tensor: name,
      shape: dims.join(', '),
      dtype,
      expected: expected === undefined ? `${elements} × ${dtype} (not a whole number of)` : String(expected),
      actual: end - begin,
    };
    problems.add(createDiagnostic('MOE7507', { args }));
    return undefined;
  }
  return { name, dtype, shape: dims as number[], elements: Number(elements), begin, end };
}

function byOffsets(a: Entry, b: Entry): number {
  return a.begin - b.begin || a.end - b.end || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Sorted by offsets, the entries must tile [0, bufferSize) exactly (reference: `Metadata::validate`). */
function checkTiling(entries: Entry[], bufferSize: number, problems: Problems): void {
  const path = problems.path;
  const sorted = [...entries].sort(byOffsets);
  let covered = 0;
  let last: Entry | undefined;
  for (const e of sorted) {
    if (e.begin > covered) {
      problems.add(createDiagnostic('MOE7510', { args: { path, begin: covered, end: e.begin } }));
    } else if (e.begin < covered && last) {
      const args = { path, tensor: last.name, other: e.name, begin: e.begin, end: Math.min(covered, e.end) };
      problems.add(createDiagnostic('MOE7509', { args }));
    }
    if (e.end >= covered) {
      covered = e.end;
      last = e;
    }
  }
  if (covered < bufferSize) problems.add(createDiagnostic('MOE7510', { args: { path, begin: covered, end: bufferSize } }));
}

function describe(v: JsonValue): string {
  if (v === null) return 'null';
  if (v instanceof JsonNumber) return v.text.length > 24 ? `${v.text.slice(0, 24)}…` : v.text;
  if (v instanceof Map) return 'an object';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return JSON.stringify(v.length > 24 ? `${v.slice(0, 24)}…` : v);
  return String(v);
}
