/**
 * HF bridge (export) — the IR's tensors as the tensors of a Hugging Face checkpoint: each IR
 * tensor goes through the first row of its model_type's key table (the layout transformers
 * `save_pretrained` writes by default: per-expert v4 keys; gpt-oss's own fused layout), with the
 * inverse transform (keys/transforms.ts), so import reads back exactly these values. A stacked
 * tensor (gpt-oss gate_up_proj …) is assembled expert by expert as the writer asks for it: memory
 * is one expert's slice plus the source tensors of that expert. DeepSeek-V3's MTP layers also get
 * the copies of the embedding and LM head its checkpoint carries. `e_score_correction_bias`
 * stays float32 whatever the dtype, as transformers keeps it (`_keep_in_fp32_modules_strict`).
 */
import type { ModelIR, TensorIR } from '../../ir/types.js';
import type { Dtype } from '../safetensors/dtypes.js';
import type { TensorToWrite } from '../safetensors/write-safetensors.js';
import { WeightsReadError } from '../../weights/lazy-source.js';
import { createDiagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { fill, irMatcher, type Bindings, type KeyRow, type KeyTableOptions, type Transform } from './keys/key-row.js';
import { linearFromIr, ropeRowOrder, sliceShapeFor, stackedFromIr } from './keys/transforms.js';
import type { HfModelType } from './model-type.js';
import { ropeOf } from './weights/plan.js';

export const DTYPE: Record<'fp32' | 'bf16' | 'fp16', Dtype> = { fp32: 'F32', bf16: 'BF16', fp16: 'F16' };

interface Member {
  tensor: TensorIR;
  row: KeyRow;
  expert: number;
}

/** Run a read that may throw WeightsReadError as a Result (the writer reports it and removes its temp file). */
function guarded<T>(make: () => T): T | Result<undefined> {
  try {
    return make();
  } catch (err) {
    if (err instanceof WeightsReadError) return { value: undefined, diagnostics: err.diagnostics };
    throw err;
  }
}

const normalize = (name: string, layers: number) => {
  const m = /^mtp\.(\d+)\.layer\.(.*)$/.exec(name);
  return m ? `layers.${layers + Number(m[1])}.${m[2]}` : name;
};

function layerOf(ir: ModelIR, i: number | undefined) {
  if (i === undefined) return undefined;
  return i < ir.layers.length ? ir.layers[i] : ir.mtpLayers[i - ir.layers.length];
}

interface Placed {
  tensor: TensorIR;
  row: KeyRow;
  b: Bindings;
  key: string;
}

/** The layout `moec export hf` writes: DeepSeek's rope rows interleaved, as on the Hub. */
const EXPORT_LAYOUT: KeyTableOptions = { ropeInterleave: true };

/** Each IR tensor's export row (the first alternative of the key table). */
function place(ir: ModelIR, type: HfModelType, options: KeyTableOptions = EXPORT_LAYOUT): Placed[] {
  const rows = type.keys(options).map((row) => ({ row, match: irMatcher(row.ir) }));
  const L = ir.layers.length;
  return ir.tensors.map((tensor) => {
    for (const { row, match } of rows) {
      const b = match(normalize(tensor.name, L));
      if (!b) continue;
      if (b.d !== undefined) b.m = L + b.d;
      return { tensor, row, b, key: fill(row.hf, b) };
    }
    throw new Error(`exportTensors: no ${type.modelType} key for ${tensor.name}`);
  });
}

/**
 * IR tensor name → the Hugging Face key `model_type` stores it under (stacked layouts: the
 * stacked tensor's key). PEFT's target module names are these keys without `.weight`
 * (`model.layers.0.self_attn.q_proj`).
 */
export function hfTensorKeys(ir: ModelIR, type: HfModelType, options?: KeyTableOptions): Map<string, string> {
  return new Map(place(ir, type, options).map((p) => [p.tensor.name, p.key]));
}

/** Where an IR tensor sits in a Hugging Face checkpoint: its key, the row's transform, and for a linear weight with interleaved rope rows the IR → HF row order. */
export interface HfPlacement {
  key: string;
  transform: Transform;
  /** IR output row r is HF row rowOrder[r] (DeepSeek q / kv_a in the interleaved layout). */
  rowOrder?: Int32Array;
}

/**
 * IR tensor name → its placement in `type`'s checkpoint layout (`options`: the layout of the
 * checkpoint in question; default the one `moec export hf` writes). PEFT adapters are named and
 * ordered from this (src/interop/peft/), so they agree with the weights by construction.
 */
export function hfPlacements(ir: ModelIR, type: HfModelType, options: KeyTableOptions = EXPORT_LAYOUT): Map<string, HfPlacement> {
  return new Map(
    place(ir, type, options).map(({ tensor, row, b, key }) => {
      const rope = ropeOf(row, layerOf(ir, b.i), options);
      return [tensor.name, { key, transform: row.transform, ...(rope ? { rowOrder: ropeRowOrder(tensor.shape[1]!, ...rope) } : {}) }];
    }),
  );
}

export function exportTensors(ir: ModelIR, type: HfModelType, weights: Map<string, Float32Array>, dtype: Dtype): TensorToWrite[] {
  const placed = place(ir, type);
  const shapes = new Map(ir.tensors.map((t) => [t.name, t.shape]));
  // Every source tensor is checked against its IR shape: a transform would otherwise read past it.
  const get = (name: string): Float32Array => {
    const data = weights.get(name);
    const need = shapes.get(name)!.reduce((a, b) => a * b, 1);
    if (data?.length !== need) {
      const reason = data ? `it has ${data.length} values; shape [${shapes.get(name)!.join(', ')}] needs ${need}` : 'the weights have no such tensor';
      throw new WeightsReadError([createDiagnostic('MOE7530', { args: { tensor: name, reason } })]);
    }
    return data;
  };
  const stacks = new Map<string, Member[]>();
  for (const p of placed) if (p.row.transform.kind === 'stacked') stacks.set(p.key, [...(stacks.get(p.key) ?? []), { tensor: p.tensor, row: p.row, expert: p.b.e ?? 0 }]);
  const out: TensorToWrite[] = [];
  const written = new Set<string>();
  for (const { tensor: t, row, b, key } of placed) {
    const tr = row.transform;
    const dt = key.endsWith('e_score_correction_bias') ? 'F32' : dtype;
    if (tr.kind === 'copy') out.push({ name: key, dtype: dt, shape: t.shape, data: () => guarded(() => get(t.name)) });
    else if (tr.kind === 'linear') {
      const [inn, o] = t.shape as [number, number];
      const rope = ropeOf(row, layerOf(ir, b.i), EXPORT_LAYOUT);
      const order = rope ? ropeRowOrder(o, ...rope) : undefined;
      out.push({ name: key, dtype: dt, shape: [o, inn], data: () => guarded(() => linearFromIr(get(t.name), inn, o, order)) });
    } else if (!written.has(key)) {
      written.add(key);
      const layer = layerOf(ir, b.i)!;
      const experts = layer.ffn.kind === 'moe' ? layer.ffn.experts : 0;
      const [r, c] = sliceShapeFor(t.shape, tr.part, tr.transpose);
      const members = stacks.get(key)!;
      // flat: one fused 2-D weight, written as the single slice of a one-expert stack.
      const shape = tr.flat ? [r, c] : t.shape.length === 1 ? [experts, c] : [experts, r, c];
      const chunks = tr.flat ? [1, r, c] : shape;
      out.push({ name: key, dtype: dt, shape, data: () => guarded(() => stackChunks(members, chunks, get)) });
    }
    if (/^mtp\.\d+\.norm\.weight$/.test(t.name)) out.push(...mtpCopies(ir, b.d!, dtype, get));
  }
  return out;
}

/** One expert slice [R, C] at a time, filled from that expert's IR tensors. */
function* stackChunks(members: Member[], shape: number[], get: (n: string) => Float32Array): Generator<Float32Array> {
  const [E, R, C] = shape.length === 2 ? [shape[0]!, 1, shape[1]!] : (shape as [number, number, number]);
  for (let e = 0; e < E; e++) {
    const slice = new Float32Array(R * C);
    for (const m of members) {
      if (m.expert !== e || m.row.transform.kind !== 'stacked') continue;
      stackedFromIr(get(m.tensor.name), slice, R, C, m.row.transform.part, m.row.transform.transpose);
    }
    yield slice;
  }
}

/** DeepSeek-V3 keeps a copy of the embedding and the LM head in every MTP layer. */
function mtpCopies(ir: ModelIR, d: number, dtype: Dtype, get: (n: string) => Float32Array): TensorToWrite[] {
  const m = ir.layers.length + d;
  return [
    { name: `model.layers.${m}.embed_tokens.weight`, dtype, shape: [ir.vocab, ir.hidden], data: () => guarded(() => get('embed_tokens.weight')) },
    {
      name: `model.layers.${m}.shared_head.head.weight`,
      dtype,
      shape: [ir.vocab, ir.hidden],
      data: () => guarded(() => (ir.tieEmbeddings ? get('embed_tokens.weight') : linearFromIr(get('lm_head.weight'), ir.hidden, ir.vocab))),
    },
  ];
}
