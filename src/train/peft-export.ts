/**
 * Training phase — a LoRA run also leaves its adapter in the PEFT format, `<run>/adapter/`
 * (src/interop/peft/), written from the final adapters when the run stops at a checkpoint, for the
 * Hugging Face model_type moec exports the spec as (hfModelType). A projection PEFT cannot name in
 * that model_type makes this a warning, not a failed run: the checkpoint holds the adapter anyway.
 */
import { join } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { ModelIR } from '../ir/types.js';
import { writePeftAdapter } from '../interop/peft/write-adapter.js';
import { hfModelType } from '../lower/onnx/deploy/hf-config.js';
import type { LoraRuntime } from '../lower/tfjs/lora.js';
import type { BaseSource } from './base-weights.js';

export const PEFT_DIR = 'adapter';

export async function writeRunAdapter(outDir: string, ir: ModelIR, lora: LoraRuntime, base: BaseSource): Promise<Diagnostic[]> {
  const adapters = new Map([...lora.adapters].map(([n, v]) => [n, v.dataSync() as Float32Array]));
  const baseModel = base.kind === 'init' ? `moec init seed ${base.seed}` : base.path;
  const r = await writePeftAdapter(join(outDir, PEFT_DIR), ir, adapters, { modelType: hfModelType(ir).modelType, baseModel });
  return r.diagnostics.map((d) => ({ ...d, severity: 'warning' as const }));
}
