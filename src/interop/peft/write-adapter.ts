/**
 * Interop (PEFT) — a moec LoRA adapter as the `peft` library saves one (PeftModel.save_pretrained,
 * peft/utils/save_and_load.py get_peft_model_state_dict): `adapter_config.json` (a LoraConfig) and
 * `adapter_model.safetensors` with keys `base_model.model.<module>.lora_A.weight` [r, in] and
 * `.lora_B.weight` [out, r] — torch's nn.Linear orientation, the transposes of moec's A [in, r] and
 * B [r, out], lora_B's rows in the weight's HF row order — for the module names of
 * peft-modules.ts. `target_modules` is a regular expression PEFT full-matches against module names,
 * naming exactly the adapted modules (a list of names would also match modules moec did not adapt:
 * `gate_proj` is in dense, routed and shared FFNs alike).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Result } from '../../diagnostics/diagnostic.js';
import { loraA, loraB } from '../../ir/lora.js';
import type { ModelIR } from '../../ir/types.js';
import { writeTextAtomic } from '../../lower/onnx/write-model.js';
import { linearFromIr } from '../hf/keys/transforms.js';
import { writeSafetensors, type TensorToWrite } from '../safetensors/index.js';
import { peftModules, type PeftTarget } from './peft-modules.js';

export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A regex that full-matches exactly the module paths: expert indices grouped, and each set of
 * module tails listed with the layers that have exactly those (a dense layer's `mlp.gate_proj`
 * must not match in a MoE layer).
 */
export function targetRegex(paths: readonly string[]): string {
  const tailsOf = new Map<string, Set<string>>();
  for (const p of paths) {
    const m = /^model\.layers\.(\d+)\.(.*)$/.exec(p)!;
    const tail = escape(m[2]!).replace(/experts\\\.\d+\\\./, 'experts\\.\\d+\\.');
    tailsOf.set(m[1]!, (tailsOf.get(m[1]!) ?? new Set()).add(tail));
  }
  const layersOf = new Map<string, string[]>();
  for (const [layer, tails] of tailsOf) {
    const key = [...tails].join('|');
    layersOf.set(key, [...(layersOf.get(key) ?? []), layer]);
  }
  const groups = [...layersOf].map(([tails, layers]) => `(?:${layers.join('|')})\\.(?:${tails})`);
  return `model\\.layers\\.(?:${groups.join('|')})`;
}

export async function writePeftAdapter(
  dir: string,
  ir: ModelIR,
  adapters: ReadonlyMap<string, Float32Array>,
  opts: { target: PeftTarget; baseModel: string },
): Promise<Result<string[] | undefined>> {
  const lora = ir.train.lora!;
  const { modules, diagnostics } = peftModules(ir, opts.target);
  if (diagnostics.length) return { value: undefined, diagnostics };
  const r = lora.rank;
  const tensors: TensorToWrite[] = modules.flatMap(({ m, path, rowOrder }) => [
    { name: `base_model.model.${path}.lora_A.weight`, dtype: 'F32' as const, shape: [r, m.in], data: () => linearFromIr(adapters.get(loraA(m.prefix))!, m.in, r) },
    { name: `base_model.model.${path}.lora_B.weight`, dtype: 'F32' as const, shape: [m.out, r], data: () => linearFromIr(adapters.get(loraB(m.prefix))!, r, m.out, rowOrder) },
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
