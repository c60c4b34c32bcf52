/**
 * Interop (PEFT) — reading a PEFT LoRA adapter directory (adapter_config.json +
 * adapter_model.safetensors, write-adapter.ts) back into moec's adapter tensors for a spec whose
 * train.lora block states the same adapter: rank and alpha (and rslora) must agree, every adapted
 * projection's lora_A [r, in] / lora_B [out, r] must be present with those shapes, and no other
 * LoRA key may be (MOE6652). Keys saved with an adapter name (`lora_A.default.weight`) are read too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDiagnostic, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { loraA, loraB } from '../../ir/lora.js';
import type { ModelIR } from '../../ir/types.js';
import { openSafetensors } from '../safetensors/index.js';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, peftModules, transpose } from './write-adapter.js';

export function isPeftAdapterDir(path: string): boolean {
  return existsSync(join(path, ADAPTER_CONFIG));
}

const bad = (path: string, reason: string): Result<undefined> => ({ value: undefined, diagnostics: [createDiagnostic('MOE6651', { args: { path, reason } })] });
const mismatch = (path: string, reason: string): Result<undefined> => ({ value: undefined, diagnostics: [createDiagnostic('MOE6652', { args: { path, reason } })] });

export function readPeftAdapter(dir: string, ir: ModelIR, modelType: string): Result<{ adapters: Map<string, Float32Array>; baseModel?: string } | undefined> {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(join(dir, ADAPTER_CONFIG), 'utf8')) as Record<string, unknown>;
  } catch (err) {
    return bad(dir, `${ADAPTER_CONFIG}: ${(err as Error).message}`);
  }
  if (config.peft_type !== 'LORA') return bad(dir, `peft_type is ${JSON.stringify(config.peft_type)}, not "LORA"`);
  const lora = ir.train.lora;
  if (!lora) return { value: undefined, diagnostics: [createDiagnostic('MOE6605', { args: { path: dir, reason: `holds a PEFT LoRA adapter (r ${String(config.r)}), but this spec has no train.lora block` }, hint: 'add the train.lora block the adapter was trained with (rank, alpha, targets)' })] };
  if (config.r !== lora.rank) return mismatch(dir, `r is ${String(config.r)}, the spec's rank ${lora.rank}`);
  if (config.lora_alpha !== lora.alpha || Boolean(config.use_rslora) !== lora.rslora) {
    return mismatch(dir, `lora_alpha ${String(config.lora_alpha)}${config.use_rslora ? ' (rslora)' : ''}, the spec says alpha ${lora.alpha}${lora.rslora ? ' (rslora)' : ''}: the scale differs`);
  }
  const opened = openSafetensors(join(dir, ADAPTER_WEIGHTS));
  if (!opened.value) return { value: undefined, diagnostics: opened.diagnostics };
  const file = opened.value;
  const diagnostics: Diagnostic[] = [...opened.diagnostics];
  try {
    const { modules, diagnostics: refused } = peftModules(ir, modelType);
    if (refused.length) return { value: undefined, diagnostics: refused };
    const keyOf = (path: string, ab: 'A' | 'B') => {
      const plain = `base_model.model.${path}.lora_${ab}.weight`;
      return file.get(plain) ? plain : `base_model.model.${path}.lora_${ab}.default.weight`;
    };
    const adapters = new Map<string, Float32Array>();
    const used = new Set<string>();
    for (const { m, path } of modules) {
      for (const [ab, shape, name, rows, cols] of [['A', [lora.rank, m.in], loraA(m.prefix), lora.rank, m.in], ['B', [m.out, lora.rank], loraB(m.prefix), m.out, lora.rank]] as const) {
        const key = keyOf(path, ab);
        const info = file.get(key);
        if (!info) return mismatch(dir, `no tensor \`${key}\` (the spec adapts \`${m.prefix}\`)`);
        if (info.shape.join(',') !== shape.join(',')) return mismatch(dir, `\`${key}\` is [${info.shape.join(', ')}], the spec needs [${shape.join(', ')}]`);
        const data = file.readFloat32(key);
        diagnostics.push(...data.diagnostics);
        if (!data.value) return { value: undefined, diagnostics };
        adapters.set(name, transpose(data.value, rows, cols));
        used.add(key);
      }
    }
    const extra = file.tensors.find((t) => /\.lora_[AB]\./.test(t.name) && !used.has(t.name));
    if (extra) return mismatch(dir, `it adapts \`${extra.name.replace(/^base_model\.model\./, '').replace(/\.lora_[AB]\..*$/, '')}\`, which the spec's targets and layers leave out`);
    const baseModel = typeof config.base_model_name_or_path === 'string' ? config.base_model_name_or_path : undefined;
    return { value: { adapters, ...(baseModel ? { baseModel } : {}) }, diagnostics };
  } finally {
    file.close();
  }
}
