/**
 * Megatron-Core target — rows for what the model does not say (the `megatron { … }` block or
 * `--megatron key=value`): data, tokenizer, checkpoints, MoE dispatcher. Defaults make the
 * script run as it is: mock data (megatron/training/arguments.py:3135) and NullTokenizer with
 * the spec's vocabulary (its eod is vocab − 1, null_tokenizer.py).
 */
import { arg, type Arg } from '../args.js';
import type { MappingRow } from './row.js';

export const LAUNCH_ROWS: MappingRow[] = [
  {
    key: 'megatron.data, split',
    block: 'launch',
    emit: (_m, o) => (o.data.length ? [arg('--data-path', o.data), arg('--split', o.split)] : [arg('--mock-data', undefined, 'no megatron.data: synthetic tokens, for a smoke test')]),
  },
  {
    key: 'megatron.tokenizer, tokenizer_model',
    block: 'launch',
    emit: (m, o) => {
      const out: Arg[] = [arg('--tokenizer-type', o.tokenizer)];
      if (o.tokenizer === 'NullTokenizer') out.push(arg('--vocab-size', m.vocab));
      if (o.tokenizerModel !== undefined) out.push(arg('--tokenizer-model', o.tokenizerModel));
      return out;
    },
  },
  { key: 'megatron.save', block: 'launch', emit: (_m, o) => (o.save !== undefined ? [arg('--save', o.save)] : []) },
  { key: 'megatron.load', block: 'launch', emit: (_m, o) => (o.load !== undefined ? [arg('--load', o.load)] : []) },
  {
    key: 'megatron.dispatcher, flex_backend',
    block: 'launch',
    emit: (m, o) => {
      if (!m.moe) return [];
      const out: Arg[] = [arg('--moe-token-dispatcher-type', o.dispatcher)];
      if (o.dispatcher === 'flex') out.push(arg('--moe-flex-dispatcher-backend', o.flexBackend ?? 'deepep'));
      return out;
    },
  },
  { key: 'megatron.grouped_gemm', block: 'launch', emit: (m, o) => (m.moe && o.groupedGemm ? [arg('--moe-grouped-gemm')] : []) },
];
