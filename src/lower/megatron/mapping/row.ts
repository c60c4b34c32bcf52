/**
 * Megatron-Core target — one row of the mapping table: a spec key (as docs/megatron.md names it),
 * the train.sh group its arguments go in, and the arguments it becomes. A row returns no
 * argument when Megatron's default already says what the spec says; a row that overrides a
 * Megatron default that differs from moec's says so in the argument's note.
 */
import type { Arg } from '../args.js';
import type { LaunchOptions } from '../launch-options.js';
import type { MegatronModel } from '../model-view.js';

/** The train.sh groups, in launch order: one per spec block, then what the spec does not say. */
export const BLOCKS = {
  model: 'model: vocab, hidden, layers, context, tie_embeddings, norm',
  attention: 'attention',
  rope: 'attention.rope',
  mla: 'attention.mla',
  bias: 'biases: attention.qkv_bias / out_bias, dense.bias, moe.experts.bias, moe.router.bias',
  ffn: 'dense and the FFN activation, MoE layer pattern',
  moe: 'moe.experts, moe.shared',
  router: 'moe.router',
  mtp: 'mtp',
  parallel: 'parallel',
  train: 'train',
  optimizer: 'train.optimizer',
  schedule: 'train.schedule',
  launch: 'not in the model: data, tokenizer, checkpoints, dispatcher (megatron { … } / --megatron key=value)',
} as const;
export type Block = keyof typeof BLOCKS;

export interface MappingRow {
  /** The spec key(s) the row maps. */
  key: string;
  block: Block;
  emit: (m: MegatronModel, o: LaunchOptions) => Arg[];
}

/** The arguments when `cond` holds, else none. */
export function when(cond: boolean, ...args: (() => Arg)[]): Arg[] {
  return cond ? args.map((a) => a()) : [];
}
