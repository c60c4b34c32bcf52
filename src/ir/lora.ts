/**
 * IR phase — LoRA adapters: which linear weights of the model a `train.lora` block adapts and
 * the names and shapes of their adapter tensors. Shared by the trainer (src/lower/tfjs/lora.ts),
 * the merge (src/lower/lora-merge.ts), the PEFT export and `moec explain`.
 *
 * A base weight W [in, out] (moec's orientation, y = x·W) gets A [in, r] and B [r, out]:
 *   y = x·W + scale · dropout(x)·A·B,     scale = alpha/r (alpha/√r with rslora),
 * which is PEFT's `lora_B(lora_A(dropout(x))) * scaling` (tuners/lora/layer.py, Linear.forward)
 * with PEFT's lora_A.weight = Aᵀ [r, in] and lora_B.weight = Bᵀ [out, r]. Adapter tensors are
 * named `<projection>.lora_A.weight` / `.lora_B.weight` beside the base `<projection>.weight`.
 */
import type { LoraTarget } from '../spec/types.js';
import { isGated } from './tensors.js';
import type { FfnIR, LayerIR, LoraIR, ModelIR } from './types.js';

export interface LoraModule {
  /** The projection, e.g. `layers.1.moe.experts.3.up_proj` (base weight `${prefix}.weight`). */
  prefix: string;
  /** Projection name (q_proj, kv_b_proj, gate_proj, router, …). */
  module: string;
  kind: 'attention' | 'experts' | 'shared' | 'dense' | 'router';
  layer: number;
  expert?: number;
  in: number;
  out: number;
}

export const loraA = (prefix: string) => `${prefix}.lora_A.weight`;
export const loraB = (prefix: string) => `${prefix}.lora_B.weight`;

const FFN_PROJECTIONS = ['gate_proj', 'up_proj', 'down_proj'] as const;

/** Whether target list `t` asks for projection `module` of kind `kind`. */
export function targetsModule(t: readonly LoraTarget[], kind: LoraModule['kind'], module: string): boolean {
  if (kind === 'router') return t.includes('router');
  if (kind === 'attention') return t.includes('attention') || t.includes(module as LoraTarget);
  return t.includes(kind) || t.includes(module as LoraTarget);
}

/** Every linear projection of a layer that LoRA could adapt, in IR tensor order. */
export function adaptableModules(layer: LayerIR, hidden: number): LoraModule[] {
  const out: LoraModule[] = [];
  const p = `layers.${layer.index}`;
  const a = layer.attention;
  const add = (prefix: string, module: string, kind: LoraModule['kind'], inDim: number, outDim: number, expert?: number) =>
    out.push({ prefix, module, kind, layer: layer.index, in: inDim, out: outDim, ...(expert !== undefined ? { expert } : {}) });
  if (a.kind === 'mla' && a.mla) {
    const m = a.mla;
    const qWidth = a.heads * (m.qkNopeHeadDim + m.qkRopeHeadDim);
    if (m.qLoraRank > 0) {
      add(`${p}.attn.q_a_proj`, 'q_a_proj', 'attention', hidden, m.qLoraRank);
      add(`${p}.attn.q_b_proj`, 'q_b_proj', 'attention', m.qLoraRank, qWidth);
    } else add(`${p}.attn.q_proj`, 'q_proj', 'attention', hidden, qWidth);
    add(`${p}.attn.kv_a_proj`, 'kv_a_proj', 'attention', hidden, m.kvLoraRank + m.qkRopeHeadDim);
    add(`${p}.attn.kv_b_proj`, 'kv_b_proj', 'attention', m.kvLoraRank, a.heads * (m.qkNopeHeadDim + m.vHeadDim));
    add(`${p}.attn.o_proj`, 'o_proj', 'attention', a.heads * m.vHeadDim, hidden);
  } else {
    add(`${p}.attn.q_proj`, 'q_proj', 'attention', hidden, a.heads * a.headDim);
    add(`${p}.attn.k_proj`, 'k_proj', 'attention', hidden, a.kvHeads * a.headDim);
    add(`${p}.attn.v_proj`, 'v_proj', 'attention', hidden, a.kvHeads * a.headDim);
    add(`${p}.attn.o_proj`, 'o_proj', 'attention', a.heads * a.vHeadDim, hidden);
  }
  const ffn = (prefix: string, f: FfnIR, width: number, kind: LoraModule['kind'], expert?: number) => {
    for (const proj of FFN_PROJECTIONS) {
      if (proj === 'gate_proj' && !isGated(f.activation)) continue;
      const [i, o] = proj === 'down_proj' ? [width, hidden] : [hidden, width];
      add(`${prefix}.${proj}`, proj, kind, i, o, expert);
    }
  };
  const f = layer.ffn;
  if (f.kind === 'dense') ffn(`${p}.mlp`, f, f.ffn, 'dense');
  else {
    add(`${p}.moe.router`, 'router', 'router', hidden, f.experts);
    for (let e = 0; e < f.experts; e++) ffn(`${p}.moe.experts.${e}`, f.expert, f.expert.ffn, 'experts', e);
    if (f.shared) ffn(`${p}.moe.shared`, f.shared, f.shared.count * f.shared.ffn, 'shared');
  }
  return out;
}

/** The projections `lora` adapts, in IR tensor order. */
export function loraModules(ir: Pick<ModelIR, 'layers' | 'hidden'>, lora: LoraIR): LoraModule[] {
  const layers = new Set(lora.layers);
  return ir.layers
    .filter((l) => layers.has(l.index))
    .flatMap((l) => adaptableModules(l, ir.hidden).filter((m) => targetsModule(lora.targets, m.kind, m.module)));
}

/** Adapter tensors (A then B per module, IR order), with their shapes. */
export function loraTensors(modules: readonly LoraModule[], rank: number): { name: string; shape: [number, number] }[] {
  return modules.flatMap((m) => [
    { name: loraA(m.prefix), shape: [m.in, rank] as [number, number] },
    { name: loraB(m.prefix), shape: [rank, m.out] as [number, number] },
  ]);
}

/** Trainable adapter parameters. */
export function loraParameterCount(modules: readonly LoraModule[], rank: number): number {
  return modules.reduce((n, m) => n + rank * (m.in + m.out), 0);
}
