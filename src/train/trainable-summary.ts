/**
 * Training phase — the run log's description of what is trained: all parameters, or, for a
 * LoRA run, the adapters' count and share beside the frozen base and where it came from.
 */
import type { ModelIR } from '../ir/types.js';
import { loraParameterCount } from '../ir/lora.js';
import type { LoraRuntime } from '../lower/tfjs/lora.js';
import type { BaseSource } from './base-weights.js';

const fmt = (n: number) => n.toLocaleString('en-US');

export function describeBase(base: BaseSource): string {
  return base.kind === 'init' ? `initialised from seed ${base.seed}` : `from ${base.path} (step ${base.step})`;
}

export function describeTrainable(ir: ModelIR, lora: LoraRuntime | undefined, base: BaseSource): string {
  const params = ir.tensors.reduce((n, x) => n + x.shape.reduce((a, b) => a * b, 1), 0);
  if (!lora) return `${fmt(params)} parameters${base.kind === 'init' ? '' : ` ${describeBase(base)}`}`;
  const trainable = loraParameterCount(lora.modules, lora.lora.rank);
  const share = ((100 * trainable) / params).toFixed(params > 0 && trainable / params < 0.01 ? 3 : 2);
  return `LoRA rank ${lora.lora.rank} on ${lora.modules.length} projections: ${fmt(trainable)} trainable parameters (${share}% of ${fmt(params)} frozen, ${describeBase(base)})`;
}
