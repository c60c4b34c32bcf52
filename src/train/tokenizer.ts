/**
 * Training phase — the model's own tokenizer (docs/training.md §Tokenizers). A Hugging Face
 * `tokenizer.json` (a file, or a model directory holding it beside tokenizer_config.json) is run
 * by `@huggingface/tokenizers` — the implementation transformers.js itself uses (its 4.x
 * depends on it): byte-level BPE (GPT-2, Qwen, Llama 3), SentencePiece-style BPE with byte
 * fallback and Unigram (Llama 2, Mistral/Mixtral, T5) with their normalizers, pre-tokenizers,
 * post-processors and added/special tokens. It is pure JavaScript, ~650 KB, no native code;
 * the whole transformers.js (16 MB, sharp, onnxruntime-web) would add nothing to tokenizing.
 * Without one, moec's byte tokenizer (UTF-8 bytes, ids 0–255) stays the default.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { createDiagnostic, type Result } from '../diagnostics/diagnostic.js';

export interface TextTokenizer {
  /** Where it came from (`bytes` for moec's byte tokenizer). */
  source: string;
  /**
   * sha256 of what decides the ids and loss masks: tokenizer.json's bytes, the chat template and
   * the special tokens; a run's data fingerprint includes it, so resume refuses a changed
   * tokenizer however it is named, and accepts the same one moved.
   */
  fingerprint: string;
  /** Token ids it can produce: largest id + 1 (HF's len(tokenizer)). */
  size: number;
  bos?: { id: number; token: string };
  eos?: { id: number; token: string };
  pad?: { id: number; token: string };
  /** Jinja chat template (tokenizer_config.json `chat_template`, or chat_template.jinja). */
  chatTemplate?: string;
  /** `special`: add the post-processor's special tokens (Llama's <s>); default false. */
  encode(text: string, opts?: { special?: boolean }): number[];
  decode(ids: readonly number[]): string;
}

const fail = (code: 'MOE6620' | 'MOE6621', path: string, reason: string): Result<undefined> => ({ value: undefined, diagnostics: [createDiagnostic(code, { args: { path, reason } })] });

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** The fingerprint recorded for moec's byte-level tokenizer (no tokenizer.json). */
export const BYTE_TOKENIZER = 'bytes';

function fingerprintOf(raw: Buffer, parts: unknown): string {
  return createHash('sha256').update(raw).update('\0').update(JSON.stringify(parts)).digest('hex');
}

/** Largest id + 1 over the model vocabulary and the added tokens. */
function vocabSize(json: { model?: { vocab?: unknown }; added_tokens?: { id: number }[] }): number {
  let max = -1;
  const vocab = json.model?.vocab;
  // BPE/WordPiece: {token: id}; Unigram: [[piece, score], ...] (ids are positions).
  if (Array.isArray(vocab)) max = vocab.length - 1;
  else if (vocab && typeof vocab === 'object') for (const id of Object.values(vocab as Record<string, number>)) if (id > max) max = id;
  for (const t of json.added_tokens ?? []) if (t.id > max) max = t.id;
  return max + 1;
}

function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

/**
 * The chat template of tokenizer_config.json: a string, or a list of {name, template} from which
 * transformers uses the one named `default` (tokenization_utils_base.py: PreTrainedTokenizerBase
 * turns the list into a dict, get_chat_template picks "default" when no name is given).
 */
function namedTemplate(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (!Array.isArray(v)) return undefined;
  const found = v.find((t) => t && typeof t === 'object' && (t as { name?: unknown }).name === 'default') as { template?: unknown } | undefined;
  return typeof found?.template === 'string' ? found.template : undefined;
}

/**
 * Llama/CodeLlama/Gemma tokenizers rebuild tokenizer.json's post-processor from
 * tokenizer_config.json's `add_bos_token` (default true) and `add_eos_token` (default false) when
 * transformers loads them (models/llama/tokenization_llama_fast.py, LlamaTokenizerFast.__init__ →
 * update_post_processor: `single = "<bos>:0 $A:0 <eos>:0"` with either end optional), so
 * tokenizer.json alone can disagree with what Python encodes. Undefined: keep tokenizer.json's.
 */
