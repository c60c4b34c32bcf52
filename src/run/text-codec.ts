/**
 * Run phase — text in and out of `moec run`: moec's byte tokenizer (UTF-8 bytes, the default),
 * or the model's own tokenizer (`--tokenizer`, src/train/tokenizer.ts). Output streams token by
 * token: with a model tokenizer the generated ids are decoded whole and the new suffix printed —
 * transformers' TextStreamer does the same — holding back a trailing U+FFFD (a character whose
 * bytes are still arriving through byte-fallback or byte-level tokens).
 */
import type { TextTokenizer } from '../train/tokenizer.js';
import { ByteDecoder, decodeBytes, encodeBytes } from './byte-tokenizer.js';

export interface TextStream {
  push(id: number): string;
  end(): string;
}

export interface TextCodec {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  stream(): TextStream;
  /** The tokenizer's end-of-sequence id, when it names one. */
  eos?: number;
}

export const byteCodec: TextCodec = {
  encode: encodeBytes,
  decode: decodeBytes,
  stream: () => {
    const d = new ByteDecoder();
    return { push: (id) => d.push(id), end: () => d.end() };
  },
};

export function tokenizerCodec(t: TextTokenizer): TextCodec {
  return {
    // As a text-generation pipeline tokenizes a prompt: with the tokenizer's special tokens (Llama's <s>).
    encode: (text) => t.encode(text, { special: true }),
    decode: (ids) => t.decode(ids),
    stream: () => {
      const ids: number[] = [];
      let shown = 0;
      return {
        push(id) {
          ids.push(id);
          const text = t.decode(ids);
          if (text.endsWith('\uFFFD')) return '';
          const out = text.slice(shown);
          shown = text.length;
          return out;
        },
        end() {
          const text = t.decode(ids);
          const out = text.slice(shown);
          shown = text.length;
          return out;
        },
      };
    },
    ...(t.eos ? { eos: t.eos.id } : {}),
  };
}
