#!/usr/bin/env bash
# Megatron-Core launch for `gpt-oss-20b`, written by `moec compile --target megatron`
# (spec sha256 c58a95718cbd799f0516c2325141943a77916394f98eff3f2986ee597731ef94).
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
  --hidden-size 2880
  --max-position-embeddings 131072
  --padded-vocab-size 201088  # exact: Megatron would pad the vocabulary to a multiple of 128 × tensor
  --untie-embeddings-and-output-weights  # Megatron ties them by default
  --normalization RMSNorm  # Megatron defaults to LayerNorm
  --norm-epsilon 0.00001
)

# attention
ATTENTION_ARGS=(
  --num-attention-heads 64
  --group-query-attention
  --num-query-groups 8
  --kv-channels 64
  --window-size 127,0
  --window-attn-skip-freq 2  # layer n (1-based) is windowed unless n is a multiple
  --softmax-type learnable
)

# attention.rope
ROPE_ARGS=(
  --position-embedding-type yarn  # Megatron defaults to learned_absolute
  --rotary-base 150000  # Megatron defaults to 10000
  --rotary-scaling-factor 32
  --yarn-original-max-position-embeddings 4096
  --yarn-beta-fast 32
  --yarn-beta-slow 1
  --mscale 1
  --mscale-all-dim 0
  --no-yarn-correction-range-round-to-int  # truncate false: the ramp bounds stay fractional
)

# biases: attention.qkv_bias / out_bias, dense.bias, moe.experts.bias, moe.router.bias
BIAS_ARGS=(
  --no-bias-dropout-fusion  # Megatron's grouped-GEMM experts refuse biases with the fused bias-dropout-add
)

# dense and the FFN activation, MoE layer pattern
FFN_ARGS=(
  --ffn-hidden-size 2880  # no dense layer: unused (the expert width, as Megatron's Mixtral recipe sets it)
  --quick-geglu  # gate g·σ(1.702·g): clamped_swiglu
  --glu-linear-offset 1  # clamped_swiglu multiplies by (up + 1)
  --no-bias-gelu-fusion  # the fused quick-GEGLU clamps before adding the bias; gpt-oss clamps after
  --activation-func-clamp-value 7  # gate ≤ L, up in [−L, L]
  --moe-layer-freq 1  # 1 = MoE layer
)

# moe.experts, moe.shared
MOE_ARGS=(
  --num-experts 32
  --moe-ffn-hidden-size 2880
)

# moe.router
ROUTER_ARGS=(
  --moe-router-topk 4  # Megatron defaults to 2
  --moe-router-score-function softmax
  --moe-router-load-balancing-type aux_loss
  --moe-aux-loss-coeff 0.15
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
  --seq-length 131072
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
  --vocab-size 201088
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
