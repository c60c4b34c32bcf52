#!/usr/bin/env bash
# Megatron-Core launch for `mixtral-8x7b`, written by `moec compile --target megatron`
# (spec sha256 8d764cfcef526b467816371371bf364df7a111318dafde3d81fd775c0da2361b).
# The arguments are for Megatron-Core core_v0.19.0 (NVIDIA/Megatron-LM 5be9626709af); run it
# from a Megatron-LM checkout at that tag: MEGATRON_LM (default: the current directory).
# One array per spec block; a comment beside an argument says which Megatron default it overrides.
# Arguments after `bash train.sh` are passed on to pretrain_gpt.py (a repeated flag: the last one wins).
set -euo pipefail

NNODES=${NNODES:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
NODE_RANK=${NODE_RANK:-0}
MASTER_ADDR=${MASTER_ADDR:-localhost}
MASTER_PORT=${MASTER_PORT:-29500}
MEGATRON_LM=${MEGATRON_LM:-.}

if [ "$((NNODES * GPUS_PER_NODE))" -ne 64 ]; then
  echo "train.sh: the spec's layout needs 64 processes (parallel.world), not NNODES x GPUS_PER_NODE = $((NNODES * GPUS_PER_NODE))" >&2
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
  --num-layers 32
  --hidden-size 4096
  --max-position-embeddings 32768
  --padded-vocab-size 32000  # exact: Megatron would pad the vocabulary to a multiple of 128 × tensor
  --untie-embeddings-and-output-weights  # Megatron ties them by default
  --normalization RMSNorm  # Megatron defaults to LayerNorm
  --norm-epsilon 0.00001
)

# attention
ATTENTION_ARGS=(
  --num-attention-heads 32
  --group-query-attention
  --num-query-groups 8
  --kv-channels 128
)

# attention.rope
ROPE_ARGS=(
  --position-embedding-type rope  # Megatron defaults to learned_absolute
  --rotary-base 1000000  # Megatron defaults to 10000
)

# biases: attention.qkv_bias / out_bias, dense.bias, moe.experts.bias, moe.router.bias
BIAS_ARGS=(
  --disable-bias-linear  # Megatron puts a bias on every linear by default
)

# dense and the FFN activation, MoE layer pattern
FFN_ARGS=(
  --ffn-hidden-size 14336  # no dense layer: unused (the expert width, as Megatron's Mixtral recipe sets it)
  --swiglu
  --moe-layer-freq 1  # 1 = MoE layer
)

# moe.experts, moe.shared
MOE_ARGS=(
  --num-experts 8
  --moe-ffn-hidden-size 14336
)

# moe.router
ROUTER_ARGS=(
  --moe-router-topk 2
  --moe-router-score-function softmax
  --moe-router-load-balancing-type aux_loss
  --moe-aux-loss-coeff 0.01
  --moe-router-dtype fp32  # moec routes in fp32; Megatron would route in the training dtype
)

# parallel
PARALLEL_ARGS=(
  --tensor-model-parallel-size 1
  --pipeline-model-parallel-size 4
  --context-parallel-size 1
  --expert-model-parallel-size 8
  --expert-tensor-parallel-size 1
  --use-distributed-optimizer  # ZeRO-1: optimizer state sharded over data-parallel ranks
  --micro-batch-size 1
)

# train
TRAIN_ARGS=(
  --global-batch-size 256
  --seq-length 4096
  --train-iters 1000
  --clip-grad 1
  --bf16
  --recompute-granularity selective  # recomputes the attention core (Megatron's default module, core_attn)
  --seed 42  # Megatron defaults to 1234
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
  --lr 0.0001
)

# train.schedule
SCHEDULE_ARGS=(
  --lr-decay-style cosine  # Megatron defaults to linear
  --lr-warmup-iters 500
  --lr-warmup-init 2e-7  # lr ÷ warmup: moec's first step already learns
  --min-lr 0.00001  # Megatron defaults to 0
  --lr-decay-iters 1000
)

# not in the model: data, tokenizer, checkpoints, dispatcher (megatron { … } / --megatron key=value)
LAUNCH_ARGS=(
  --mock-data  # no megatron.data: synthetic tokens, for a smoke test
  --tokenizer-type NullTokenizer
  --vocab-size 32000
  --moe-token-dispatcher-type alltoall
  --moe-grouped-gemm
)

cd "$MEGATRON_LM"
exec torchrun "${DISTRIBUTED_ARGS[@]}" pretrain_gpt.py \
  "${MODEL_ARGS[@]}" \
  "${ATTENTION_ARGS[@]}" \
  "${ROPE_ARGS[@]}" \
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
