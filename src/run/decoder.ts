/**
 * Run phase — stepping a batch of sequences through a compiled decoder.
 *
 * `CachedDecoder` (models with the KV-cache interface): the prompts are left-padded to one
 * length and run once (the prefill: attention_mask 0 on the padding, position_ids counting
 * real tokens only, as HF's `cumsum(mask) − 1` with padding at 1, and an empty past); every
 * later step feeds one token per row, the presents of the previous step as the past and the
 * mask grown by one column. The cost of a step grows with the cache only through attention.
 *
 * `RecomputeDecoder` re-runs each whole sequence every step (no padding, empty past): the only
 * way to run a full-sequence model, and the baseline `npm run bench:decode` measures.
 * Both return the logits of each row's last position.
 */
import * as ort from 'onnxruntime-node';
import { emptyPast, fullSequenceFeeds, int64Tensor, pastFromPresent, type CacheLayout } from './cache-layout.js';

export interface Decoder {
  /** Start from these prompts (one row each, lengths may differ); logits of each row's last token. */
  prefill(prompts: readonly (readonly number[])[]): Promise<Float32Array[]>;
  /** Append one token per row; logits of the new last position of each row. */
  step(tokens: readonly number[]): Promise<Float32Array[]>;
  /** Tokens held per row, padding included (the past length of the next step). */
  readonly length: number;
}

/** Row r's logits at the last position of logits [rows, seq, vocab]. */
function lastRows(logits: ort.Tensor): Float32Array[] {
  const [rows, seq, vocab] = logits.dims;
  const data = logits.data as Float32Array;
  return Array.from({ length: rows }, (_, r) => data.slice((r * seq + seq - 1) * vocab, (r * seq + seq) * vocab));
}

export class CachedDecoder implements Decoder {
  private past: Record<string, ort.Tensor> = {};
  private mask: number[][] = [];
  private nextPosition: number[] = [];

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly layout: CacheLayout,
    /** Id fed at padding positions (masked out, so any valid id). */
    private readonly padId = 0,
  ) {}

  get length(): number {
    return this.mask[0]?.length ?? 0;
  }

  async prefill(prompts: readonly (readonly number[])[]): Promise<Float32Array[]> {
    const rows = prompts.length;
    const width = Math.max(...prompts.map((p) => p.length));
    if (rows === 0 || width === 0) throw new Error('prefill needs at least one non-empty prompt');
    const ids: number[] = [];
    const positions: number[] = [];
    this.mask = prompts.map((p) => {
      const pad = width - p.length;
      for (let i = 0; i < width; i++) {
        ids.push(i < pad ? this.padId : p[i - pad]);
        positions.push(i < pad ? 1 : i - pad);
      }
      return Array.from({ length: width }, (_, i) => (i < pad ? 0 : 1));
    });
    this.nextPosition = prompts.map((p) => p.length);
    return this.run(int64Tensor(ids, [rows, width]), int64Tensor(positions, [rows, width]), emptyPast(this.layout, rows));
  }

  async step(tokens: readonly number[]): Promise<Float32Array[]> {
    if (tokens.length !== this.mask.length) throw new Error(`step: ${tokens.length} tokens for ${this.mask.length} rows`);
    for (const m of this.mask) m.push(1);
    const positions = int64Tensor(this.nextPosition, [tokens.length, 1]);
    this.nextPosition = this.nextPosition.map((p) => p + 1);
    return this.run(int64Tensor(tokens, [tokens.length, 1]), positions, this.past);
  }

  private async run(ids: ort.Tensor, positions: ort.Tensor, past: Record<string, ort.Tensor>): Promise<Float32Array[]> {
    const rows = this.mask.length;
    const mask = int64Tensor(this.mask.flat(), [rows, this.length]);
    const out = await this.session.run({ input_ids: ids, attention_mask: mask, position_ids: positions, ...past });
    this.past = pastFromPresent(this.layout, out);
    return lastRows(out.logits as ort.Tensor);
  }
}

export class RecomputeDecoder implements Decoder {
  private rows: number[][] = [];

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly layout: CacheLayout | undefined,
  ) {}

  get length(): number {
    return Math.max(0, ...this.rows.map((r) => r.length));
  }

  async prefill(prompts: readonly (readonly number[])[]): Promise<Float32Array[]> {
    this.rows = prompts.map((p) => [...p]);
    return this.runAll();
  }

  async step(tokens: readonly number[]): Promise<Float32Array[]> {
    tokens.forEach((t, r) => this.rows[r].push(t));
    return this.runAll();
  }

  /** Rows of equal length run as one batch; rows of differing lengths one by one (no mask to pad with). */
  private async runAll(): Promise<Float32Array[]> {
    const same = this.rows.every((r) => r.length === this.rows[0].length);
    const groups = same ? [this.rows] : this.rows.map((r) => [r]);
    const out: Float32Array[] = [];
    for (const g of groups) {
      const result = await this.session.run(fullSequenceFeeds(this.layout, g));
      out.push(...lastRows(result.logits as ort.Tensor));
    }
    return out;
  }
}
