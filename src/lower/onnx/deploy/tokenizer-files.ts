/**
 * ONNX output — `tokenizer.json` and `tokenizer_config.json` for moec's byte-level vocabulary
 * (a token is one UTF-8 byte, id = byte value; src/run/byte-tokenizer.ts), in the HF `tokenizers`
 * format that transformers.js, transformers and onnxruntime-genai load.
 *
 * Recipe (ONNX-NOTES.md §Serving-client facts): a BPE model whose vocabulary is the 256 GPT-2
 * byte-to-unicode characters with id = byte value and no merges, behind a ByteLevel
 * pre-tokenizer and decoder with `use_regex: false` and `add_prefix_space: false` — it encodes
 * exactly the UTF-8 bytes and decodes them back. Ids 256 … vocab−1 are added special tokens:
 * 256 is the end-of-document token the trainer uses (`<|endoftext|>`), the rest `<|id|>` as
 * `moec run` prints them. Padding goes on the left (generation); a vocabulary without an
 * end-of-document id pads with byte 0, which the attention mask hides.
 */
import { endOfDocumentId } from '../../../run/byte-tokenizer.js';

export const EOS_TOKEN = '<|endoftext|>';

/** GPT-2's bytes_to_unicode: printable bytes map to themselves, the others to U+0100 onwards. */
export function byteToUnicode(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(printable(b) ? b : next++);
  return out;
}

export interface SpecialTokens {
  eos?: number;
  pad: number;
}

export function specialTokens(vocab: number): SpecialTokens {
  const eos = endOfDocumentId(vocab);
  return { eos, pad: eos ?? 0 };
}

const tokenName = (id: number) => (id === 256 ? EOS_TOKEN : `<|${id}|>`);

export function tokenizerJson(vocab: number): object {
  const chars = byteToUnicode();
  const added = [];
  for (let id = 256; id < vocab; id++) {
    added.push({ id, content: tokenName(id), single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  }
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(chars.map((c, id) => [c, id])),
      merges: [],
    },
  };
}

export function tokenizerConfigJson(vocab: number, context: number): object {
  const { eos, pad } = specialTokens(vocab);
  const padToken = pad === 256 ? EOS_TOKEN : byteToUnicode()[pad];
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: context,
    padding_side: 'left',
    add_bos_token: false,
    add_eos_token: false,
    clean_up_tokenization_spaces: false,
    bos_token: null,
    eos_token: eos !== undefined ? EOS_TOKEN : null,
    pad_token: padToken,
    unk_token: null,
  };
}
