/**
 * ONNX output — the model folder with the model's own tokenizer (`moec compile -o dir/
 * --tokenizer <tokenizer.json | hf dir>`, or the spec's `train.tokenizer`): its tokenizer files
 * are copied as they are (tokenizer.json, tokenizer_config.json, special_tokens_map.json,
 * chat_template.jinja when present) instead of moec's byte-level pair, and the token ids that
 * config.json, generation_config.json and genai_config.json name (bos, eos, pad) become the
 * tokenizer's — what transformers.js, transformers and onnxruntime-genai stop and pad with.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TextTokenizer } from '../../../train/tokenizer.js';

export interface FolderTokenizer {
  /** [file name, text] to write into the folder. */
  files: [string, string][];
  bos?: number;
  eos?: number;
  pad?: number;
}

const COPIED = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'chat_template.jinja'];

/** The files to copy from `path` (a tokenizer.json or its directory), with the ids `t` resolves. */
export function folderTokenizer(path: string, t: TextTokenizer): FolderTokenizer {
  const dir = statSync(path).isDirectory() ? path : dirname(path);
  const files: [string, string][] = [['tokenizer.json', readFileSync(t.source, 'utf8')]];
  for (const name of COPIED.slice(1)) if (existsSync(join(dir, name))) files.push([name, readFileSync(join(dir, name), 'utf8')]);
  return { files, ...(t.bos ? { bos: t.bos.id } : {}), ...(t.eos ? { eos: t.eos.id } : {}), pad: t.pad?.id ?? t.eos?.id };
}

/** A config object with its bos/eos/pad ids set to the tokenizer's (genai_config nests them under `model`). */
export function withTokenIds(body: object, t: FolderTokenizer): object {
  const ids = { bos_token_id: t.bos ?? null, eos_token_id: t.eos ?? null, pad_token_id: t.pad ?? t.eos ?? null };
  const b = body as Record<string, unknown>;
  if (b.model && typeof b.model === 'object' && 'vocab_size' in (b.model as object)) {
    const model = { ...(b.model as Record<string, unknown>), ...ids };
    if (t.bos === undefined) model.bos_token_id = t.eos ?? t.pad ?? 0;
    return { ...b, model };
  }
  return { ...b, ...ids };
}
