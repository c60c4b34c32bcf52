/**
 * Semantic rules for the training run: the schedule fits in the run, learning rates are
 * ordered, the sequence fits the model, the batch splits into accumulation steps, and
 * optimizer options belong to the chosen optimizer.
 */
import type { Check } from './context.js';

const ADAPTIVE = new Set(['adamw', 'adam', 'adafactor', 'lion']);

export const checkTrain: Check = (ctx) => {
  const { spec } = ctx;
  const t = spec.train;
  if (!t) return;
  const steps = t.steps ?? 1000;
  const stepsAt = t.steps !== undefined ? { at: '/train/steps', message: `steps ${steps} is set here` } : undefined;
  const s = t.schedule;
  const lr = t.optimizer?.lr ?? 3e-4;

  if (s?.warmup !== undefined && s.warmup > steps) {
    ctx.report('MOE3601', '/train/schedule/warmup', { args: { warmup: s.warmup, steps }, hint: `use warmup ≤ ${steps} (a few percent of the run is common)`, related: stepsAt ? [stepsAt] : [] });
  }
  if (s?.min_lr !== undefined) {
    if (s.type === 'constant') ctx.report('MOE3605', '/train/schedule/min_lr', { hint: 'use `schedule cosine` or `linear`, or remove min_lr' });
    else if (s.min_lr > lr) ctx.report('MOE3602', '/train/schedule/min_lr', { args: { min_lr: s.min_lr, lr }, hint: `use min_lr ≤ ${lr} (0.1 × lr is common)` });
  }
  if (s?.decay_steps !== undefined) {
    if (s.decay_steps > steps) ctx.report('MOE3609', '/train/schedule/decay_steps', { args: { decay_steps: s.decay_steps, steps }, hint: `use decay_steps ≤ ${steps}, or remove it to decay over train.steps` });
    if (s.warmup !== undefined && s.warmup >= s.decay_steps && s.warmup <= steps) {
      ctx.report('MOE3606', '/train/schedule/warmup', { args: { warmup: s.warmup, decay_steps: s.decay_steps }, hint: 'shorten warmup or lengthen decay_steps' });
    }
  }
  if (t.seq_len !== undefined && t.seq_len > spec.context) {
    ctx.report('MOE3603', '/train/seq_len', { args: { seq_len: t.seq_len, context: spec.context }, hint: `use seq_len ≤ ${spec.context}, or raise context`, related: [{ at: '/context', message: `context ${spec.context} is set here` }] });
  }
  const batch = t.batch ?? 8;
  if (t.grad_accum !== undefined && batch % t.grad_accum !== 0) {
    ctx.report('MOE3604', '/train/grad_accum', { args: { batch, grad_accum: t.grad_accum }, hint: `use a grad_accum dividing ${batch}` });
  }
  if (t.checkpoint_every !== undefined && t.checkpoint_every > steps) {
    ctx.report('MOE3607', '/train/checkpoint_every', { args: { every: t.checkpoint_every, steps }, hint: `use checkpoint_every ≤ ${steps}` });
  }
  const o = t.optimizer;
  if (o) {
    if (o.momentum !== undefined && ADAPTIVE.has(o.type)) ctx.report('MOE3608', '/train/optimizer/momentum', { args: { key: 'momentum', type: o.type }, hint: `use beta1 for ${o.type}'s first moment` });
    for (const key of ['beta1', 'beta2'] as const) {
      if (o[key] !== undefined && !ADAPTIVE.has(o.type)) ctx.report('MOE3608', `/train/optimizer/${key}`, { args: { key, type: o.type }, hint: `use momentum for ${o.type}` });
    }
  }
};
