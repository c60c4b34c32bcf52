/**
 * Interop (PEFT) — reading a PEFT LoRA adapter directory (adapter_config.json +
 * adapter_model.safetensors, write-adapter.ts) back into moec's adapter tensors for a spec whose
 * train.lora block states the same adapter: rank and alpha (and rslora) must agree, every adapted
 * projection's lora_A [r, in] / lora_B [out, r] must be present with those shapes, and no other
 * LoRA key may be (MOE6652); a config or tensor beyond W + scaling·lora_B@lora_A (DoRA, biases,
 * modules_to_save, per-module alpha) is refused (MOE6651). Keys saved with an adapter name (`lora_A.default.weight`) are read too.
 * lora_B's rows come back from the weight's HF row order (peft-modules.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDiagnostic, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { loraA, loraB } from '../../ir/lora.js';
import type { ModelIR } from '../../ir/types.js';
import { openSafetensors } from '../safetensors/index.js';
import { linearToIr } from '../hf/keys/transforms.js';
import { peftModules, type PeftTarget } from './peft-modules.js';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS } from './write-adapter.js';

export function isPeftAdapterDir(path: string): boolean {
  return existsSync(join(path, ADAPTER_CONFIG));
}

const bad = (path: string, reason: string): Result<undefined> => ({ value: undefined, diagnostics: [createDiagnostic('MOE6651', { args: { path, reason } })] });
const mismatch = (path: string, reason: string): Result<undefined> => ({ value: undefined, diagnostics: [createDiagnostic('MOE6652', { args: { path, reason } })] });

const isEmpty = (v: unknown) => v === undefined || v === null || (typeof v === 'object' && Object.keys(v as object).length === 0);

/**
 * Why the LoraConfig describes weights other than W + scaling·lora_B@lora_A with one r and one
 * lora_alpha (peft/tuners/lora/config.py, LoraConfig; tuners/lora/layer.py): DoRA's magnitude,
 * lora_B's bias, trained base biases, full modules saved beside the adapter, and per-module rank
 * or alpha (rank_pattern / alpha_pattern) change the merged weights, which moec would otherwise
 * merge silently wrong. fan_in_fan_out is not here: PEFT resets it for nn.Linear modules.
 */
function unsupportedConfig(config: Record<string, unknown>): string | undefined {
  if (config.use_dora === true) return 'use_dora is true (DoRA rescales each weight by a learnt magnitude, which moec does not merge)';
  if (config.lora_bias === true) return 'lora_bias is true (lora_B carries a bias, which moec does not merge)';
  if (config.bias !== undefined && config.bias !== null && config.bias !== 'none') return `bias is ${JSON.stringify(config.bias)} (trained biases of the base, which moec does not merge)`;
  if (!isEmpty(config.modules_to_save)) return `modules_to_save is ${JSON.stringify(config.modules_to_save)} (full copies of modules, which moec does not merge)`;
  for (const [key, global] of [['rank_pattern', config.r], ['alpha_pattern', config.lora_alpha]] as const) {
    const pattern = config[key];
    if (isEmpty(pattern)) continue;
    const other = typeof pattern === 'object' ? Object.entries(pattern as object).find(([, v]) => v !== global) : [String(pattern), pattern];
    if (other) return `${key} gives \`${other[0]}\` ${String(other[1])} (per-module ${key === 'rank_pattern' ? 'ranks' : 'scales'}; moec's train.lora has one rank and one alpha)`;
  }
  return undefined;
}

