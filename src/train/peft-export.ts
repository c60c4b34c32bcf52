/**
 * Training phase — a LoRA run also leaves its adapter in the PEFT format, `<run>/adapter/`
 * (src/interop/peft/), written from the final adapters when the run stops at a checkpoint, for the
 * Hugging Face model it adapts: the base checkpoint's model_type and layout when the run started
 * from a Hugging Face directory, else the model_type `moec export hf` writes the spec as. A
 * projection PEFT cannot name there, or a spec no model_type holds, makes this a warning, not a
 * failed run: the checkpoint holds the adapter anyway.
 */
import { join } from 'node:path';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { ModelIR } from '../ir/types.js';
import { peftTarget } from '../interop/peft/peft-modules.js';
import { writePeftAdapter } from '../interop/peft/write-adapter.js';
import type { LoraRuntime } from '../lower/tfjs/lora.js';
import type { BaseSource } from './base-weights.js';

export const PEFT_DIR = 'adapter';

const asWarnings = (ds: readonly Diagnostic[]) => ds.map((d) => (d.severity === 'error' ? { ...d, severity: 'warning' as const } : d));

export async function writeRunAdapter(outDir: string, ir: ModelIR, lora: LoraRuntime, base: BaseSource): Promise<Diagnostic[]> {
  const target = peftTarget(ir, base.kind === 'hf' ? base.path : undefined);
  if (!target.value) return asWarnings(target.diagnostics);
  const adapters = new Map([...lora.adapters].map(([n, v]) => [n, v.dataSync() as Float32Array]));
  const baseModel = base.kind === 'init' ? `moec init seed ${base.seed}` : base.path;
  const r = await writePeftAdapter(join(outDir, PEFT_DIR), ir, adapters, { target: target.value, baseModel });
  return asWarnings([...target.diagnostics, ...r.diagnostics]);
}
