/**
 * Megatron-Core target — mapping rows for the training run (`train`, `train.optimizer`,
 * `train.schedule`). The learning-rate schedule is OptimizerParamScheduler.get_lr
 * (optimizer_param_scheduler.py): warmup from --lr-warmup-init to lr over the warmup steps,
 * then decay to --min-lr by --lr-decay-iters — moec's src/train/schedule.ts, except that moec's
 * first warmup step already runs at lr/warmup, which --lr-warmup-init states (the two then
 * differ by at most lr/warmup inside the warmup and agree from its last step on).
 */
import { arg, computed, over, type Arg } from '../args.js';
import type { MegatronModel } from '../model-view.js';
import type { MappingRow } from './row.js';

function optimizerArgs(m: MegatronModel): Arg[] {
  const o = m.train.optimizer;
  const decay = over('--weight-decay', o.weightDecay);
  switch (o.type) {
    case 'adamw':
      return [
        arg('--optimizer', 'adam', 'Megatron\'s Adam decays weights decoupled, as adamw'),
        over('--adam-beta1', o.beta1),
        over('--adam-beta2', o.beta2),
        over('--adam-eps', o.eps),
        decay,
      ];
    case 'sgd':
      return [arg('--optimizer', 'sgd'), over('--sgd-momentum', 0, 'plain SGD'), decay];
    case 'momentum':
      return [arg('--optimizer', 'sgd'), over('--sgd-momentum', o.momentum), decay];
    case 'lion':
      return [arg('--optimizer', 'lion'), over('--lion-beta1', o.beta1), over('--lion-beta2', o.beta2), decay];
    default:
      // adam and adafactor are refused before lowering (refusals.ts, MOE8011).
      throw new Error(`optimizer ${o.type} reached the Megatron emitter`);
  }
}

function recomputeArgs(m: MegatronModel): Arg[] {
  const c = m.train.checkpointing;
  if (c === 'none') return [];
  // selective: Megatron's default module set is core_attn, the attention core moec's selective recomputes.
  if (c === 'selective') return [arg('--recompute-granularity', 'selective', 'recomputes the attention core (Megatron\'s default module, core_attn)')];
  return [
    arg('--recompute-granularity', 'full'),
    arg('--recompute-method', 'uniform', 'every layer recomputed whole, as moec\'s full'),
    arg('--recompute-num-layers', 1),
  ];
}

export const TRAIN_ROWS: MappingRow[] = [
  { key: 'train.batch', block: 'train', emit: (m) => [arg('--global-batch-size', m.train.batch)] },
  { key: 'train.seq_len', block: 'train', emit: (m) => [arg('--seq-length', m.train.seqLen)] },
  { key: 'train.steps', block: 'train', emit: (m) => [arg('--train-iters', m.train.steps)] },
  { key: 'train.grad_clip', block: 'train', emit: (m) => [over('--clip-grad', m.train.gradClip)] },
  {
    key: 'train.precision',
    block: 'train',
    emit: (m) => (m.train.precision === 'bf16' ? [arg('--bf16')] : m.train.precision === 'fp16' ? [arg('--fp16')] : []),
  },
  { key: 'train.checkpointing', block: 'train', emit: recomputeArgs },
  { key: 'train.seed', block: 'train', emit: (m) => [over('--seed', m.train.seed)] },
  { key: 'train.checkpoint_every', block: 'train', emit: (m) => [arg('--save-interval', m.train.checkpointEvery)] },
  { key: 'train.log_every', block: 'train', emit: (m) => [over('--log-interval', m.train.logEvery)] },
  {
    key: 'train.dropout',
    block: 'train',
    emit: (m) => [
      over('--hidden-dropout', m.train.dropout),
      over('--attention-dropout', 0, 'moec has no attention-probability dropout'),
    ],
  },
  { key: 'train.optimizer', block: 'optimizer', emit: optimizerArgs },
  { key: 'train.optimizer.lr', block: 'optimizer', emit: (m) => [arg('--lr', m.train.optimizer.lr)] },
  {
    key: 'train.schedule.type',
    block: 'schedule',
    emit: (m) => [over('--lr-decay-style', m.train.schedule.type)],
  },
  {
    key: 'train.schedule.warmup',
    block: 'schedule',
    emit: (m) => {
      const w = m.train.schedule.warmup;
      if (w === 0) return [];
      return [arg('--lr-warmup-iters', w), arg('--lr-warmup-init', computed(m.train.optimizer.lr / w), 'lr ÷ warmup: moec\'s first step already learns')];
    },
  },
  {
    key: 'train.schedule.min_lr',
    block: 'schedule',
    // A constant schedule never decays (in both), but Megatron asserts min_lr ≤ lr (arguments.py:1320).
    emit: (m) => [over('--min-lr', m.train.schedule.type === 'constant' ? m.train.optimizer.lr : m.train.schedule.minLr)],
  },
  { key: 'train.schedule.decay_steps', block: 'schedule', emit: (m) => [arg('--lr-decay-iters', m.train.schedule.decaySteps)] },
];