export function readPeftAdapter(dir: string, ir: ModelIR, target: PeftTarget): Result<{ adapters: Map<string, Float32Array>; baseModel?: string } | undefined> {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(join(dir, ADAPTER_CONFIG), 'utf8')) as Record<string, unknown>;
  } catch (err) {
    return bad(dir, `${ADAPTER_CONFIG}: ${(err as Error).message}`);
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) return bad(dir, `${ADAPTER_CONFIG} is not a JSON object`);
  if (config.peft_type !== 'LORA') return bad(dir, `peft_type is ${JSON.stringify(config.peft_type)}, not "LORA"`);
  const unsupported = unsupportedConfig(config);
  if (unsupported) return bad(dir, unsupported);
  const lora = ir.train.lora;
  if (!lora) return { value: undefined, diagnostics: [createDiagnostic('MOE6605', { args: { path: dir, reason: `holds a PEFT LoRA adapter (r ${String(config.r)}), but this spec has no train.lora block` }, hint: 'add the train.lora block the adapter was trained with (rank, alpha, targets)' })] };
  if (config.r !== lora.rank) return mismatch(dir, `r is ${String(config.r)}, the spec's rank ${lora.rank}`);
  if (config.lora_alpha !== lora.alpha || (config.use_rslora === true) !== lora.rslora) {
    return mismatch(dir, `lora_alpha ${String(config.lora_alpha)}${config.use_rslora === true ? ' (rslora)' : ''}, the spec says alpha ${lora.alpha}${lora.rslora ? ' (rslora)' : ''}: the scale differs`);
  }
  if (!existsSync(join(dir, ADAPTER_WEIGHTS)) && existsSync(join(dir, 'adapter_model.bin'))) {
    return bad(dir, `it holds adapter_model.bin (a pickled torch state dict), not ${ADAPTER_WEIGHTS}; save it again with save_pretrained(..., safe_serialization=True)`);
  }
  const opened = openSafetensors(join(dir, ADAPTER_WEIGHTS));
  if (!opened.value) return { value: undefined, diagnostics: opened.diagnostics };
  const file = opened.value;
  const diagnostics: Diagnostic[] = [...opened.diagnostics];
  try {
    const { modules, diagnostics: refused } = peftModules(ir, target);
    if (refused.length) return { value: undefined, diagnostics: refused };
    const keyOf = (path: string, ab: 'A' | 'B') => {
      const plain = `base_model.model.${path}.lora_${ab}.weight`;
      return file.get(plain) ? plain : `base_model.model.${path}.lora_${ab}.default.weight`;
    };
    const adapters = new Map<string, Float32Array>();
    const used = new Set<string>();
    for (const { m, path, rowOrder } of modules) {
      for (const [ab, shape, name, rows, cols] of [['A', [lora.rank, m.in], loraA(m.prefix), lora.rank, m.in], ['B', [m.out, lora.rank], loraB(m.prefix), m.out, lora.rank]] as const) {
        const key = keyOf(path, ab);
        const info = file.get(key);
        if (!info) return mismatch(dir, `no tensor \`${key}\` (the spec adapts \`${m.prefix}\`)`);
        if (info.shape.join(',') !== shape.join(',')) return mismatch(dir, `\`${key}\` is [${info.shape.join(', ')}], the spec needs [${shape.join(', ')}]`);
        const data = file.readFloat32(key);
        diagnostics.push(...data.diagnostics);
        if (!data.value) return { value: undefined, diagnostics };
        adapters.set(name, linearToIr(data.value, rows, cols, ab === 'B' ? rowOrder : undefined));
        used.add(key);
      }
    }
    // A tensor that is no lora_A/lora_B (a DoRA magnitude, a bias, a saved module) would change
    // the merged weights; moec's merge has no place for it.
    const foreign = file.tensors.find((t) => !/\.lora_[AB]\./.test(t.name));
    if (foreign) return bad(dir, `it holds \`${foreign.name}\`, which is no lora_A or lora_B weight (moec merges only those)`);
    const extra = file.tensors.find((t) => !used.has(t.name));
    if (extra) return mismatch(dir, `it adapts \`${extra.name.replace(/^base_model\.model\./, '').replace(/\.lora_[AB]\..*$/, '')}\`, which the spec's targets and layers leave out`);
    const baseModel = typeof config.base_model_name_or_path === 'string' ? config.base_model_name_or_path : undefined;
    return { value: { adapters, ...(baseModel ? { baseModel } : {}) }, diagnostics };
  } finally {
    file.close();
  }
}
