/**
 * Run phase — the generation loop over a `Decoder` (decoder.ts): one prefill of all prompts,
 * then one step per new token, each row choosing its token with the sampler. A row stops at
 * the end-of-sequence id (which is not part of its output) or after `maxNewTokens`; rows that
 * stopped keep feeding the end-of-sequence id so the batch steps together, and the loop ends
 * when every row has stopped or the longest row reaches the model's context.
 */
import { performance } from 'node:perf_hooks';
import type { Decoder } from './decoder.js';
import type { Sampler } from './sampling.js';

export interface GenerateOptions {
  maxNewTokens: number;
  /** Stop before a row exceeds this many tokens. */
  context?: number;
  /** End-of-sequence id; undefined: rows stop only at maxNewTokens. */
  eos?: number;
  sampler: Sampler;
  onToken?: (row: number, id: number) => void;
}

export type FinishReason = 'eos' | 'length' | 'context';

export interface Generation {
  /** Generated ids per row (without the end-of-sequence id). */
  ids: number[][];
  finish: FinishReason[];
  /** Seconds for the prefill (prompt → first token's logits) and for everything. */
  prefillSeconds: number;
  totalSeconds: number;
  /** Decoder runs after the prefill. */
  steps: number;
}

export async function generate(decoder: Decoder, prompts: readonly (readonly number[])[], o: GenerateOptions): Promise<Generation> {
  const start = performance.now();
  const rows = prompts.length;
  const ids: number[][] = prompts.map(() => []);
  const finish: (FinishReason | undefined)[] = prompts.map(() => undefined);
  const longest = Math.max(...prompts.map((p) => p.length));
  let steps = 0;
  if (o.maxNewTokens === 0) return { ids, finish: finish.map(() => 'length'), prefillSeconds: 0, totalSeconds: 0, steps };
  if (o.context !== undefined && longest >= o.context) {
    return { ids, finish: finish.map(() => 'context'), prefillSeconds: 0, totalSeconds: 0, steps };
  }
  let logits = await decoder.prefill(prompts);
  const prefillSeconds = (performance.now() - start) / 1000;
  for (let n = 0; ; n++) {
    const next = logits.map((l, r) => (finish[r] ? (o.eos ?? 0) : o.sampler(l)));
    for (let r = 0; r < rows; r++) {
      if (finish[r]) continue;
      if (next[r] === o.eos) {
        finish[r] = 'eos';
        continue;
      }
      ids[r].push(next[r]);
      o.onToken?.(r, next[r]);
      if (ids[r].length >= o.maxNewTokens) finish[r] = 'length';
      else if (o.context !== undefined && prompts[r].length + ids[r].length >= o.context) finish[r] = 'context';
    }
    if (finish.every((f) => f !== undefined)) break;
    logits = await decoder.step(next);
    steps++;
  }
  return { ids, finish: finish as FinishReason[], prefillSeconds, totalSeconds: (performance.now() - start) / 1000, steps };
}
