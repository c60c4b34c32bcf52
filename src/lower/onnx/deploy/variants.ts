/**
 * ONNX output — quantized variants of the model folder, named as transformers.js names them
 * (DEFAULT_DTYPE_SUFFIX_MAPPING in src/utils/dtypes.js: `model${suffix}.onnx`, loaded with
 * `{ dtype }`). `model.onnx` is the spec as written (its own `quantize` block); each variant
 * replaces that block with the recipe below. The router stays fp32 in every variant (a few KB,
 * and quantizing it flips expert choices); norms, biases and sinks always stay fp32.
 *   fp16 → model_fp16.onnx        fp16 weights, fp32 compute (the graph casts them at load)
 *   int8 → model_int8.onnx        int8 per-channel symmetric weights, fp32 activations
 *   q8   → model_quantized.onnx   int8 per-channel weights + dynamic int8 activations
 *                                 (onnxruntime's quantize_dynamic: DynamicQuantizeMatMul)
 *   q4   → model_q4.onnx          int4 block-32 symmetric linears (MatMulNBits), fp32 embeddings
 */
import { resolveQuantize } from '../../../ir/defaults.js';
import type { ModelIR } from '../../../ir/types.js';
import type { QuantizeSpec } from '../../../spec/types.js';

export const VARIANTS = {
  fp16: { suffix: '_fp16', quantize: { default: { dtype: 'fp16' }, router: { dtype: 'fp32' } } },
  int8: { suffix: '_int8', quantize: { default: { dtype: 'int8' }, router: { dtype: 'fp32' } } },
  q8: { suffix: '_quantized', quantize: { default: { dtype: 'int8' }, router: { dtype: 'fp32' }, activations: { dtype: 'int8' } } },
  q4: { suffix: '_q4', quantize: { default: { dtype: 'int4', block: 32 }, embeddings: { dtype: 'fp32' }, router: { dtype: 'fp32' } } },
} as const satisfies Record<string, { suffix: string; quantize: QuantizeSpec }>;

export type VariantName = keyof typeof VARIANTS;
export const VARIANT_NAMES = Object.keys(VARIANTS) as VariantName[];

export function variantFile(name: VariantName | 'spec'): string {
  return name === 'spec' ? 'model.onnx' : `model${VARIANTS[name].suffix}.onnx`;
}

/** The IR with every matrix stored as the variant says (same tensors, names and spec hash). */
export function withVariant(ir: ModelIR, name: VariantName): ModelIR {
  const quantize = resolveQuantize(VARIANTS[name].quantize as QuantizeSpec);
  const tensors = ir.tensors.map((t) => (t.shape.length >= 2 ? { ...t, quant: quantize[t.group] } : t));
  return { ...ir, quantize, tensors };
}
