/**
 * Analysis phase — what a `train.lora` block trains and what it saves (docs/explain.md §LoRA).
 * The base weights are frozen: they keep their weights but have no gradients and no optimizer
 * state; the adapters (rank·(in + out) per adapted projection) have all three. Bytes use the
 * memory plan's per-parameter figures (precision and optimizer, src/analysis/memory.ts) for the
 * whole model, before any parallel split: the saving per device scales the same way.
 */
import { loraModules, loraParameterCount } from '../ir/lora.js';
import type { ModelIR } from '../ir/types.js';
import type { MemoryPlan } from './memory.js';

export interface LoraSummary {
  rank: number;
  alpha: number;
  /** alpha/rank (alpha/√rank with rslora). */
  scale: number;
  targets: string[];
  layers: number[];
  /** Adapted projections (each routed expert's gate/up/down counts separately). */
  modules: number;
  /** Adapter parameters (trained). */
  trainable: number;
  /** Main-model parameters (frozen under LoRA). */
  base: number;
  /** Gradient + optimizer bytes, full training vs LoRA, and the difference. */
  fullTraining: { grads: number; optimizer: number };
  loraTraining: { grads: number; optimizer: number; adapterWeights: number };
  saved: number;
}

export function createLoraSummary(ir: ModelIR, memory: Pick<MemoryPlan, 'bytesPerParam'>): LoraSummary | undefined {
  const lora = ir.train.lora;
  if (!lora) return undefined;
  const modules = loraModules(ir, lora);
  const trainable = loraParameterCount(modules, lora.rank);
  const base = ir.tensors.filter((t) => !t.mtp && t.trainable).reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
  const b = memory.bytesPerParam;
  const fullTraining = { grads: base * b.grads, optimizer: base * b.optimizer };
  const loraTraining = { grads: trainable * b.grads, optimizer: trainable * b.optimizer, adapterWeights: trainable * b.weights };
  const saved = fullTraining.grads + fullTraining.optimizer - (loraTraining.grads + loraTraining.optimizer + loraTraining.adapterWeights);
  return { rank: lora.rank, alpha: lora.alpha, scale: lora.scale, targets: [...lora.targets], layers: [...lora.layers], modules: modules.length, trainable, base, fullTraining, loraTraining, saved };
}
