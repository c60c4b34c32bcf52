/**
 * The emitted model / MoE / parallel arguments against Megatron-LM's own example recipes for the
 * same models, quoted below from NVIDIA/Megatron-LM at core_v0.19.0 (commit 5be9626709af2722333bf54797c954c09edeada3).
 * Every recipe argument about the model, its MoE or its layout must be emitted with the same
 * value, unless it is listed in `differs` with the reason the spec (or moec) says otherwise.
 */
import { describe, expect, test } from 'vitest';
import { compileFile, valuesOf } from './helpers.js';

/** `--flag v…` lines → flag → values (a switch has none). */
function parseRecipe(lines: string): Map<string, string[]> {
  const words = lines.split(/\s+/).filter((w) => w && w !== '\\');
  const out = new Map<string, string[]>();
  let flag = '';
  for (const w of words) {
    if (w.startsWith('--')) out.set((flag = w), []);
    else out.get(flag)!.push(w.replace(/^['"]|['"]$/g, ''));
  }
  return out;
}

/** Equal as written, or as numbers (the recipe writes 1e-3 where the launch writes 0.001). */
const same = (a: string, b: string) => a === b || (a.trim() !== '' && !Number.isNaN(Number(a)) && Number(a) === Number(b));

interface Recipe {
  spec: string;
  source: string;
  lines: string;
  /** Recipe flag → why the launch differs. */
  differs: Record<string, string>;
}

const RECIPES: Recipe[] = [
  {
    spec: 'specs/deepseek-v3.moe',
    source: 'examples/megatron_fsdp/sbatch_mfsdp_deepseek_v3.sh, lines 30–115',
    lines: `
    --tensor-model-parallel-size 1 --expert-model-parallel-size 8 --expert-tensor-parallel-size 1 --context-parallel-size 1
    --use-distributed-optimizer --disable-bias-linear --micro-batch-size 4 --seq-length 4096
    --num-layers 61 --hidden-size 7168 --ffn-hidden-size 18432 --num-attention-heads 128 --kv-channels 128
    --max-position-embeddings 4096 --position-embedding-type rope --rotary-base 10000 --make-vocab-size-divisible-by 3232
    --normalization RMSNorm --norm-epsilon 1e-6 --swiglu --untie-embeddings-and-output-weights --multi-latent-attention
    --attention-dropout 0.0 --hidden-dropout 0.0 --qk-layernorm
    --num-experts 256 --moe-layer-freq [0]*3+[1]*58 --moe-ffn-hidden-size 2048 --moe-shared-expert-intermediate-size 2048
    --moe-router-load-balancing-type seq_aux_loss --moe-router-topk 8 --moe-token-dispatcher-type flex
    --moe-flex-dispatcher-backend hybridep --moe-router-pre-softmax --moe-grouped-gemm --moe-aux-loss-coeff 1e-4
    --moe-router-group-topk 4 --moe-router-num-groups 8 --moe-router-topk-scaling-factor 2.5
    --moe-router-score-function sigmoid --moe-router-enable-expert-bias --moe-router-bias-update-rate 1e-3
    --moe-router-dtype fp32 --q-lora-rank 1536 --kv-lora-rank 512 --qk-head-dim 128 --qk-pos-emb-head-dim 64
    --v-head-dim 128 --rotary-scaling-factor 40 --mscale 1.0 --mscale-all-dim 1.0 --mtp-num-layers 1
    --mtp-loss-scaling-factor 0.1 --bf16`,
    differs: {
      '--expert-model-parallel-size': 'the spec takes DeepSeek-V3 report\'s layout (§3.2: PP16, EP64, ZeRO-1 on 2048 GPUs); the recipe is a Megatron-FSDP benchmark layout',
      '--micro-batch-size': 'same reason: the spec\'s layout has micro_batch 1',
      '--make-vocab-size-divisible-by': 'the launch pins --padded-vocab-size 129280, the same embedding as 3232 × 40',
      '--moe-router-load-balancing-type': 'moec\'s aux_loss is the batch-level Switch loss (Megatron aux_loss); the sequence-wise one (seq_aux_loss) waits for router.aux_loss_type',
      '--moe-router-pre-softmax': 'no effect with sigmoid scores (topk_routing_with_score_function reads it only for softmax)',
      '--moe-token-dispatcher-type': 'a launch setting (megatron.dispatcher, default alltoall), not the model',
      '--moe-flex-dispatcher-backend': 'same: megatron.flex_backend',
      '--rotary-scaling-factor': 'the spec is the 4K pre-training, without YaRN (the recipe keeps MLA\'s default YaRN ×40); the launch states --rope-type rope',
      '--mscale': 'YaRN only (see --rotary-scaling-factor)',
      '--mscale-all-dim': 'YaRN only (see --rotary-scaling-factor)',
    },
  },
  {
    spec: 'specs/mixtral-8x7b.moe',
    source: 'examples/mixtral/train_mixtral_8x7b_distributed.sh, lines 27–88',
    lines: `
    --disable-bias-linear --seq-length 4096 --max-position-embeddings 32768 --num-layers 32 --hidden-size 4096
    --ffn-hidden-size 14336 --num-attention-heads 32 --init-method-std 0.01 --attention-dropout 0.0 --hidden-dropout 0.0
    --normalization RMSNorm --position-embedding-type rope --swiglu --untie-embeddings-and-output-weights
    --group-query-attention --num-query-groups 8 --rotary-base 1000000
    --num-experts 8 --moe-router-topk 2 --moe-router-load-balancing-type aux_loss --moe-aux-loss-coeff 1e-2
    --moe-grouped-gemm --moe-token-dispatcher-type alltoall
    --micro-batch-size 1 --global-batch-size 256 --bf16
    --tensor-model-parallel-size 1 --pipeline-model-parallel-size 4 --expert-model-parallel-size 8
    --use-distributed-optimizer --sequence-parallel`,
    differs: {
      '--init-method-std': 'moec initialises with std 0.02 (docs/ir.md), Megatron\'s default, which the launch keeps',
      '--moe-aux-loss-coeff': 'the spec takes Mixtral\'s published router_aux_loss_coef 0.02',
      '--sequence-parallel': 'no effect with tensor 1 (Megatron switches it off, arguments.py:1393); the spec leaves it off',
    },
  },
  {
    spec: 'test/fixtures/megatron/qwen3-30b-a3b.moe',
    source: 'examples/post_training/modelopt/conf/Qwen/Qwen3-30B-A3B.sh, lines 10–44, and examples/rl/model_configs/qwen3_30b_a3b_moe.sh (--norm-epsilon, --tensor/--expert-model-parallel-size)',
    lines: `
    --micro-batch-size 1 --bf16 --disable-bias-linear --untie-embeddings-and-output-weights --position-embedding-type rope
    --normalization RMSNorm --swiglu --num-layers 48 --hidden-size 2048 --ffn-hidden-size 6144 --num-attention-heads 32
    --group-query-attention --num-query-groups 4 --kv-channels 128 --qk-layernorm --num-experts 128
    --moe-ffn-hidden-size 768 --moe-router-topk 8 --moe-router-dtype fp32 --moe-aux-loss-coeff 1e-3
    --moe-token-dispatcher-type alltoall --moe-router-load-balancing-type aux_loss --seq-length 4096
    --max-position-embeddings 40960 --rotary-percent 1.0 --rotary-base 1000000 --sequence-parallel
    --norm-epsilon 1e-6 --tensor-model-parallel-size 4 --expert-model-parallel-size 2`,
    differs: {
      '--ffn-hidden-size': 'no layer is dense, so the width is unused; the launch writes the expert width (as the Mixtral recipe does), the recipe the HF config\'s intermediate_size',
      '--rotary-percent': 'Megatron\'s default 1.0: the launch writes it only for partial rotary (rope.dim)',
    },
  },
];

describe.each(RECIPES)('$spec vs Megatron-LM $source', (recipe) => {
  const recipeArgs = parseRecipe(recipe.lines);
  const { argv } = compileFile(recipe.spec);
  test('compiles', () => expect(argv).toBeDefined());
  test.each([...recipeArgs.keys()].filter((f) => !(f in recipe.differs)))('%s as the recipe', (flag) => {
    const ours = valuesOf(argv!, flag);
    const theirs = recipeArgs.get(flag)!;
    expect(ours, `${flag} is missing from the launch`).toBeDefined();
    expect(ours!.length).toBe(theirs.length);
    ours!.forEach((v, i) => expect(same(v, theirs[i]), `${flag}: launch ${v}, recipe ${theirs[i]}`).toBe(true));
  });
  test('every listed difference is a real difference', () => {
    for (const flag of Object.keys(recipe.differs)) {
      expect(recipeArgs.has(flag), `${flag} is not in the quoted recipe`).toBe(true);
      const ours = valuesOf(argv!, flag);
      const theirs = recipeArgs.get(flag)!;
      const agrees = ours !== undefined && ours.length === theirs.length && ours.every((v, i) => same(v, theirs[i]));
      expect(agrees, `${flag} agrees with the recipe: remove it from differs`).toBe(false);
    }
  });
});
