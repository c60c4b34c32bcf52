/**
 * HF bridge (weights in) — reading one planned tensor (plan.ts): the checkpoint tensor, or one
 * expert's slice of a stacked one (a contiguous byte range, so memory is that expert, not the
 * layer), dequantized where it is stored as FP8 or MXFP4, then moved into the IR's layout
 * (keys/transforms.ts). A slice that holds two IR tensors (gate and up in `gate_up_proj` and its
 * bias) is kept until its other half is read: the last such slice of each of at most two
 * checkpoint tensors, since gpt-oss's sparse order reads a bias between gate and up.
 */
import type { Result } from '../../../diagnostics/diagnostic.js';
import { dequantizeFp8BlockScaled } from '../../safetensors/dequant-fp8.js';
import { dequantizeGptOssExperts } from '../../safetensors/dequant-mxfp4.js';
import type { TensorReader } from '../../safetensors/safetensors-file.js';
import { bf16RowsToIr, linearRowsToIr, linearToIr, ropeRowOrder, stackedToIr } from '../keys/transforms.js';
import type { Quantization, Source } from './plan.js';

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
/** Rows of an unquantized linear read (and transposed) at once: about 8 MiB of float32. */
const ROWS_BYTES = 8 * 2 ** 20;

/** Slices of split parts kept for their other half: a fused weight's and its bias's. */
const KEPT_SLICES = 2;

export class SourceReader {
  /** `key#expert` → a slice read for one half of a split part, awaiting the other half. */
  private readonly cached = new Map<string, Float32Array>();

  constructor(private readonly reader: TensorReader, private readonly q: Quantization) {}

  /**
   * The IR tensor, into `into` when given (its size; a compile passes the buffer its kernels
   * share). Unquantized linears are read and transposed in chunks of rows (ROWS_BYTES), so a
   * read holds the IR tensor plus one chunk; copies are converted straight into place.
   */
  read(src: Source, into?: Float32Array): Result<Float32Array | undefined> {
    const tr = src.row.transform;
    const place = (v: Float32Array): Float32Array => (into && into !== v ? (into.set(v), into) : v);
    if (tr.kind === 'stacked') {
      const slice = this.slice(src);
      if (!slice.value) return slice;
      const [R, C] = tr.flat ? [src.shape[0]!, src.shape[1]!] : src.shape.length === 2 ? [1, src.shape[1]!] : [src.shape[1]!, src.shape[2]!];
      return { value: place(stackedToIr(slice.value, R, C, tr.part, tr.transpose)), diagnostics: [] };
    }
    if (!src.scaleKey && tr.kind === 'copy') return this.reader.readFloat32Range(src.key, 0, size(src.shape), into);
    if (!src.scaleKey) return this.linearInChunks(src, into);
    const data = this.fp8(src);
    if (!data.value || tr.kind === 'copy') return data.value ? { value: place(data.value), diagnostics: data.diagnostics } : data;
    const [out, inn] = src.shape as [number, number];
    const order = src.rope ? ropeRowOrder(out, ...src.rope) : undefined;
    return { value: place(linearToIr(data.value, out, inn, order)), diagnostics: data.diagnostics };
  }

  /** Most bytes one read of `src` holds (the result included): for the compile's memory check. */
  peakBytes(src: Source): number {
    const n = size(src.shape);
    if (src.row.transform.kind === 'stacked') return 8 * size(src.row.transform.flat ? src.shape : src.shape.slice(1));
    if (!src.scaleKey) return 4 * n + ROWS_BYTES;
    // FP8: the raw bytes and scales, the dequantized [out, in] and its transpose.
    return n + 8 * n;
  }

