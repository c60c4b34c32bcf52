#!/usr/bin/env bash
# Megatron-Core launch for `qwen1.5-moe-a2.7b`, written by `moec compile --target megatron`
# (spec sha256 b6a7af84f8e0774ebd1c7907ff82cf4a4f54702a47be958b548c6e19f24154d3).
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
  --num-layers 24
  --hidden-size 2048
  --max-position-embeddings 8192
  --padded-vocab-size 151936  # exact: Megatron would pad the vocabulary to a multiple of 128 × tensor
  --untie-embeddings-and-output-weights  # Megatron ties them by default
  --normalization RMSNorm  # Megatron defaults to LayerNorm
  --norm-epsilon 0.000001  # Megatron defaults to 0.00001
)

# attention
ATTENTION_ARGS=(
  --num-attention-heads 16
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
  --add-qkv-bias
)

# dense and the FFN activation, MoE layer pattern
FFN_ARGS=(
  --ffn-hidden-size 1408  # no dense layer: unused (the expert width, as Megatron's Mixtral recipe sets it)
  --swiglu
  --moe-layer-freq 1  # 1 = MoE layer
)

# moe.experts, moe.shared
MOE_ARGS=(
  --num-experts 60
  --moe-ffn-hidden-size 1408
  --moe-shared-expert-intermediate-size 5632  # 1 × 5632
  --moe-shared-expert-gate
)

# moe.router
ROUTER_ARGS=(
  --moe-router-topk 4  # Megatron defaults to 2
  --moe-router-score-function softmax
  --moe-router-pre-softmax  # norm_topk false: weights are softmax scores over all experts
  --moe-router-load-balancing-type aux_loss
  --moe-aux-loss-coeff 0.00016667
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
  --seq-length 8192
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
  --vocab-size 151936
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
