"""Port of transformers models/mixtral (eager forward).

Read: configuration_mixtral.py @ 008e5743 (v5 dataclass: defaults below), modular_mixtral.py @
7792ab1a and @ 008f5c8c (v4: MixtralBlockSparseTop2MLP w1/w2/w3 per expert, router softmax ->
top-k -> renormalise), modeling_mixtral.py @ 00d4b3d2 (v4.5x, `head_dim` field honoured,
rotary via rope utils). v5 (MixtralTopKRouter + MixtralExperts, fused) computes the same function:
softmax(router_logits.float()) -> topk -> /= sum. Followed: v5 structure, fed from either layout
through conversion_mapping (checkpoint.py). v4 and v5 agree on every field used here.
"""
import torch
import torch.nn.functional as F
from torch import nn

from hf_common import (Config, CausalLM, LlamaAttention, LlamaDecoderLayer, LlamaRMSNorm,
                       MixtralExperts, record_margin)

ARCHITECTURE = 'MixtralForCausalLM'
DEFAULT_THETA = 1000000.0  # MixtralConfig.default_theta (v5); v4 __init__ rope_theta=1e6
DEFAULTS = dict(
    vocab_size=32000, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
    num_attention_heads=32, num_key_value_heads=8, head_dim=None, hidden_act='silu',
    max_position_embeddings=4096 * 32, initializer_range=0.02, rms_norm_eps=1e-5, use_cache=True,
    pad_token_id=None, bos_token_id=1, eos_token_id=2, tie_word_embeddings=False, sliding_window=None,
    attention_dropout=0.0, num_experts_per_tok=2, num_local_experts=8, output_router_logits=False,
    router_aux_loss_coef=0.001, router_jitter_noise=0.0, rope_parameters=None, rope_theta=None, rope_scaling=None,
)


def make_config(values):
    config = Config(values, DEFAULTS, DEFAULT_THETA)
    if config.num_key_value_heads is None:  # __post_init__
        config.num_key_value_heads = config.num_attention_heads
    return config


class MixtralTopKRouter(nn.Module):
    def __init__(self, config, name):
        super().__init__()
        self.top_k = config.num_experts_per_tok
        self.num_experts = config.num_local_experts
        self.hidden_dim = config.hidden_size
        self.weight = nn.Parameter(torch.empty(self.num_experts, self.hidden_dim))
        self.name = name

    def forward(self, hidden_states):
        hidden_states = hidden_states.reshape(-1, self.hidden_dim)
        router_logits = F.linear(hidden_states, self.weight)  # (seq_len, num_experts)
        router_probs = torch.nn.functional.softmax(router_logits.float(), dim=-1)
        record_margin(self.name, router_probs, self.top_k)  # probe:
        router_top_value, router_indices = torch.topk(router_probs, self.top_k, dim=-1)  # (seq_len, top_k)
        router_top_value /= router_top_value.sum(dim=-1, keepdim=True)
        router_scores = router_top_value.to(hidden_states.dtype)
        return router_logits, router_scores, router_indices


class MixtralSparseMoeBlock(nn.Module):
    def __init__(self, config, name):
        super().__init__()
        self.top_k = config.num_experts_per_tok
        self.gate = MixtralTopKRouter(config, name)
        self.experts = MixtralExperts(config.num_local_experts, config.hidden_size, config.intermediate_size,
                                      config.hidden_act)

    def forward(self, hidden_states):
        batch_size, sequence_length, hidden_dim = hidden_states.shape
        hidden_states = hidden_states.view(-1, hidden_states.shape[-1])
        _, top_k_weights, top_k_index = self.gate(hidden_states)
        hidden_states = self.experts(hidden_states, top_k_index, top_k_weights)
        hidden_states = hidden_states.reshape(batch_size, sequence_length, hidden_dim)
        return hidden_states


class MixtralDecoderLayer(LlamaDecoderLayer):
    def __init__(self, config, layer_idx):
        super().__init__()
        self.self_attn = LlamaAttention(config, layer_idx)  # MixtralAttention = MistralAttention, no biases
        self.mlp = MixtralSparseMoeBlock(config, f'layers.{layer_idx}.mlp.gate')  # v4 key: block_sparse_moe
        self.input_layernorm = LlamaRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = LlamaRMSNorm(config.hidden_size, eps=config.rms_norm_eps)


def build_model(config):
    return CausalLM(config, [MixtralDecoderLayer(config, i) for i in range(config.num_hidden_layers)])
