/**
 * Training phase — checking that training data is UTF-8 text while it streams past, a chunk at a
 * time: the well-formed byte sequences of Unicode Table 3-7 (what WHATWG's fatal TextDecoder
 * accepts), so the first ill-formed sequence is found at the offset where it starts — the byte a
 * lossy decoder would replace with U+FFFD — and the first NUL byte (a binary or UTF-16 file).
 */

export class Utf8Check {
  private pos = 0;
  private need = 0;
  private lo = 0x80;
  private hi = 0xbf;
  private start = 0;
  private startByte = 0;
  /** Offset and value of the first byte of the first ill-formed sequence. */
  bad?: { offset: number; byte: number };
  /** Offset of the first NUL byte. */
  nul?: number;

  push(bytes: Uint8Array): void {
    if (this.bad) return;
    for (let i = 0; i < bytes.length; i++, this.pos++) {
      const b = bytes[i]!;
      if (this.need > 0) {
        if (b < this.lo || b > this.hi) return this.fail(this.start, this.startByte);
        this.lo = 0x80;
        this.hi = 0xbf;
        this.need--;
        continue;
      }
      if (b < 0x80) {
        if (b === 0 && this.nul === undefined) this.nul = this.pos;
        continue;
      }
      this.start = this.pos;
      this.startByte = b;
      // Second-byte ranges exclude overlong forms, surrogates (ED A0..BF) and code points past U+10FFFF.
      if (b >= 0xc2 && b <= 0xdf) this.lead(1, 0x80, 0xbf);
      else if (b === 0xe0) this.lead(2, 0xa0, 0xbf);
      else if (b === 0xed) this.lead(2, 0x80, 0x9f);
      else if (b >= 0xe1 && b <= 0xef) this.lead(2, 0x80, 0xbf);
      else if (b === 0xf0) this.lead(3, 0x90, 0xbf);
      else if (b >= 0xf1 && b <= 0xf3) this.lead(3, 0x80, 0xbf);
      else if (b === 0xf4) this.lead(3, 0x80, 0x8f);
      else return this.fail(this.pos, b);
    }
  }

  /** The input ended: a sequence still open is ill-formed. */
  end(): void {
    if (!this.bad && this.need > 0) this.fail(this.start, this.startByte);
  }

  /** Why the bytes are not UTF-8 text, or undefined (call after end()). */
  problem(): string | undefined {
    if (this.bad) return `not UTF-8 text (byte 0x${this.bad.byte.toString(16).padStart(2, '0')} at offset ${this.bad.offset} is not valid UTF-8)`;
    if (this.nul !== undefined) return `not text (a NUL byte at offset ${this.nul}: a binary or UTF-16 file)`;
    return undefined;
  }

  private lead(need: number, lo: number, hi: number): void {
    this.need = need;
    this.lo = lo;
    this.hi = hi;
  }

  private fail(offset: number, byte: number): void {
    this.bad = { offset, byte };
  }
}
