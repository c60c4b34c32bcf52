/**
 * HF bridge (export) — the IR as a transformers `config.json`: each candidate model_type's codecs
 * write their fields (the same codecs import reads), refusing what the type cannot hold; a
 * config without refusals is then imported back, and its architecture must equal the spec's
 * (`import(export(x)) = x`), so a field forgotten by a codec is caught here rather than as a
 * model that computes something else. The first model_type that holds the spec is chosen
 * (types/index.ts order), or the one asked for.
 */
import { createDiagnostic, hasErrors, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { describeArchitecture, firstArchitectureDifference } from '../../ir/architecture.js';
import type { ModelIR } from '../../ir/types.js';
import type { Json } from './config-reader.js';
import { ConfigWriter, pythonConfigJson, type ConfigValue } from './config-writer.js';
import { metadataCodec } from './codecs/metadata.js';
import { importConfigObject } from './import-config.js';
import type { HfModelType } from './model-type.js';
import { HF_MODEL_TYPES, hfModelType, KNOWN_MODEL_TYPES } from './types/index.js';

export type ExportDtype = 'fp32' | 'bf16' | 'fp16';
export const TORCH_DTYPE: Record<ExportDtype, string> = { fp32: 'float32', bf16: 'bfloat16', fp16: 'float16' };

export interface ExportedConfig {
  type: HfModelType;
  config: Record<string, ConfigValue>;
  /** config.json as transformers writes it. */
  text: string;
  generationText: string;
}

export interface Attempt {
  type: HfModelType;
  writer: ConfigWriter;
}

function attempt(ir: ModelIR, type: HfModelType, dtype: ExportDtype): Attempt {
  const w = new ConfigWriter(type.modelType);
  for (const codec of [...type.codecs, metadataCodec(type.architecture, type.modelType)]) codec.write(ir, w);
  w.set('torch_dtype', TORCH_DTYPE[dtype]);
  if (w.refusals.length === 0 && !hasErrors(w.findings)) {
    // The round trip: what transformers (and moec import) would read back must be this spec.
    const back = importConfigObject(`${type.modelType} config.json`, JSON.parse(pythonConfigJson(w.fields)) as Record<string, Json>);
    const errors = back.diagnostics.filter((d) => d.severity === 'error');
    if (!back.value) w.refuse('the exported config', `it does not import back (${errors.map((d) => `${d.code} ${d.message}`).join('; ')})`);
    else {
      const diff = firstArchitectureDifference(describeArchitecture(back.value.ir), describeArchitecture(ir));
      if (diff) w.refuse(diff.path, `the config reads back as ${diff.found}, not ${diff.expected}`);
    }
  }
  return { type, writer: w };
}

const refusalText = (a: Attempt) => a.writer.refusals.map((r) => `${r.what} (${r.why})`).join('; ');

/** Why no candidate holds the spec, as diagnostic code + arguments (shared with `moec check --target hf`). */
export interface HfRefusal {
  code: 'MOE7200' | 'MOE7201' | 'MOE7001';
  args: Record<string, string>;
}

export interface HfChoice {
  chosen?: Attempt;
  refusals: HfRefusal[];
  /** The router findings of the chosen type, or the errors of the one asked for. */
  findings: Diagnostic[];
}

/** Try the model_types (or the one asked for) in order; the first that holds the IR wins. */
export function chooseModelType(ir: ModelIR, options: { modelType?: string; dtype?: ExportDtype } = {}): HfChoice {
  const dtype = options.dtype ?? 'fp32';
  const candidates = options.modelType ? [hfModelType(options.modelType)] : HF_MODEL_TYPES;
  if (candidates[0] === undefined) {
    return { refusals: [{ code: 'MOE7001', args: { path: '--model-type', modelType: options.modelType!, reason: 'is not one moec maps', known: KNOWN_MODEL_TYPES.join(', ') } }], findings: [] };
  }
  const attempts = (candidates as HfModelType[]).map((t) => attempt(ir, t, dtype));
  const chosen = attempts.find((a) => a.writer.refusals.length === 0 && !hasErrors(a.writer.findings));
  if (chosen) return { chosen, refusals: [], findings: chosen.writer.findings };
  if (options.modelType) {
    const a = attempts[0]!;
    return { refusals: a.writer.refusals.map((r) => ({ code: 'MOE7201', args: { modelType: a.type.modelType, what: r.what, why: r.why } })), findings: a.writer.findings.filter((d) => d.severity === 'error') };
  }
  const ranked = [...attempts].sort((a, b) => a.writer.refusals.length + a.writer.findings.length - (b.writer.refusals.length + b.writer.findings.length));
  const reasons = ranked.slice(0, 3).map((a) => `${a.type.modelType}: ${refusalText(a) || a.writer.findings.filter((d) => d.severity === 'error').map((d) => d.message).join('; ')}`).join(' | ');
  return { refusals: [{ code: 'MOE7200', args: { name: ir.name, reasons } }], findings: [] };
}

/** The config of `ir` as `modelType` (or the first model_type that holds it). */
export function exportConfig(ir: ModelIR, options: { modelType?: string; dtype?: ExportDtype } = {}): Result<ExportedConfig | undefined> {
  const choice = chooseModelType(ir, options);
  const ok = choice.chosen;
  if (!ok) return { value: undefined, diagnostics: [...choice.refusals.map((r) => createDiagnostic(r.code, { args: r.args })), ...choice.findings] };
  const config = ok.writer.fields;
  const generation = { _from_model_config: true, bos_token_id: null, eos_token_id: null, pad_token_id: null } as Record<string, ConfigValue>;
  return {
    value: { type: ok.type, config, text: `${pythonConfigJson(config)}\n`, generationText: `${pythonConfigJson(generation)}\n` },
    diagnostics: ok.writer.findings,
  };
}
