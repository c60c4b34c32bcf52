/**
 * Interop (PEFT) — a moec LoRA adapter as the `peft` library saves one (PeftModel.save_pretrained,
 * peft/utils/save_and_load.py get_peft_model_state_dict): `adapter_config.json` (a LoraConfig) and
 * `adapter_model.safetensors` with keys `base_model.model.<module>.lora_A.weight` [r, in] and
 * `.lora_B.weight` [out, r] — torch's nn.Linear orientation, the transposes of moec's A [in, r] and
 * B [r, out] — for the HF module names of module-names.ts. `target_modules` is a regular expression
 * PEFT full-matches against module names, naming exactly the adapted modules (a list of names would
 * also match modules moec did not adapt: `gate_proj` is in dense, routed and shared FFNs alike).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createDiagnostic, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { loraA, loraB, loraModules, type LoraModule } from '../../ir/lora.js';
import type { ModelIR } from '../../ir/types.js';
import { writeTextAtomic } from '../../lower/onnx/write-model.js';
import { writeSafetensors, type TensorToWrite } from '../safetensors/index.js';
import { hfModulePath } from './module-names.js';

export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';

/** [rows, cols] row-major → [cols, rows]. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j]!;
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A regex that full-matches exactly the module paths (layer and expert indices grouped). */
export function targetRegex(paths: readonly string[]): string {
  const layers = new Set<string>();
  const tails = new Set<string>();
  for (const p of paths) {
    const m = /^model\.layers\.(\d+)\.(.*)$/.exec(p)!;
    layers.add(m[1]!);
    tails.add(escape(m[2]!).replace(/experts\\\.\d+\\\./, 'experts\\.\\d+\\.'));
  }
  return `model\\.layers\\.(?:${[...layers].join('|')})\\.(?:${[...tails].join('|')})`;
}

/** The HF module path of every adapted projection, or the diagnostics of those PEFT cannot name. */
export function peftModules(ir: ModelIR, modelType: string): { modules: { m: LoraModule; path: string }[]; diagnostics: Diagnostic[] } {
  const lora = ir.train.lora!;
  const mla = ir.layers.some((l) => l.attention.kind === 'mla');
  const modules: { m: LoraModule; path: string }[] = [];
  const diagnostics: Diagnostic[] = [];
  const refusedKinds = new Set<string>();
  for (const m of loraModules(ir, lora)) {
    const p = hfModulePath(modelType, m, mla);
    if ('path' in p) modules.push({ m, path: p.path });
    else if (!refusedKinds.has(`${m.kind}.${m.module}`)) {
      refusedKinds.add(`${m.kind}.${m.module}`);
      diagnostics.push(createDiagnostic('MOE6650', { args: { module: m.prefix, modelType, reason: p.refused, hint: p.hint } }));
    }
  }
  return { modules, diagnostics };
}

export async function writePeftAdapter(
  dir: string,
  ir: ModelIR,
  adapters: ReadonlyMap<string, Float32Array>,
  opts: { modelType: string; baseModel: string },
): Promise<Result<string[] | undefined>> {
  const lora = ir.train.lora!;
  const { modules, diagnostics } = peftModules(ir, opts.modelType);
  if (diagnostics.length) return { value: undefined, diagnostics };
  const r = lora.rank;
  const tensors: TensorToWrite[] = modules.flatMap(({ m, path }) => [
    { name: `base_model.model.${path}.lora_A.weight`, dtype: 'F32' as const, shape: [r, m.in], data: () => transpose(adapters.get(loraA(m.prefix))!, m.in, r) },
    { name: `base_model.model.${path}.lora_B.weight`, dtype: 'F32' as const, shape: [m.out, r], data: () => transpose(adapters.get(loraB(m.prefix))!, r, m.out) },
  ]);
  const config = {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: opts.baseModel,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layers_pattern: null,
    layers_to_transform: null,
    lora_alpha: lora.alpha,
    lora_dropout: lora.dropout,
    modules_to_save: null,
    peft_type: 'LORA',
    r,
    rank_pattern: {},
    revision: null,
    target_modules: targetRegex(modules.map((x) => x.path)),
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: lora.rslora,
  };
  mkdirSync(dir, { recursive: true });
  const weights = writeSafetensors(join(dir, ADAPTER_WEIGHTS), tensors, { metadata: { format: 'pt' } });
  if (!weights.value) return { value: undefined, diagnostics: weights.diagnostics };
  const written = await writeTextAtomic(join(dir, ADAPTER_CONFIG), JSON.stringify(config, null, 2) + '\n');
  if (written.diagnostics.length) return { value: undefined, diagnostics: written.diagnostics };
  return { value: [join(dir, ADAPTER_CONFIG), join(dir, ADAPTER_WEIGHTS)], diagnostics: [] };
}
