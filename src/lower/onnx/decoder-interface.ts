/**
 * ONNX lowering — the decoder's graph interface: input and output names, element types and
 * shapes (docs/onnx.md §Interface). The cached form is the contract every ONNX LLM runtime
 * speaks — Optimum's `TextDecoderWithPositionIdsOnnxConfig`, transformers.js
 * (`decoder_forward` / `addPastKeyValues` in src/models/modeling_utils.js) and
 * onnxruntime-genai (`genai_config.json` decoder inputs/outputs):
 *   input_ids        int64 [batch_size, sequence_length]
 *   attention_mask   int64 [batch_size, total_sequence_length]   1 = real token, 0 = padding
 *   position_ids     int64 [batch_size, sequence_length]
 *   past_key_values.{i}.key / .value  float [batch_size, kv_heads, past_sequence_length, head_dim]
 *   → logits [batch_size, sequence_length, vocab], present.{i}.key / .value
 *     [batch_size, kv_heads, total_sequence_length, head_dim]
 * Only batch and sequence axes are symbolic: transformers.js builds the first, empty past from
 * this metadata, resolving `batch_size` to the batch and every other symbolic dim to 0.
 * The full-sequence form (Triton, scoring) has input_ids → logits only.
 */
import type { AttentionIR, ModelIR } from '../../ir/types.js';
import { DT, type ValueInfoProto } from './graph-builder.js';

export const BATCH = 'batch_size';
export const SEQUENCE = 'sequence_length';
export const PAST = 'past_sequence_length';
export const TOTAL = 'total_sequence_length';

export const INPUT_IDS = 'input_ids';
export const ATTENTION_MASK = 'attention_mask';
export const POSITION_IDS = 'position_ids';
export const LOGITS = 'logits';

export const pastName = (layer: number, kind: 'key' | 'value'): string => `past_key_values.${layer}.${kind}`;
export const presentName = (layer: number, kind: 'key' | 'value'): string => `present.${layer}.${kind}`;

/** Heads and per-head widths of one layer's cache: MLA caches full per-head keys (nope + rope) and values. */
export function cacheDims(a: AttentionIR): { heads: number; key: number; value: number } {
  return { heads: a.kvHeads, key: a.headDim, value: a.vHeadDim };
}

export function valueInfo(name: string, elemType: number, dims: (number | string)[]): ValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

export interface DecoderInterface {
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
}

/** Inputs and outputs of the cached decoder (`cache` true) or the full-sequence one, in Optimum's order. */
export function decoderInterface(ir: ModelIR, cache: boolean): DecoderInterface {
  const inputs = [valueInfo(INPUT_IDS, DT.INT64, [BATCH, SEQUENCE])];
  const outputs = [valueInfo(LOGITS, DT.FLOAT, [BATCH, SEQUENCE, ir.vocab])];
  if (!cache) return { inputs, outputs };
  inputs.push(valueInfo(ATTENTION_MASK, DT.INT64, [BATCH, TOTAL]), valueInfo(POSITION_IDS, DT.INT64, [BATCH, SEQUENCE]));
  for (const layer of ir.layers) {
    const d = cacheDims(layer.attention);
    for (const kind of ['key', 'value'] as const) {
      const width = kind === 'key' ? d.key : d.value;
      inputs.push(valueInfo(pastName(layer.index, kind), DT.FLOAT, [BATCH, d.heads, PAST, width]));
      outputs.push(valueInfo(presentName(layer.index, kind), DT.FLOAT, [BATCH, d.heads, TOTAL, width]));
    }
  }
  return { inputs, outputs };
}
