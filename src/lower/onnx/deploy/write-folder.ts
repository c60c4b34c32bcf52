/**
 * ONNX output — the model folder stock clients load as it is (Optimum's layout, what
 * transformers.js' `from_pretrained` / `pipeline` and onnxruntime-genai read):
 *   config.json, generation_config.json        hf-config.ts
 *   tokenizer.json, tokenizer_config.json      tokenizer-files.ts
 *   genai_config.json                          genai-config.ts (not for MLA)
 *   onnx/model.onnx (+ model.onnx_data…)       the spec as written, KV-cache interface
 *   onnx/model_fp16.onnx, model_q4.onnx, …     requested variants (variants.ts)
 * Models are written first and config.json last, each file atomically (write-model.ts), so a
 * folder with a config.json has all its models. Variant files of an earlier compile that this
 * one does not write are removed, so every model in the folder has these weights.
 * `transformers.js_config` pins `dtype: "fp32"` (model.onnx; the WASM default would look for
 * model_quantized.onnx) and lists external-data chunk counts per file, which transformers.js
 * needs to fetch `model.onnx_data`, `_data_1`, … (`use_external_data_format`).
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createDiagnostic, type Diagnostic, type Result } from '../../../diagnostics/diagnostic.js';
import type { ModelIR } from '../../../ir/types.js';
import { shardIndex } from '../external-data.js';
import { writeOnnxModel, writeTextAtomic, type StreamedModel, type WriteModelOptions, type WrittenFile, type WrittenModel } from '../write-model.js';
import { genaiConfigJson, genaiMisfit } from './genai-config.js';
import { configJson, generationConfigJson } from './hf-config.js';
import { tokenizerConfigJson, tokenizerJson } from './tokenizer-files.js';
import { withTokenIds, type FolderTokenizer } from './model-tokenizer.js';
import { VARIANT_NAMES, variantFile, type VariantName } from './variants.js';

/**
 * transformers.js refuses a model with more external data files than this
 * (`MAX_EXTERNAL_DATA_CHUNKS`, src/utils/hub/constants.js, checked in utils/model-loader.js).
 */
export const TRANSFORMERS_JS_MAX_DATA_FILES = 100;

export interface FolderModel {
  variant: VariantName | 'spec';
  model: WrittenModel;
}

export interface FolderWritten {
  dir: string;
  models: FolderModel[];
  /** The JSON files, in the order written. */
  files: WrittenFile[];
  /** Why genai_config.json was not written, when it was not. */
  genaiSkipped?: string;
}

/** Removes variant models (and their data) of an earlier compile that this one does not write. */
async function removeStaleVariants(onnxDir: string, keep: Set<string>): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(onnxDir);
  } catch {
    return;
  }
  const known = ['spec' as const, ...VARIANT_NAMES].map(variantFile).filter((f) => !keep.has(f));
  for (const entry of entries) {
    if (known.some((f) => entry === f || shardIndex(f, entry) !== undefined)) await rm(join(onnxDir, entry), { force: true });
  }
}

export async function writeModelFolder(
  dir: string,
  ir: ModelIR,
  models: { variant: VariantName | 'spec'; emit: () => StreamedModel }[],
  options: WriteModelOptions = {},
  tokenizer?: FolderTokenizer,
): Promise<Result<FolderWritten | undefined>> {
  const diagnostics: Diagnostic[] = [];
  const onnxDir = join(dir, 'onnx');
  const written: FolderModel[] = [];
  for (const m of models) {
    // Emitted one at a time, so only one variant's graph is in memory at once, and each is
    // written streaming its weights from the source.
    const r = await writeOnnxModel(m.emit(), join(onnxDir, variantFile(m.variant)), options);
    diagnostics.push(...r.diagnostics);
    if (!r.value) return { value: undefined, diagnostics };
    written.push({ variant: m.variant, model: r.value });
  }
  await removeStaleVariants(onnxDir, new Set(written.map((m) => variantFile(m.variant))));
  for (const m of written) {
    if (m.model.data.length > TRANSFORMERS_JS_MAX_DATA_FILES) {
      diagnostics.push(createDiagnostic('MOE5529', { args: { file: `onnx/${variantFile(m.variant)}`, count: m.model.data.length, max: TRANSFORMERS_JS_MAX_DATA_FILES } }));
    }
  }

  const chunks = Object.fromEntries(written.filter((m) => m.model.data.length > 0).map((m) => [variantFile(m.variant), m.model.data.length]));
  const transformersJs = { dtype: 'fp32', ...(Object.keys(chunks).length ? { use_external_data_format: chunks } : {}) };
  const genaiSkipped = genaiMisfit(ir);
  // With the model's own tokenizer (model-tokenizer.ts) its files are copied and its ids configured.
  const ids = (body: object) => (tokenizer ? withTokenIds(body, tokenizer) : body);
  const json: [string, object | string][] = [
    ...(tokenizer
      ? tokenizer.files
      : ([['tokenizer.json', tokenizerJson(ir.vocab)], ['tokenizer_config.json', tokenizerConfigJson(ir.vocab, ir.context)]] as [string, object][])),
    ['generation_config.json', ids(generationConfigJson(ir))],
    ...(genaiSkipped ? [] : [['genai_config.json', ids(genaiConfigJson(ir, 'onnx/model.onnx'))] as [string, object]]),
    ['config.json', ids(configJson(ir, transformersJs))],
  ];
  const files: WrittenFile[] = [];
  if (genaiSkipped) await rm(join(dir, 'genai_config.json'), { force: true });
  for (const [name, body] of json) {
    const text = typeof body === 'string' ? body : JSON.stringify(body, null, 2) + '\n';
    const r = await writeTextAtomic(join(dir, name), text);
    diagnostics.push(...r.diagnostics);
    if (r.diagnostics.length) return { value: undefined, diagnostics };
    files.push({ path: join(dir, name), bytes: Buffer.byteLength(text) });
  }
  return { value: { dir, models: written, files, genaiSkipped }, diagnostics };
}
