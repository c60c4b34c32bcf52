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
      '--max-position-embeddings': 'the spec states the YaRN-extended context of DeepSeek-V3\'s HF config (max_position_embeddings 163840), the recipe the 4K pre-training length; with RoPE Megatron reads it only as the bound on --seq-length (arguments.py:1314, 4096 in both) and for learned absolute positions (gpt_model.py:168–171), which neither uses',
      '--make-vocab-size-divisible-by': 'the launch pins --padded-vocab-size 129280, the same embedding as 3232 × 40',
      '--moe-router-pre-softmax': 'no effect with sigmoid scores (topk_routing_with_score_function reads it only for softmax)',
      '--moe-token-dispatcher-type': 'a launch setting (megatron.dispatcher, default alltoall), not the model',
      '--moe-flex-dispatcher-backend': 'same: megatron.flex_backend',
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
      '--sequence-parallel': 'no effect with tensor 1 (Megatron switches it off, arguments.py:1393); the spec leaves it off',
    },
  },
  {
    spec: 'specs/gpt-oss-20b.moe',
    source: 'examples/post_training/modelopt/conf/openai/gpt-oss-20b.sh, lines 11–53 (the model arguments)',
    lines: `
    --save-interval 100000 --micro-batch-size 1 --bf16 --no-masked-softmax-fusion --untie-embeddings-and-output-weights
    --no-rope-fusion --normalization RMSNorm --num-layers 24 --hidden-size 2880 --ffn-hidden-size 2880
    --num-attention-heads 64 --group-query-attention --num-query-groups 8 --kv-channels 64 --num-experts 32
    --moe-ffn-hidden-size 2880 --moe-router-dtype fp32 --moe-router-topk 4 --moe-aux-loss-coeff 0.0
    --moe-token-dispatcher-type alltoall --moe-router-score-function softmax --moe-router-load-balancing-type aux_loss
    --seq-length 4096 --max-position-embeddings 40960 --tokenizer-type HuggingFaceTokenizer --make-vocab-size-divisible-by 128
    --use-mcore-models --rotary-percent 1.0 --rotary-base 150000 --no-bias-gelu-fusion --sequence-parallel
    --export-force-local-attention --no-bias-dropout-fusion --padded-vocab-size 201088 --quick-geglu --glu-linear-offset 1.0
    --softmax-type learnable --window-attn-skip-freq 2 --enable-gpt-oss --activation-func-clamp-value 7.0 --window-size 127,0`,
    differs: {
      '--save-interval': 'checkpoint cadence: the spec has no train block, so moec\'s default checkpoint_every 100',
      '--bf16': 'the spec has no train block: precision fp32, moec\'s default',
      '--no-masked-softmax-fusion': 'a kernel choice of the ModelOpt recipe\'s local attention (--export-force-local-attention); the launch runs Transformer Engine attention',
      '--no-rope-fusion': 'same: a kernel choice; the fused and unfused RoPE compute the same rotation',
      '--moe-aux-loss-coeff': 'the recipe post-trains without a balance loss; the spec states gpt-oss\'s router_aux_loss_coef 0.9 in per-layer units (0.15)',
      '--seq-length': 'the spec has no train block: seq_len = context (131072)',
      '--max-position-embeddings': 'the spec states the HF config\'s max_position_embeddings 131072; the recipe a bound for its 4096-token post-training',
      '--tokenizer-type': 'a launch setting (megatron.tokenizer; NullTokenizer by default, for a smoke test)',
      '--make-vocab-size-divisible-by': 'the launch pins --padded-vocab-size 201088, as the recipe also does',
      '--use-mcore-models': 'deprecated no-op in this release',
      '--rotary-percent': 'Megatron\'s default 1.0: the launch writes it only for partial rotary (rope.dim)',
      '--sequence-parallel': 'no effect with tensor 1; the spec leaves it off',
      '--export-force-local-attention': 'a ModelOpt export switch, not the model',
      '--enable-gpt-oss': 'a ModelOpt switch that sets the YaRN config in code (megatron/post_training/model_builder.py:298–310, with original_max_position_embeddings 131072); the launch states YaRN as gpt-oss\'s HF config does (×32 over 4096, truncate false) with --position-embedding-type yarn and the --yarn-* flags',
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
