/**
 * HF bridge (weights in) — the read plan: for every IR tensor, the checkpoint tensor it comes
 * from (the first layout alternative of the key table that the checkpoint holds), the transform,
 * and the shape that tensor must have. Everything is checked here, before any tensor byte is
 * read, and every problem reported together: a tensor missing (MOE7100), misshapen (MOE7101), in a
 * dtype or quantization moec cannot read (MOE7103); then the checkpoint tensors no IR tensor uses
 * (MOE7102; DeepSeek's MTP copies and unused MTP layers are MOE7104 notes instead).
 */
import { createDiagnostic, type Diagnostic } from '../../../diagnostics/diagnostic.js';
import type { LayerIR, ModelIR, TensorIR } from '../../../ir/types.js';
import type { TensorInfo } from '../../safetensors/header.js';
import { fill, irMatcher, type Bindings, type KeyRow, type KeyTableOptions } from '../keys/key-row.js';
import { leftovers } from './leftovers.js';
import { sliceShapeFor } from '../keys/transforms.js';

export interface Quantization {
  method?: 'fp8' | 'mxfp4';
  /** FP8 `weight_block_size`. */
  block?: [number, number];
}

export interface Source {
  tensor: TensorIR;
  row: KeyRow;
  key: string;
  /** Logical shape of `key` (for MXFP4: the dequantized [E, in, out]). */
  shape: number[];
  /** Stacked rows: the expert and how many the tensor stacks. */
  expert?: number;
  /** FP8: the `weight_scale_inv` tensor. */
  scaleKey?: string;
  /** DeepSeek rope rows: [block, offset within it, rope width]. */
  rope?: [number, number, number];
}

export interface Checkpoint {
  path: string;
  get(key: string): TensorInfo | undefined;
  keys(): string[];
}

const FLOAT = new Set(['F32', 'F16', 'BF16', 'F64']);
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The IR name as the key table sees it: an MTP module's decoder layer is layer `layers + d`. */
function normalize(name: string, layers: number): string {
  const m = /^mtp\.(\d+)\.layer\.(.*)$/.exec(name);
  return m ? `layers.${layers + Number(m[1])}.${m[2]}` : name;
}

function layerOf(ir: ModelIR, i: number | undefined): LayerIR | undefined {
  if (i === undefined) return undefined;
  return i < ir.layers.length ? ir.layers[i] : ir.mtpLayers[i - ir.layers.length];
}

/** The HF shape a row reads for `t` (undefined: the row cannot produce this tensor). */
function hfShape(row: KeyRow, t: TensorIR, layer: LayerIR | undefined): number[] | undefined {
  const tr = row.transform;
  if (tr.kind === 'copy') return [...t.shape];
  if (tr.kind === 'linear') return t.shape.length === 2 ? [t.shape[1]!, t.shape[0]!] : undefined;
  if (tr.flat) return sliceShapeFor(t.shape, tr.part, tr.transpose);
  const experts = layer?.ffn.kind === 'moe' ? layer.ffn.experts : undefined;
  if (experts === undefined) return undefined;
  const [r, c] = sliceShapeFor(t.shape, tr.part, tr.transpose);
  return t.shape.length === 1 ? [experts, c] : [experts, r, c];
}

/** The rope rows of a linear tensor whose layout interleaves them (DeepSeek q / kv_a), else undefined. */
export function ropeOf(row: KeyRow, layer: LayerIR | undefined, o: KeyTableOptions): Source['rope'] {
  const m = layer?.attention.mla;
  if (row.transform.kind !== 'linear' || !row.transform.rope || !m || !o.ropeInterleave) return undefined;
  const rope = m.qkRopeHeadDim;
  return row.transform.rope === 'q' ? [m.qkNopeHeadDim + rope, m.qkNopeHeadDim, rope] : [m.kvLoraRank + rope, m.kvLoraRank, rope];
}

interface Compiled {
  row: KeyRow;
  match: (name: string) => Bindings | undefined;
}

export interface Plan {
  sources: Map<string, Source>;
  diagnostics: Diagnostic[];
}