function llamaPostProcessor(config: Record<string, unknown>, bos?: { id: number }, eos?: { id: number }): { bos?: { id: number }; eos?: { id: number } } | undefined {
  if (typeof config.tokenizer_class !== 'string' || !/^(Llama|CodeLlama|Gemma)Tokenizer(Fast)?$/.test(config.tokenizer_class)) return undefined;
  const addBos = config.add_bos_token === undefined ? true : config.add_bos_token === true;
  const addEos = config.add_eos_token === true;
  return { ...(addBos && bos ? { bos } : {}), ...(addEos && eos ? { eos } : {}) };
}

/** Load `path`: a tokenizer.json, or a directory with tokenizer.json (+ tokenizer_config.json, chat_template.jinja). */
export function loadTokenizer(path: string): Result<TextTokenizer | undefined> {
  if (!existsSync(path)) return fail('MOE6620', path, 'no such file or directory');
  const dir = statSync(path).isDirectory() ? path : undefined;
  const file = dir ? join(dir, 'tokenizer.json') : path;
  if (!existsSync(file)) return fail('MOE6620', path, 'the directory has no tokenizer.json');
  let raw: Buffer;
  let json: Record<string, unknown>;
  let config: Record<string, unknown> = {};
  try {
    raw = readFileSync(file);
    json = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    return fail('MOE6621', file, `not JSON (${(err as Error).message})`);
  }
  const configFile = join(dir ?? join(file, '..'), 'tokenizer_config.json');
  if (existsSync(configFile)) {
    let read: unknown;
    try {
      read = readJson(configFile);
    } catch (err) {
      return fail('MOE6621', configFile, `not JSON (${(err as Error).message})`);
    }
    if (!read || typeof read !== 'object' || Array.isArray(read)) return fail('MOE6621', configFile, 'it is not a JSON object');
    config = read as Record<string, unknown>;
  }
  if (!json || typeof json !== 'object' || !json.model || typeof json.model !== 'object') return fail('MOE6621', file, 'it has no `model` section');
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, config);
  } catch (err) {
    return fail('MOE6621', file, (err as Error).message);
  }
  const templateFile = join(dir ?? join(file, '..'), 'chat_template.jinja');
  const chatTemplate = namedTemplate(config.chat_template) ?? (existsSync(templateFile) ? readFileSync(templateFile, 'utf8') : undefined);
  // special_tokens_map.json (older checkpoints keep bos/eos/pad only there): transformers reads it
  // beside tokenizer_config.json (tokenization_utils_base.py, _from_pretrained); here it fills
  // what tokenizer_config.json leaves out.
  const mapFile = join(dir ?? join(file, '..'), 'special_tokens_map.json');
  let map: Record<string, unknown> = {};
  if (existsSync(mapFile)) {
    let read: unknown;
    try {
      read = readJson(mapFile);
    } catch (err) {
      return fail('MOE6621', mapFile, `not JSON (${(err as Error).message})`);
    }
    if (read && typeof read === 'object' && !Array.isArray(read)) map = read as Record<string, unknown>;
  }
  const special = (key: string) => {
    const token = tokenText(config[key]) ?? tokenText(map[key]);
    const id = token !== undefined ? tokenizer.token_to_id(token) : undefined;
    return token !== undefined && id !== undefined ? { id, token } : undefined;
  };
  const bos = special('bos_token');
  const eos = special('eos_token');
  const pad = special('pad_token');
  const template = llamaPostProcessor(config, bos, eos);
  return {
    value: {
      source: file,
      fingerprint: fingerprintOf(raw, { chatTemplate, bos, eos, pad, template }),
      size: vocabSize(json as never),
      ...(bos ? { bos } : {}),
      ...(eos ? { eos } : {}),
      ...(pad ? { pad } : {}),
      ...(chatTemplate ? { chatTemplate } : {}),
      encode: (text, opts) => {
        if (!opts?.special || !template) return tokenizer.encode(text, { add_special_tokens: opts?.special ?? false }).ids;
        const ids = tokenizer.encode(text, { add_special_tokens: false }).ids;
        if (template.bos) ids.unshift(template.bos.id);
        if (template.eos) ids.push(template.eos.id);
        return ids;
      },
      decode: (ids) => tokenizer.decode([...ids], { skip_special_tokens: false }),
    },
    diagnostics: [],
  };
}

/** MOE6622 when the tokenizer can produce ids the model has no embedding row for. */
export function checkTokenizerVocab(t: TextTokenizer, vocab: number) {
  if (t.size <= vocab) return [];
  return [createDiagnostic('MOE6622', { args: { path: t.source, size: t.size, max: t.size - 1, vocab, last: vocab - 1 } })];
}
