/**
 * Training phase — learning-rate schedules (Megatron-LM's semantics): linear warmup from
 * lr/warmup to lr over `warmup` steps, then decay from lr to min_lr over the remaining
 * `decaySteps − warmup` steps (cosine or linear) and min_lr after that; `constant` holds lr
 * after warmup. Steps are 0-based optimizer steps.
 */
import type { TrainIR } from '../ir/types.js';

export type LrSchedule = (step: number) => number;

export function createSchedule(train: Pick<TrainIR, 'optimizer' | 'schedule'>): LrSchedule {
  const peak = train.optimizer.lr;
  const { type, warmup, minLr, decaySteps } = train.schedule;
  return (step) => {
    // (step + 1) / warmup: the first step already learns (HF's step / warmup wastes it at lr 0).
    if (step < warmup) return (peak * (step + 1)) / warmup;
    if (type === 'constant') return peak;
    const span = Math.max(1, decaySteps - warmup);
    const progress = Math.min(1, Math.max(0, (step - warmup) / span));
    const decay = type === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * progress)) : 1 - progress;
    return minLr + (peak - minLr) * decay;
  };
}
