/**
 * Training phase — a LoRA run's checkpoint holds the adapters only (`…lora_A.weight`,
 * `…lora_B.weight`, moec's [in, r] / [r, out] orientation) with their optimizer state; its
 * state.json records the LoRA settings and the base weights' source (base-weights.ts). This
 * module reads the adapters back for `--resume` and for merging (`moec compile --adapter`),
 * checking them against the spec's `train.lora` block (MOE6604) and that the directory is a
 * LoRA run at all (MOE6605).
 */
import { readManifest, readTrainerState } from '../checkpoint/index.js';
import { readTensorShards } from '../checkpoint/tensor-files.js';
import { createDiagnostic, type Result } from '../diagnostics/diagnostic.js';
import { loraModules, loraTensors } from '../ir/lora.js';
import type { LoraIR, ModelIR } from '../ir/types.js';
import type { BaseSource } from './base-weights.js';

/** state.json `lora` of a LoRA run. */
export interface AdapterRecord {
  rank: number;
  alpha: number;
  dropout: number;
  rslora: boolean;
  targets: string[];
  layers: number[];
}

export function adapterRecord(l: LoraIR): AdapterRecord {
  return { rank: l.rank, alpha: l.alpha, dropout: l.dropout, rslora: l.rslora, targets: [...l.targets], layers: [...l.layers] };
}

export interface AdapterCheckpoint {
  dir: string;
  step: number;
  adapters: Map<string, Float32Array>;
  record: AdapterRecord;
  base?: BaseSource;
}

const fail = (code: 'MOE6604' | 'MOE6605', args: Record<string, string | number>, hint?: string): Result<undefined> => ({
  value: undefined,
  diagnostics: [createDiagnostic(code, { args, ...(hint ? { hint } : {}) })],
});

/** Read the adapters of a LoRA run (run or checkpoint directory) for `ir`, whose spec has the run's train.lora block. */
export function readAdapterCheckpoint(path: string, ir: ModelIR): Result<AdapterCheckpoint | undefined> {
  const m = readManifest(path);
  if (!m.value) return m as Result<undefined>;
  const { dir, manifest } = m.value;
  const state = readTrainerState<{ lora?: AdapterRecord; base?: BaseSource }>(dir);
  if (!state.value) return state as Result<undefined>;
  const record = state.value.lora;
  if (!record) {
    return fail('MOE6605', { path, reason: 'holds full weights, not LoRA adapters (its state.json has no `lora` record)' }, 'pass it as --weights (full weights), or an adapter run as --adapter');
  }
  const lora = ir.train.lora;
  if (!lora) {
    return fail('MOE6605', { path, reason: `holds LoRA adapters (rank ${record.rank}, targets ${record.targets.join(', ')}), but this spec has no train.lora block` }, 'use the spec the adapter was trained with: its train.lora block says where the adapters go');
  }
  const wanted = loraTensors(loraModules(ir, lora), lora.rank);
  const byName = new Map(manifest.tensors.map((t) => [t.name, t]));
  for (const t of wanted) {
    const e = byName.get(t.name);
    if (!e) return fail('MOE6604', { path: dir, reason: `no tensor \`${t.name}\` (the spec adapts a projection the run did not)` });
    if (e.shape.join(',') !== t.shape.join(',')) {
      return fail('MOE6604', { path: dir, reason: `\`${t.name}\` is [${e.shape.join(', ')}], the spec's rank ${lora.rank} needs [${t.shape.join(', ')}]` });
    }
  }
  if (manifest.tensors.length !== wanted.length) {
    const names = new Set(wanted.map((t) => t.name));
    const extra = manifest.tensors.find((t) => !names.has(t.name))!;
    return fail('MOE6604', { path: dir, reason: `it adapts \`${extra.name.replace(/\.lora_[AB]\.weight$/, '')}\`, which the spec's targets and layers leave out` });
  }
  if (record.alpha !== lora.alpha || record.rslora !== lora.rslora) {
    return fail('MOE6604', { path: dir, reason: `it was trained with alpha ${record.alpha}${record.rslora ? ' (rslora)' : ''}, the spec says ${lora.alpha}${lora.rslora ? ' (rslora)' : ''}: the scale differs` });
  }
  const read = readTensorShards(dir, manifest.tensors, manifest.shards);
  if ('damaged' in read) return { value: undefined, diagnostics: [createDiagnostic('MOE6505', { args: { path: dir, reason: read.damaged } })] };
  const adapters = new Map(wanted.map((t) => [t.name, read.tensors.get(t.name)!]));
  return { value: { dir, step: manifest.step, adapters, record, base: state.value.base }, diagnostics: [] };
}
