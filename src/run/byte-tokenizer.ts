/**
 * Run phase — the byte-level tokenizer `moec run` uses (the tiny specs' vocabulary): a token is
 * one UTF-8 byte (ids 0–255); ids ≥ 256 are model-specific specials and print as `<|id|>`.
 * Decoding is lenient and streaming: a character split across tokens is held until complete,
 * and invalid byte sequences become U+FFFD instead of an error.
 */

export function encodeBytes(text: string): number[] {
  return Array.from(Buffer.from(text, 'utf8'));
}

export class ByteDecoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  /** Text for the next token (possibly empty while a multi-byte character is incomplete). */
  push(id: number): string {
    if (id >= 0 && id < 256) return this.decoder.decode(Uint8Array.of(id), { stream: true });
    return this.decoder.decode() + `<|${id}|>`;
  }

  /** Whatever is pending at the end (an incomplete character becomes U+FFFD). */
  end(): string {
    return this.decoder.decode();
  }
}

export function decodeBytes(ids: readonly number[]): string {
  const d = new ByteDecoder();
  return ids.map((id) => d.push(id)).join('') + d.end();
}
