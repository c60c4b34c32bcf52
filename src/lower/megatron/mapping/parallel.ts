/**
 * Megatron-Core target — mapping rows for the parallel layout (`parallel`). The world size is the
 * launcher's (torchrun's WORLD_SIZE, arguments.py:144) and the data-parallel degree is derived
 * (world ÷ TP·PP·CP, arguments.py:446), so neither is an argument. moec's uneven pipeline split
 * (src/ir/stages.ts: the first `layers mod chunks` chunks get one more layer) becomes an
 * explicit `--pipeline-model-parallel-layout`, the only way Megatron states an arbitrary split
 * (--decoder-first/last-pipeline-num-layers need equal middle stages).
 */
import { chunkSizes } from '../../../ir/stages.js';
import { arg, over, type Arg } from '../args.js';
import type { MegatronModel } from '../model-view.js';
import { pipelineLayout } from '../patterns.js';
import type { MappingRow } from './row.js';

/** Virtual stages Megatron will run: none with pipeline 1 (moec warns MOE3413 that they have no effect). */
export function virtualStages(m: MegatronModel): number {
  return m.parallel.pipeline > 1 ? m.parallel.virtualStages : 1;
}

function pipelineArgs(m: MegatronModel): Arg[] {
  const pp = m.parallel.pipeline;
  const out: Arg[] = [arg('--pipeline-model-parallel-size', pp)];
  if (pp === 1) return out;
  const v = virtualStages(m);
  const chunks = pp * v;
  if (m.layers % chunks !== 0) {
    const sizes = chunkSizes(m.layers, chunks);
    out.push(arg('--pipeline-model-parallel-layout', pipelineLayout(sizes, m.mtpDepth), `uneven split: stages of ${[...new Set(sizes)].join(' or ')} layers, as moec places them`));
  } else if (v > 1) {
    out.push(arg('--num-virtual-stages-per-pipeline-rank', v));
  }
  return out;
}

export const PARALLEL_ROWS: MappingRow[] = [
  { key: 'parallel.tensor', block: 'parallel', emit: (m) => [arg('--tensor-model-parallel-size', m.parallel.tensor)] },
  { key: 'parallel.pipeline, virtual_stages', block: 'parallel', emit: pipelineArgs },
  { key: 'parallel.context', block: 'parallel', emit: (m) => [arg('--context-parallel-size', m.parallel.context)] },
  { key: 'parallel.expert', block: 'parallel', emit: (m) => (m.moe ? [arg('--expert-model-parallel-size', m.parallel.expert)] : []) },
  {
    key: 'parallel.expert_tensor',
    block: 'parallel',
    emit: (m) => (m.moe ? [arg('--expert-tensor-parallel-size', m.parallel.expertTensor, m.parallel.expertTensor === m.parallel.tensor ? undefined : 'Megatron defaults to the tensor degree')] : []),
  },
  {
    key: 'parallel.sequence_parallel',
    block: 'parallel',
    // Megatron switches it off by itself with tensor 1 (arguments.py:1393); moec warns MOE3410.
    emit: (m) => (m.parallel.sequenceParallel && m.parallel.tensor > 1 ? [arg('--sequence-parallel')] : []),
  },
  {
    key: 'parallel.zero',
    block: 'parallel',
    emit: (m, o) => {
      const zero = m.parallel.zero;
      if (zero === 0) return [];
      if (zero === 1) return [arg('--use-distributed-optimizer', undefined, 'ZeRO-1: optimizer state sharded over data-parallel ranks')];
      if (o.fsdp === 'torch') {
        return [
          arg('--use-torch-fsdp2', undefined, 'zero 3 on torch FSDP2 (megatron.fsdp torch)'),
          // validate_args asserts it off with FSDP2 (arguments.py:1006); Megatron fuses it by default.
          arg('--no-gradient-accumulation-fusion', undefined, 'torch FSDP2 refuses the fused weight-gradient accumulation Megatron enables by default'),
        ];
      }
      return [
        arg('--use-megatron-fsdp'),
        arg('--data-parallel-sharding-strategy', zero === 2 ? 'optim_grads' : 'optim_grads_params', `ZeRO-${zero}`),
        arg('--ckpt-format', 'fsdp_dtensor', 'the only checkpoint format Megatron-FSDP accepts'),
      ];
    },
  },
  { key: 'parallel.micro_batch', block: 'parallel', emit: (m) => [arg('--micro-batch-size', m.parallel.microBatch)] },
];
