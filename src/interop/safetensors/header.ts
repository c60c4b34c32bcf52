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
import type { Dtype } from './dtypes.js';
import { checkEntry, describe, type Entry } from './header-entry.js';
import { parseStrictJson, type JsonObject, type JsonValue } from './strict-json.js';

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
  entries.sort(byOffsets);
  if (problems.count === 0) checkTiling(entries, bufferSize, problems);
  if (problems.count > 0) return { value: undefined, diagnostics: problems.list() };
  const tensors = entries.map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape, elements: e.elements, offset: dataOffset + e.begin, byteLength: e.end - e.begin }));
  return { value: { tensors, metadata, dataOffset }, diagnostics: [] };
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
  const e = checkEntry(name, value, bufferSize, problems.path);
  if (e && 'code' in e) {
    problems.add(e);
    return undefined;
  }
  return e;
}

function byOffsets(a: Entry, b: Entry): number {
  return a.begin - b.begin || a.end - b.end || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Sorted by offsets, the entries must tile [0, bufferSize) exactly (reference: `Metadata::validate`). */
function checkTiling(sorted: readonly Entry[], bufferSize: number, problems: Problems): void {
  const path = problems.path;
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
