/**
 * Run phase — the generation loop over a `Decoder` (decoder.ts): one prefill of all prompts,
 * then one step per new token, each row choosing its token with the sampler. A row stops at
 * the end-of-sequence id (which is not part of its output) or after `maxNewTokens`; rows that
 * stopped keep feeding the end-of-sequence id so the batch steps together, and the loop ends
 * when every row has stopped. A row also stops when it reaches the model's context (a prompt
 * already that long gets no token, without holding back the others).
 */
import { performance } from 'node:perf_hooks';
import type { Decoder } from './decoder.js';
import type { Sampler } from './sampling.js';

export interface GenerateOptions {
  maxNewTokens: number;
  /** Stop before a row exceeds this many tokens. */
  context?: number;
  /** End-of-sequence ids (any of them stops a row; the first is fed after); undefined: rows stop only at maxNewTokens. */
  eos?: number | readonly number[];
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
  /** Tokens chosen from the logits of those runs (each row's first comes from the prefill; rows that stopped add none). */
  decoded: number;
}

export async function generate(decoder: Decoder, prompts: readonly (readonly number[])[], o: GenerateOptions): Promise<Generation> {
  const start = performance.now();
  const rows = prompts.length;
  const ids: number[][] = prompts.map(() => []);
  // A prompt already at the context gets nothing; the other rows of its batch still generate.
  const finish: (FinishReason | undefined)[] = prompts.map((p) => (o.context !== undefined && p.length >= o.context ? 'context' : undefined));
  let steps = 0;
  let decoded = 0;
  if (o.maxNewTokens === 0) return { ids, finish: finish.map(() => 'length'), prefillSeconds: 0, totalSeconds: 0, steps, decoded };
  if (finish.every((f) => f !== undefined)) return { ids, finish: finish as FinishReason[], prefillSeconds: 0, totalSeconds: 0, steps, decoded };
  const stops: readonly number[] = o.eos === undefined ? [] : typeof o.eos === 'number' ? [o.eos] : o.eos;
  let logits = await decoder.prefill(prompts);
  const prefillSeconds = (performance.now() - start) / 1000;
  for (let n = 0; ; n++) {
    const next = logits.map((l, r) => (finish[r] ? (stops[0] ?? 0) : o.sampler(l)));
    for (let r = 0; r < rows; r++) {
      if (finish[r]) continue;
      if (stops.includes(next[r])) {
        finish[r] = 'eos';
        continue;
      }
      ids[r].push(next[r]);
      if (n > 0) decoded++;
      o.onToken?.(r, next[r]);
      if (ids[r].length >= o.maxNewTokens) finish[r] = 'length';
      else if (o.context !== undefined && prompts[r].length + ids[r].length >= o.context) finish[r] = 'context';
    }
    if (finish.every((f) => f !== undefined)) break;
    logits = await decoder.step(next);
    steps++;
  }
  return { ids, finish: finish as FinishReason[], prefillSeconds, totalSeconds: (performance.now() - start) / 1000, steps, decoded };
}
