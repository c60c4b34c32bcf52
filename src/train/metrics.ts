/**
 * Training phase — run/metrics.jsonl: one JSON object per optimizer step, appended and
 * flushed as the step ends (a killed run keeps every finished step's line). Fields (also in
 * docs/training.md):
 *   step, loss, ce, aux_loss, z_loss, lr, grad_norm, clipped, tokens, tokens_per_s, step_s,
 *   epoch, expert_load {layer: [fraction per expert]}, router_entropy {layer: nats},
 *   dropped_fraction {layer: fraction}; with --eval-split, on evaluation steps also
 *   eval_loss (nats/token on the held-out tail) and eval_tokens
 * On resume the file is cut back to the checkpoint's step, so it reads as one uninterrupted run.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { replaceFileAtomic } from '../checkpoint/fs-atomic.js';

export const METRICS_FILE = 'metrics.jsonl';

export interface StepMetrics {
  step: number;
  loss: number;
  ce: number;
  aux_loss: number;
  z_loss: number;
  lr: number;
  grad_norm: number;
  clipped: boolean;
  tokens: number;
  tokens_per_s: number;
  step_s: number;
  epoch: number;
  expert_load: Record<string, number[]>;
  router_entropy: Record<string, number>;
  dropped_fraction: Record<string, number>;
  /** Held-out loss, on the steps it was evaluated (--eval-split, every --eval-every steps). */
  eval_loss?: number;
  eval_tokens?: number;
}

export function appendMetrics(file: string, m: StepMetrics): void {
  appendFileSync(file, JSON.stringify(m) + '\n');
}

/** Parse metrics.jsonl; a torn last line (killed mid-write) is skipped. */
export function readMetrics(file: string): StepMetrics[] {
  if (!existsSync(file)) return [];
  const out: StepMetrics[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const v = JSON.parse(line) as StepMetrics;
      if (typeof v.step === 'number') out.push(v);
    } catch {
      // torn line
    }
  }
  return out;
}

/** Keep only steps ≤ `step` (the steps a resumed run will redo are dropped). */
export function truncateMetrics(file: string, step: number): void {
  if (!existsSync(file)) return;
  const kept = readMetrics(file).filter((m) => m.step <= step);
  replaceFileAtomic(file, kept.map((m) => JSON.stringify(m) + '\n').join(''));
}
