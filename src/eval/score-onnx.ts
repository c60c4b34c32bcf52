/**
 * Evaluation — scoring a token stream with a compiled model in onnxruntime: the windows of
 * held-out.ts run as whole sequences (empty past, no padding), windows of equal length batched
 * so that the logits of one run stay under LOGITS_BUDGET floats.
 */
import type * as ort from 'onnxruntime-node';
import { fullSequenceFeeds, type CacheLayout } from '../run/cache-layout.js';
import { LossAccumulator, type EvalSummary, type Window } from './held-out.js';

/** Largest logits tensor one run may return (floats): 32 Mi = 128 MiB. */
const LOGITS_BUDGET = 32 * 2 ** 20;

export interface ScoreOptions {
  /** Windows per run (default: as many as the logits budget allows, at most 16). */
  batch?: number;
  onProgress?: (scored: number, total: number) => void;
}

export async function scoreTokens(
  session: ort.InferenceSession,
  layout: CacheLayout | undefined,
  vocab: number,
  tokens: ArrayLike<number>,
  windows: readonly Window[],
  options: ScoreOptions = {},
): Promise<EvalSummary> {
  const acc = new LossAccumulator();
  const total = windows.reduce((n, w) => n + w.length, 0);
  let scored = 0;
  for (let i = 0; i < windows.length; ) {
    const length = windows[i].length;
    const fits = Math.max(1, Math.floor(LOGITS_BUDGET / (length * vocab)));
    const batch = Math.min(options.batch ?? 16, fits);
    const group: Window[] = [];
    while (i < windows.length && group.length < batch && windows[i].length === length) group.push(windows[i++]);
    const ids = group.map((w) => Array.from({ length }, (_, p) => tokens[w.start + p]));
    const out = await session.run(fullSequenceFeeds(layout, ids));
    const logits = out.logits.data as Float32Array;
    group.forEach((w, r) => {
      for (let p = 0; p < length; p++) acc.add(logits, (r * length + p) * vocab, vocab, tokens[w.start + p + 1]);
    });
    scored += group.length * length;
    options.onProgress?.(scored, total);
  }
  return acc.summary();
}
