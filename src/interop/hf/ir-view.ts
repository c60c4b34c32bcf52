/**
 * HF bridge (export) — the questions an HF config asks of the IR: the attention every layer
 * shares, the MoE and dense FFNs, which layers are which, and per-layer windows. transformers
 * configs hold one value per field, so a spec whose layers differ where a field cannot is
 * refused by the codec that owns the field.
 */
import type { AttentionIR, DenseIR, ModelIR, MoeIR } from '../../ir/types.js';

export const attentionOf = (ir: ModelIR): AttentionIR => ir.layers[0]!.attention;

export function moeOf(ir: ModelIR): MoeIR | undefined {
  const l = ir.layers.find((x) => x.ffn.kind === 'moe');
  return l?.ffn.kind === 'moe' ? l.ffn : undefined;
}

export function denseOf(ir: ModelIR): DenseIR | undefined {
  const l = ir.layers.find((x) => x.ffn.kind === 'dense');
  return l?.ffn.kind === 'dense' ? l.ffn : undefined;
}

export const moeLayerIndices = (ir: ModelIR): number[] => ir.layers.filter((l) => l.ffn.kind === 'moe').map((l) => l.index);
export const denseLayerIndices = (ir: ModelIR): number[] => ir.layers.filter((l) => l.ffn.kind === 'dense').map((l) => l.index);

/** The sliding window of each layer (undefined = full attention). */
export const windowsOf = (ir: ModelIR): (number | undefined)[] => ir.layers.map((l) => l.attention.window);

/** `0..2`-style text of a layer list for messages. */
export function layerList(layers: readonly number[]): string {
  return layers.length ? `[${layers.join(', ')}]` : 'none';
}
