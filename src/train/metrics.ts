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
import { closeSync, existsSync, openSync } from 'node:fs';
import { readRegularFile, type ReadFailure } from '../io/read-file.js';
import { writeAllSync } from '../io/write-file.js';
import { checkMetricsRecord } from './metrics-check.js';
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

/** Append one line; every byte is written or the write throws (a full disk is not silent). */
export function appendMetrics(file: string, m: StepMetrics): void {
  const fd = openSync(file, 'a');
  try {
    writeAllSync(fd, Buffer.from(JSON.stringify(m) + '\n', 'utf8'));
  } finally {
    closeSync(fd);
  }
}

/** Over this a metrics file is not read (about 100k steps of a 27-layer × 64-expert model). */
export const MAX_METRICS_BYTES = 1 << 30;

export interface MetricsRead {
  metrics: StepMetrics[];
  /** Lines skipped: bad JSON or fields of the wrong type (up to SHOWN of them), or why the file is unreadable. */
  problems: { line: number; reason: string }[];
  unreadable?: ReadFailure;
}

const SHOWN = 10;

/** Parse metrics.jsonl, checking every line; a torn last line (killed mid-write) is skipped silently. */
export function readMetricsChecked(file: string): MetricsRead {
  const read = readRegularFile(file, MAX_METRICS_BYTES);
  if (!read.ok) return { metrics: [], problems: [], ...(read.kind === 'missing' ? {} : { unreadable: read }) };
  const out: MetricsRead = { metrics: [], problems: [] };
  const lines = read.bytes.toString('utf8').split('\n');
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      // The last line may be torn by a kill mid-write: expected, not a problem.
      if (i < lines.length - 1 && out.problems.length < SHOWN) out.problems.push({ line: i + 1, reason: 'not JSON' });
      continue;
    }
    const bad = checkMetricsRecord(v);
    if (bad === undefined) out.metrics.push(v as StepMetrics);
    else if (out.problems.length < SHOWN) out.problems.push({ line: i + 1, reason: bad });
  }
  return out;
}

/** Parse metrics.jsonl; lines that are not metrics records are skipped. */
export function readMetrics(file: string): StepMetrics[] {
  return readMetricsChecked(file).metrics;
}

/** Keep only steps ≤ `step` (the steps a resumed run will redo are dropped). */
export function truncateMetrics(file: string, step: number): void {
  if (!existsSync(file)) return;
  const kept = readMetrics(file).filter((m) => m.step <= step);
  replaceFileAtomic(file, kept.map((m) => JSON.stringify(m) + '\n').join(''));
}
