"""Port of transformers models/qwen3_moe (eager forward).

Read: modular_qwen3_moe.py @ 00eb1166 (Qwen3MoeAttention = Qwen3Attention; router, experts, decoder
layer reused from qwen2_moe; no shared expert), configuration_qwen3_moe.py @ 008e5743 (defaults;
`sliding_window` kept only if `use_sliding_window`; `head_dim` read by the attention, Hub configs
carry it). Qwen3Attention (models/qwen3/modular_qwen3.py @ 02e8340b): per-head RMSNorm q_norm/k_norm over head_dim (eps
rms_norm_eps) applied after the [.., heads, head_dim] view and before RoPE; `attention_bias` on
q/k/v/o; scaling head_dim**-0.5. v4 and v5 agree on all of it.
"""
from torch import nn

from hf_common import (Config, CausalLM, LlamaRMSNorm, MixtralExperts, apply_rotary_pos_emb,
                       eager_attention_forward)
from modeling_qwen2_moe import Qwen2MoeDecoderLayer, Qwen2MoeTopKRouter

ARCHITECTURE = 'Qwen3MoeForCausalLM'
DEFAULT_THETA = 10000.0
DEFAULTS = dict(
    vocab_size=151936, hidden_size=2048, intermediate_size=6144, num_hidden_layers=24, num_attention_heads=32,
    num_key_value_heads=4, hidden_act='silu', max_position_embeddings=32768, initializer_range=0.02,
    rms_norm_eps=1e-6, use_cache=True, tie_word_embeddings=False, rope_parameters=None, rope_theta=None,
    rope_scaling=None, attention_bias=False, use_sliding_window=False, sliding_window=4096, attention_dropout=0.0,
    decoder_sparse_step=1, moe_intermediate_size=768, num_experts_per_tok=8, num_experts=128,
    norm_topk_prob=False, output_router_logits=False, router_aux_loss_coef=0.001, mlp_only_layers=None,
    head_dim=None, layer_types=None,
)


def make_config(values):
    config = Config(values, DEFAULTS, DEFAULT_THETA)
    config.sliding_window = config.sliding_window if config.use_sliding_window else None  # __post_init__
    config.mlp_only_layers = [] if config.mlp_only_layers is None else config.mlp_only_layers
    return config


class Qwen3MoeAttention(nn.Module):
    def __init__(self, config, layer_idx):
        super().__init__()
        self.config = config
        self.layer_idx = layer_idx
        self.head_dim = getattr(config, 'head_dim', None) or config.hidden_size // config.num_attention_heads
        self.num_key_value_groups = config.num_attention_heads // config.num_key_value_heads
        self.scaling = self.head_dim ** -0.5
        self.q_proj = nn.Linear(config.hidden_size, config.num_attention_heads * self.head_dim, bias=config.attention_bias)
        self.k_proj = nn.Linear(config.hidden_size, config.num_key_value_heads * self.head_dim, bias=config.attention_bias)
        self.v_proj = nn.Linear(config.hidden_size, config.num_key_value_heads * self.head_dim, bias=config.attention_bias)
        self.o_proj = nn.Linear(config.num_attention_heads * self.head_dim, config.hidden_size, bias=config.attention_bias)
        self.q_norm = LlamaRMSNorm(self.head_dim, eps=config.rms_norm_eps)  # unlike olmo, only on the head dim!
        self.k_norm = LlamaRMSNorm(self.head_dim, eps=config.rms_norm_eps)  # thus post q_norm does not need reshape
        self.sliding_window = getattr(config, 'sliding_window', None)

    def forward(self, hidden_states, position_embeddings, attention_mask, **kwargs):
        input_shape = hidden_states.shape[:-1]
        hidden_shape = (*input_shape, -1, self.head_dim)

        query_states = self.q_norm(self.q_proj(hidden_states).view(hidden_shape)).transpose(1, 2)
        key_states = self.k_norm(self.k_proj(hidden_states).view(hidden_shape)).transpose(1, 2)
        value_states = self.v_proj(hidden_states).view(hidden_shape).transpose(1, 2)

        cos, sin = position_embeddings
        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin)

        attn_output, attn_weights = eager_attention_forward(
            self, query_states, key_states, value_states, attention_mask, scaling=self.scaling)
        attn_output = attn_output.reshape(*input_shape, -1).contiguous()
        attn_output = self.o_proj(attn_output)
        return attn_output, attn_weights


class Qwen3MoeSparseMoeBlock(nn.Module):
    def __init__(self, config, name):
        super().__init__()
        self.experts = MixtralExperts(config.num_experts, config.hidden_size, config.moe_intermediate_size,
                                      config.hidden_act)
        self.gate = Qwen2MoeTopKRouter(config, name + '.gate')  # Qwen3MoeTopKRouter(Qwen2MoeTopKRouter)

    def forward(self, hidden_states):
        batch_size, sequence_length, hidden_dim = hidden_states.shape
        hidden_states_reshaped = hidden_states.view(-1, hidden_dim)
        _, routing_weights, selected_experts = self.gate(hidden_states_reshaped)
        final_hidden_states = self.experts(hidden_states_reshaped, selected_experts, routing_weights)
        return final_hidden_states.reshape(batch_size, sequence_length, hidden_dim)


class Qwen3MoeDecoderLayer(Qwen2MoeDecoderLayer):
    def __init__(self, config, layer_idx):
        super().__init__(config, layer_idx, attention_cls=Qwen3MoeAttention, moe_cls=Qwen3MoeSparseMoeBlock)


def build_model(config):
    # MixtralModel picks the sliding mask for every layer when config.sliding_window is set.
    return CausalLM(config, [Qwen3MoeDecoderLayer(config, i) for i in range(config.num_hidden_layers)])
