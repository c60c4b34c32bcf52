"""Port of transformers models/qwen2_moe (eager forward).

Read: modular_qwen2_moe.py @ 001f85b3 (v5: Qwen2MoeTopKRouter, Qwen2MoeExperts(MixtralExperts),
Qwen2MoeSparseMoeBlock with shared_expert + sigmoid shared_expert_gate, Qwen2MoeAttention with
`qkv_bias` on q/k/v and no o_proj bias, Qwen2MoeDecoderLayer's MoE rule), configuration_qwen2_moe.py
@ 008e5743 (defaults, __post_init__). v4 differs only in spelling: q/k/v biases always on (the v5
field `qkv_bias` defaults to True), per-expert Qwen2MoeMLP modules (same function).
Version note: v5 puts sliding windows on layers with (i+1)%2 and i < max_window_layers when
use_sliding_window; v4 Qwen2 used `layer_idx >= max_window_layers`. The fixtures keep
use_sliding_window false, where both agree (no window).
"""
import torch
import torch.nn.functional as F
from torch import nn

from hf_common import (Config, CausalLM, LlamaAttention, LlamaDecoderLayer, LlamaMLP, LlamaRMSNorm,
                       MixtralExperts, record_margin)

ARCHITECTURE = 'Qwen2MoeForCausalLM'
DEFAULT_THETA = 10000.0
DEFAULTS = dict(
    vocab_size=151936, hidden_size=2048, intermediate_size=5632, num_hidden_layers=24, num_attention_heads=16,
    num_key_value_heads=16, hidden_act='silu', max_position_embeddings=32768, initializer_range=0.02,
    rms_norm_eps=1e-6, use_cache=True, tie_word_embeddings=False, rope_parameters=None, rope_theta=None,
    rope_scaling=None, use_sliding_window=False, sliding_window=4096, max_window_layers=28, attention_dropout=0.0,
    decoder_sparse_step=1, moe_intermediate_size=1408, shared_expert_intermediate_size=5632,
    num_experts_per_tok=4, num_experts=60, norm_topk_prob=False, output_router_logits=False,
    router_aux_loss_coef=0.001, mlp_only_layers=None, qkv_bias=True, layer_types=None,
)


def make_config(values):
    config = Config(values, DEFAULTS, DEFAULT_THETA)
    # __post_init__ (v5)
    config.mlp_only_layers = [] if config.mlp_only_layers is None else config.mlp_only_layers
    # v5 writes 0 here when use_sliding_window is false; no layer is 'sliding_attention' then, so None is equivalent.
    config.sliding_window = config.sliding_window if config.use_sliding_window else None
    if config.layer_types is None:
        config.layer_types = [
            'sliding_attention' if bool((i + 1) % 2) and i < config.max_window_layers and config.use_sliding_window
            else 'full_attention' for i in range(config.num_hidden_layers)]
    return config


class Qwen2MoeTopKRouter(nn.Module):
    def __init__(self, config, name):
        super().__init__()
        self.top_k = config.num_experts_per_tok
        self.num_experts = config.num_experts
        self.norm_topk_prob = config.norm_topk_prob
        self.hidden_dim = config.hidden_size
        self.weight = nn.Parameter(torch.zeros(self.num_experts, self.hidden_dim))
        self.name = name

    def forward(self, hidden_states):
        hidden_states = hidden_states.reshape(-1, self.hidden_dim)
        router_logits = F.linear(hidden_states, self.weight)  # (seq_len, num_experts)
        router_logits = torch.nn.functional.softmax(router_logits, dtype=torch.float, dim=-1)
        record_margin(self.name, router_logits, self.top_k)  # probe:
        router_top_value, router_indices = torch.topk(router_logits, self.top_k, dim=-1)  # (seq_len, top_k)
        if self.norm_topk_prob:
            router_top_value /= router_top_value.sum(dim=-1, keepdim=True)
        router_top_value = router_top_value.to(router_logits.dtype)
        router_scores = router_top_value
        return router_logits, router_scores, router_indices


class Qwen2MoeSparseMoeBlock(nn.Module):
    def __init__(self, config, name):
        super().__init__()
        self.gate = Qwen2MoeTopKRouter(config, name + '.gate')
        self.experts = MixtralExperts(config.num_experts, config.hidden_size, config.moe_intermediate_size,
                                      config.hidden_act)
        self.shared_expert = LlamaMLP(config, intermediate_size=config.shared_expert_intermediate_size)
        self.shared_expert_gate = torch.nn.Linear(config.hidden_size, 1, bias=False)

    def forward(self, hidden_states):
        batch_size, sequence_length, hidden_dim = hidden_states.shape
        hidden_states_reshaped = hidden_states.view(-1, hidden_dim)
        shared_expert_output = self.shared_expert(hidden_states_reshaped)
        _, routing_weights, selected_experts = self.gate(hidden_states_reshaped)
        expert_output = self.experts(hidden_states_reshaped, selected_experts, routing_weights)

        shared_expert_output = F.sigmoid(self.shared_expert_gate(hidden_states_reshaped)) * shared_expert_output

        expert_output += shared_expert_output
        expert_output = expert_output.reshape(batch_size, sequence_length, hidden_dim)
        return expert_output


def is_moe_layer(config, layer_idx):
    """Qwen2MoeDecoderLayer: MoE iff not in mlp_only_layers and (layer_idx + 1) % decoder_sparse_step == 0."""
    return (layer_idx not in config.mlp_only_layers) and (
        config.num_experts > 0 and (layer_idx + 1) % config.decoder_sparse_step == 0)


class Qwen2MoeDecoderLayer(LlamaDecoderLayer):
    def __init__(self, config, layer_idx, attention_cls=None, moe_cls=None):
        super().__init__()
        if attention_cls is None:
            self.self_attn = LlamaAttention(config, layer_idx, qkv_bias=config.qkv_bias, o_bias=False)
        else:
            self.self_attn = attention_cls(config, layer_idx)
        if is_moe_layer(config, layer_idx):
            self.mlp = (moe_cls or Qwen2MoeSparseMoeBlock)(config, f'layers.{layer_idx}.mlp')
        else:
            self.mlp = LlamaMLP(config, intermediate_size=config.intermediate_size)
        self.input_layernorm = LlamaRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = LlamaRMSNorm(config.hidden_size, eps=config.rms_norm_eps)


def build_model(config):
    return CausalLM(config, [Qwen2MoeDecoderLayer(config, i) for i in range(config.num_hidden_layers)])