  private linearInChunks(src: Source, into?: Float32Array): Result<Float32Array | undefined> {
    const [out, inn] = src.shape as [number, number];
    const ir = into ?? new Float32Array(out * inn);
    const order = src.rope ? ropeRowOrder(out, ...src.rope) : undefined;
    const inverse = order ? new Int32Array(out) : undefined;
    if (order && inverse) for (let r = 0; r < out; r++) inverse[order[r]!] = r;
    if (this.reader.get(src.key)?.dtype === 'BF16') {
      // Raw rows widened and transposed in one pass (no float32 copy of the rows first).
      const bits = new Uint32Array(ir.buffer, ir.byteOffset, out * inn);
      const per = Math.max(1, Math.floor(ROWS_BYTES / (2 * inn)));
      for (let h0 = 0; h0 < out; h0 += per) {
        const n = Math.min(per, out - h0);
        const raw = this.reader.readRawRange(src.key, 2 * h0 * inn, 2 * n * inn);
        if (!raw.value) return raw as Result<undefined>;
        bf16RowsToIr(new Uint16Array(raw.value.buffer, raw.value.byteOffset, n * inn), h0, n, out, inn, bits, inverse);
      }
      return { value: ir, diagnostics: [] };
    }
    const per = Math.max(1, Math.floor(ROWS_BYTES / (4 * inn)));
    const rows = new Float32Array(Math.min(per, out) * inn);
    const diagnostics = [];
    for (let h0 = 0; h0 < out; h0 += per) {
      const n = Math.min(per, out - h0);
      const got = this.reader.readFloat32Range(src.key, h0 * inn, n * inn, rows);
      if (!got.value) return got;
      diagnostics.push(...got.diagnostics);
      linearRowsToIr(rows, h0, n, out, inn, ir, inverse);
    }
    return { value: ir, diagnostics };
  }

  /** Expert `src.expert`'s slice of a stacked tensor, as float32 in the logical [rows, cols] layout. */
  private slice(src: Source): Result<Float32Array | undefined> {
    const id = `${src.key}#${src.expert}`;
    const kept = this.cached.get(id);
    if (kept) return { value: kept, diagnostics: [] };
    const e = src.expert!;
    const per = src.row.transform.kind === 'stacked' && src.row.transform.flat ? size(src.shape) : size(src.shape.slice(1));
    let got: Result<Float32Array | undefined>;
    if (src.row.transform.kind === 'stacked' && src.row.transform.mxfp4) {
      const blocks = this.reader.get(`${src.key}_blocks`)!;
      const [, R, G, B] = blocks.shape as [number, number, number, number];
      const raw = this.reader.readRawRange(`${src.key}_blocks`, e * R * G * B, R * G * B);
      const scales = this.reader.readRawRange(`${src.key}_scales`, e * R * G, R * G);
      if (!raw.value || !scales.value) return { value: undefined, diagnostics: [...raw.diagnostics, ...scales.diagnostics] };
      const d = dequantizeGptOssExperts({ name: src.key, blocks: raw.value, blocksShape: [1, R, G, B], scales: scales.value, scalesShape: [1, R, G] });
      got = { value: d.value?.data, diagnostics: d.diagnostics };
    } else {
      got = this.reader.readFloat32Range(src.key, e * per, per);
    }
    const tr = src.row.transform;
    if (got.value && tr.kind === 'stacked' && tr.part !== 'all') {
      // Another expert's slice of this tensor is done with; beyond that, the oldest goes.
      for (const other of this.cached.keys()) if (other.startsWith(`${src.key}#`)) this.cached.delete(other);
      if (this.cached.size >= KEPT_SLICES) this.cached.delete(this.cached.keys().next().value!);
      this.cached.set(id, got.value);
    }
    return got;
  }

  private fp8(src: Source): Result<Float32Array | undefined> {
    const info = this.reader.get(src.key)!;
    const raw = this.reader.readRaw(src.key);
    const scaleInfo = this.reader.get(src.scaleKey!)!;
    const scales = this.reader.readFloat32(src.scaleKey!);
    if (!raw.value || !scales.value) return { value: undefined, diagnostics: [...raw.diagnostics, ...scales.diagnostics] };
    return dequantizeFp8BlockScaled({
      name: src.key,
      weight: raw.value,
      weightShape: info.shape,
      weightDtype: info.dtype as 'F8_E4M3' | 'F8_E5M2',
      scales: scales.value,
      scaleShape: scaleInfo.shape,
      blockSize: this.q.block,
    });
  }
}
