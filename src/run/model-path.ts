/**
 * Run phase — which file `moec run` / `moec eval` load: a `.onnx` file as given, or in a model
 * folder (`moec compile -o dir/`) `onnx/model.onnx`, or `onnx/model_<suffix>.onnx` for a variant
 * (the transformers.js file names, src/lower/onnx/deploy/variants.ts). A folder may also hold
 * the model at its top level (a Triton-style or hand-made layout).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { VARIANTS, variantFile, type VariantName } from '../lower/onnx/deploy/variants.js';

export interface ResolvedModel {
  /** The .onnx file to load. */
  file: string;
  /** The model folder, when a folder was given. */
  folder?: string;
}

/** The model file for `path` and an optional variant; `{ reason, missing }` when there is none (`missing`: the file a folder lacks). */
export function resolveModelPath(path: string, variant?: VariantName): ResolvedModel | { reason: string; missing?: string } {
  if (!existsSync(path)) return { reason: `\`${path}\` does not exist` };
  if (!statSync(path).isDirectory()) {
    if (variant !== undefined) return { reason: `--variant ${variant} needs a model folder, not the file \`${path}\`` };
    return { file: path };
  }
  const name = variantFile(variant ?? 'spec');
  for (const candidate of [join(path, 'onnx', name), join(path, name)]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return { file: candidate, folder: path };
  }
  return { reason: `the folder \`${path}\` has no onnx/${name}${variant ? ` (variant ${variant}, suffix ${VARIANTS[variant].suffix})` : ''}`, missing: join(path, 'onnx', name) };
}

/**
 * The folder's own tokenizer.json when it is not moec's byte-level one (tokenizer-files.ts: BPE,
 * 256 byte tokens, no merges): a folder compiled with `--tokenizer` ships the model's tokenizer,
 * and `moec run` / `moec eval` must encode with it (as transformers.js does), not as UTF-8 bytes.
 */
export function folderTokenizerPath(path: string): string | undefined {
  const file = join(path, 'tokenizer.json');
  try {
    if (!statSync(path).isDirectory() || !existsSync(file)) return undefined;
  } catch {
    return undefined;
  }
  try {
    const t = JSON.parse(readFileSync(file, 'utf8')) as { model?: { type?: string; merges?: unknown[]; vocab?: object }; pre_tokenizer?: { type?: string } };
    const m = t.model;
    const byteLevel = m?.type === 'BPE' && m.merges?.length === 0 && Object.keys(m.vocab ?? {}).length === 256 && t.pre_tokenizer?.type === 'ByteLevel';
    return byteLevel ? undefined : file;
  } catch {
    return file; // unreadable: loading it reports why
  }
}

/**
 * `eos_token_id` of the folder's generation_config.json as a list (null: none). HF's generate
 * stops at any id of a list (e.g. Qwen's [151645, 151643]), so every one is kept.
 */
export function folderEos(folder: string | undefined): number[] | null | undefined {
  if (!folder) return undefined;
  try {
    const config = JSON.parse(readFileSync(join(folder, 'generation_config.json'), 'utf8')) as { eos_token_id?: unknown };
    const eos = config.eos_token_id;
    if (eos === null) return null;
    if (typeof eos === 'number' && Number.isInteger(eos)) return [eos];
    if (Array.isArray(eos) && eos.length > 0 && eos.every((id) => Number.isInteger(id))) return eos as number[];
  } catch {
    // No or unreadable generation_config.json: the caller falls back to the byte vocabulary's rule.
  }
  return undefined;
}
