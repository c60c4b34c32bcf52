#!/usr/bin/env bash
# Megatron-Core launch for `deepseek-v2-lite`, written by `moec compile --target megatron`
# (spec sha256 ce5794f5120c7b7a00f6776187aef04fa96933ac6a6e4959c8fa6fdfcad3213f).
# The arguments are for Megatron-Core core_v0.19.0 (NVIDIA/Megatron-LM 5be9626709af); run it
# from a Megatron-LM checkout at that tag: MEGATRON_LM (default: the current directory).
# One array per spec block; a comment beside an argument says which Megatron default it overrides.
# Arguments after `bash train.sh` are passed on to pretrain_gpt.py (a repeated flag: the last one wins).
set -euo pipefail

NNODES=${NNODES:-1}
GPUS_PER_NODE=${GPUS_PER_NODE:-1}
NODE_RANK=${NODE_RANK:-0}
MASTER_ADDR=${MASTER_ADDR:-localhost}
MASTER_PORT=${MASTER_PORT:-29500}
MEGATRON_LM=${MEGATRON_LM:-.}

if [ "$((NNODES * GPUS_PER_NODE))" -ne 1 ]; then
  echo "train.sh: the spec's layout needs 1 processes (parallel.world), not NNODES x GPUS_PER_NODE = $((NNODES * GPUS_PER_NODE))" >&2
  exit 1
fi

DISTRIBUTED_ARGS=(
  --nnodes "$NNODES"
  --nproc_per_node "$GPUS_PER_NODE"
  --node_rank "$NODE_RANK"
  --master_addr "$MASTER_ADDR"
  --master_port "$MASTER_PORT"
)

# model: vocab, hidden, layers, context, tie_embeddings, norm
MODEL_ARGS=(
  --num-layers 27
  --hidden-size 2048
  --max-position-embeddings 163840
  --padded-vocab-size 102400  # exact: Megatron would pad the vocabulary to a multiple of 128 × tensor
  --untie-embeddings-and-output-weights  # Megatron ties them by default
  --normalization RMSNorm  # Megatron defaults to LayerNorm
  --norm-epsilon 0.000001  # Megatron defaults to 0.00001
)

# attention
ATTENTION_ARGS=(
  --num-attention-heads 16
  --kv-channels 128  # unused by MLA; set so Megatron does not require hidden % heads = 0
)

# attention.rope
ROPE_ARGS=(
  --position-embedding-type rope  # Megatron defaults to learned_absolute
  --rope-type yarn
  --rotary-base 10000
  --rotary-scaling-factor 40
  --mscale 0.707  # Megatron defaults to 1
  --mscale-all-dim 0.707  # Megatron defaults to 0; also MLA's softmax scale
)

# attention.mla
MLA_ARGS=(
  --multi-latent-attention
  --qk-layernorm  # moec's MLA has the q_a / kv_a latent norms; without this flag Megatron's has none
  --kv-lora-rank 512  # Megatron defaults to 32
  --qk-head-dim 128
  --qk-pos-emb-head-dim 64
  --v-head-dim 128
)

# biases: attention.qkv_bias / out_bias, dense.bias, moe.experts.bias, moe.router.bias
BIAS_ARGS=(
  --disable-bias-linear  # Megatron puts a bias on every linear by default
)

# dense and the FFN activation, MoE layer pattern
FFN_ARGS=(
  --ffn-hidden-size 10944
  --swiglu
  --moe-layer-freq '[0]+[1]*26'  # 1 = MoE layer
)

# moe.experts, moe.shared
MOE_ARGS=(
  --num-experts 64
  --moe-ffn-hidden-size 1408
  --moe-shared-expert-intermediate-size 2816  # 2 × 1408
)

# moe.router
ROUTER_ARGS=(
  --moe-router-topk 6  # Megatron defaults to 2
  --moe-router-score-function softmax
  --moe-router-pre-softmax  # norm_topk false: weights are softmax scores over all experts
  --moe-router-load-balancing-type seq_aux_loss  # Megatron defaults to aux_loss
  --moe-aux-loss-coeff 0.001
  --moe-router-dtype fp32  # moec routes in fp32; Megatron would route in the training dtype
)

# parallel
PARALLEL_ARGS=(
  --tensor-model-parallel-size 1
  --pipeline-model-parallel-size 1
  --context-parallel-size 1
  --expert-model-parallel-size 1
  --expert-tensor-parallel-size 1
  --micro-batch-size 1
)

# train
TRAIN_ARGS=(
  --global-batch-size 8
  --seq-length 163840
  --train-iters 1000
  --clip-grad 1
  --seed 0  # Megatron defaults to 1234
  --save-interval 100
  --log-interval 1  # Megatron defaults to 100
  --hidden-dropout 0  # Megatron defaults to 0.1
  --attention-dropout 0  # Megatron defaults to 0.1; moec has no attention-probability dropout
)

# train.optimizer
OPTIMIZER_ARGS=(
  --optimizer adam  # Megatron's Adam decays weights decoupled, as adamw
  --adam-beta1 0.9
  --adam-beta2 0.95  # Megatron defaults to 0.999
  --adam-eps 1e-8
  --weight-decay 0.1  # Megatron defaults to 0.01
  --lr 0.0003
)

# train.schedule
SCHEDULE_ARGS=(
  --lr-decay-style constant  # Megatron defaults to linear
  --min-lr 0.0003  # Megatron defaults to 0
  --lr-decay-iters 1000
)

# not in the model: data, tokenizer, checkpoints, dispatcher (megatron { … } / --megatron key=value)
LAUNCH_ARGS=(
  --mock-data  # no megatron.data: synthetic tokens, for a smoke test
  --tokenizer-type NullTokenizer
  --vocab-size 102400
  --moe-token-dispatcher-type alltoall
  --moe-grouped-gemm
)

cd "$MEGATRON_LM"
exec torchrun "${DISTRIBUTED_ARGS[@]}" pretrain_gpt.py \
  "${MODEL_ARGS[@]}" \
  "${ATTENTION_ARGS[@]}" \
  "${ROPE_ARGS[@]}" \
  "${MLA_ARGS[@]}" \
  "${BIAS_ARGS[@]}" \
  "${FFN_ARGS[@]}" \
  "${MOE_ARGS[@]}" \
  "${ROUTER_ARGS[@]}" \
  "${PARALLEL_ARGS[@]}" \
  "${TRAIN_ARGS[@]}" \
  "${OPTIMIZER_ARGS[@]}" \
  "${SCHEDULE_ARGS[@]}" \
  "${LAUNCH_ARGS[@]}" \
  "$@"