export function planRead(ir: ModelIR, rows: readonly KeyRow[], ckpt: Checkpoint, q: Quantization, o: KeyTableOptions): Plan {
  const compiled: Compiled[] = rows.map((row) => ({ row, match: irMatcher(row.ir) }));
  const L = ir.layers.length;
  const sources = new Map<string, Source>();
  const diagnostics: Diagnostic[] = [];
  const used = new Set<string>();
  for (const t of ir.tensors) {
    const name = normalize(t.name, L);
    const candidates = compiled.flatMap(({ row, match }) => {
      const b = match(name);
      if (!b) return [];
      if (b.d !== undefined) b.m = L + b.d;
      return [{ row, b }];
    });
    const present = candidates.find(({ row, b }) => ckpt.get(row.transform.kind === 'stacked' && row.transform.mxfp4 ? `${fill(row.hf, b)}_blocks` : fill(row.hf, b)));
    if (!present) {
      const first = candidates.find((c) => !(c.row.transform.kind === 'stacked' && c.row.transform.mxfp4));
      const key = first ? fill(first.row.hf, first.b) : `(no key table row for ${t.name})`;
      diagnostics.push(createDiagnostic('MOE7100', { args: { path: ckpt.path, key, tensor: t.name, shape: t.shape.join(', ') } }));
      continue;
    }
    const { row, b } = present;
    const layer = layerOf(ir, b.i);
    const key = fill(row.hf, b);
    const shape = hfShape(row, t, layer);
    const src: Source = { tensor: t, row, key, shape: shape ?? [], ...(row.transform.kind === 'stacked' && (b.e !== undefined || row.transform.flat) ? { expert: b.e ?? 0 } : {}) };
    const rope = ropeOf(row, layer, o);
    if (rope) src.rope = rope;
    diagnostics.push(...checkSource(src, ckpt, q, used));
    sources.set(t.name, src);
  }
  diagnostics.push(...leftovers(ir, ckpt, used));
  return { sources, diagnostics };
}

/** Shape and dtype of one source; marks the checkpoint tensors it uses. */
function checkSource(src: Source, ckpt: Checkpoint, q: Quantization, used: Set<string>): Diagnostic[] {
  const tr = src.row.transform;
  const misshapen = (key: string, found: readonly number[], expected: readonly number[]) =>
    createDiagnostic('MOE7101', { args: { key, path: ckpt.path, found: found.join(', '), expected: expected.join(', '), tensor: src.tensor.name } });
  const unreadable = (what: string, why: string) => createDiagnostic('MOE7103', { args: { path: ckpt.path, what, why } });
  if (tr.kind === 'stacked' && tr.mxfp4) {
    const blocks = ckpt.get(`${src.key}_blocks`)!;
    const scales = ckpt.get(`${src.key}_scales`);
    used.add(blocks.name);
    if (!scales) return [unreadable(`\`${src.key}_blocks\``, `its scales \`${src.key}_scales\` are missing`)];
    used.add(scales.name);
    if (q.method !== 'mxfp4') return [unreadable(`\`${src.key}_blocks\``, 'MXFP4 blocks without quantization_config.quant_method "mxfp4"')];
    const [E, R, G, B] = blocks.shape;
    const logical = [E!, (G ?? 0) * 32, R!];
    if (blocks.shape.length !== 4 || B !== 16 || blocks.dtype !== 'U8' || !same(logical, src.shape)) {
      return [misshapen(`${src.key}_blocks`, blocks.shape, [src.shape[0]!, src.shape[2]!, src.shape[1]! / 32, 16])];
    }
    if (scales.dtype !== 'U8' && scales.dtype !== 'F8_E8M0') return [unreadable(`\`${scales.name}\``, `scales are ${scales.dtype}, not U8 / F8_E8M0`)];
    return [];
  }
  const info = ckpt.get(src.key)!;
  used.add(info.name);
  if (!same(info.shape, src.shape)) return [misshapen(info.name, info.shape, src.shape)];
  if (FLOAT.has(info.dtype)) return [];
  if (info.dtype === 'F8_E4M3' || info.dtype === 'F8_E5M2') {
    const scaleKey = `${src.key.replace(/\.weight$/, '')}.weight_scale_inv`;
    if (tr.kind === 'stacked' || !ckpt.get(scaleKey)) return [unreadable(`\`${info.name}\` (${info.dtype})`, `FP8 weights need their per-block \`weight_scale_inv\`${tr.kind === 'stacked' ? ' and a per-expert layout' : ''}`)];
    if (q.method !== 'fp8') return [unreadable(`\`${info.name}\` (${info.dtype})`, 'FP8 weights without quantization_config.quant_method "fp8"')];
    src.scaleKey = scaleKey;
    used.add(scaleKey);
    return [];
  }
  return [unreadable(`\`${info.name}\` (${info.dtype})`, `${info.dtype} is not a weight dtype moec reads`)];
}
