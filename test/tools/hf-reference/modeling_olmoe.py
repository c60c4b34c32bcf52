"""Port of transformers models/olmoe (eager forward).

Read: modular_olmoe.py @ 052b1dcd (OlmoeAttention: q_norm = RMSNorm(hidden_size), k_norm =
RMSNorm((hidden/heads) * kv_heads), both over the WHOLE projection before the per-head view, then
clip_qkv clamps q, k (after their norms) and v; OlmoeSparseMoeBlock: softmax(router_logits.float())
-> top-k -> optional renormalisation (norm_topk_prob)), configuration_olmoe.py @ 008e5743 (defaults:
rms_norm_eps 1e-5, num_key_value_heads = heads when absent, clip_qkv None, norm_topk_prob False).
The stored modular @ 052b1dcd is mid-migration (OlmoeExperts = ModuleList of OlmoeMLP); the experts
compute the MixtralExperts function, which is what is used here (v4 per-expert keys on disk).
"""
import torch
from torch import nn

from hf_common import (Config, CausalLM, LlamaDecoderLayer, LlamaRMSNorm, MixtralExperts, apply_rotary_pos_emb,
                       eager_attention_forward, record_margin)

ARCHITECTURE = 'OlmoeForCausalLM'
DEFAULT_THETA = 10000.0
DEFAULTS = dict(
    vocab_size=50304, hidden_size=2048, intermediate_size=2048, num_hidden_layers=16, num_attention_heads=16,
    num_key_value_heads=None, hidden_act='silu', max_position_embeddings=4096, initializer_range=0.02,
    rms_norm_eps=1e-05, use_cache=True, pad_token_id=1, bos_token_id=None, eos_token_id=50279,
    tie_word_embeddings=False, rope_parameters=None, rope_theta=None, rope_scaling=None, attention_bias=False,
    attention_dropout=0.0, clip_qkv=None, num_experts_per_tok=8, num_experts=64, output_router_logits=False,
    router_aux_loss_coef=0.01, norm_topk_prob=False,
)


def make_config(values):
    config = Config(values, DEFAULTS, DEFAULT_THETA)
    if config.num_key_value_heads is None:  # __post_init__
        config.num_key_value_heads = config.num_attention_heads
    return config


class OlmoeRMSNorm(LlamaRMSNorm):
    def __init__(self, hidden_size, eps=1e-5):
        super().__init__(hidden_size, eps)


class OlmoeAttention(nn.Module):
    def __init__(self, config, layer_idx):
        super().__init__()
        self.config = config
        self.head_dim = getattr(config, 'head_dim', None) or config.hidden_size // config.num_attention_heads
        self.num_key_value_groups = config.num_attention_heads // config.num_key_value_heads
        self.scaling = self.head_dim ** -0.5
        self.q_proj = nn.Linear(config.hidden_size, config.num_attention_heads * self.head_dim, bias=config.attention_bias)
        self.k_proj = nn.Linear(config.hidden_size, config.num_key_value_heads * self.head_dim, bias=config.attention_bias)
        self.v_proj = nn.Linear(config.hidden_size, config.num_key_value_heads * self.head_dim, bias=config.attention_bias)
        self.o_proj = nn.Linear(config.num_attention_heads * self.head_dim, config.hidden_size, bias=config.attention_bias)
        self.q_norm = OlmoeRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.k_norm = OlmoeRMSNorm(
            (config.hidden_size // config.num_attention_heads) * config.num_key_value_heads, eps=config.rms_norm_eps
        )

    def forward(self, hidden_states, position_embeddings, attention_mask, **kwargs):
        input_shape = hidden_states.shape[:-1]
        hidden_shape = (*input_shape, -1, self.head_dim)

        query_states = self.q_norm(self.q_proj(hidden_states))
        key_states = self.k_norm(self.k_proj(hidden_states))
        value_states = self.v_proj(hidden_states)

        if self.config.clip_qkv is not None:  # Diff with llama
            query_states.clamp_(min=-self.config.clip_qkv, max=self.config.clip_qkv)
            key_states.clamp_(min=-self.config.clip_qkv, max=self.config.clip_qkv)
            value_states.clamp_(min=-self.config.clip_qkv, max=self.config.clip_qkv)

        query_states = query_states.view(*hidden_shape).transpose(1, 2)
        key_states = key_states.view(*hidden_shape).transpose(1, 2)
        value_states = value_states.view(*hidden_shape).transpose(1, 2)
        cos, sin = position_embeddings
        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin)

        attn_output, attn_weights = eager_attention_forward(
            self, query_states, key_states, value_states, attention_mask, scaling=self.scaling)
        attn_output = attn_output.reshape(*input_shape, -1).contiguous()
        attn_output = self.o_proj(attn_output)
        return attn_output, attn_weights


class OlmoeSparseMoeBlock(nn.Module):
    def __init__(self, config, name):
        super().__init__()
        self.num_experts = config.num_experts
        self.top_k = config.num_experts_per_tok
        self.norm_topk_prob = config.norm_topk_prob
        self.gate = nn.Linear(config.hidden_size, self.num_experts, bias=False)
        self.experts = MixtralExperts(config.num_experts, config.hidden_size, config.intermediate_size, config.hidden_act)
        self.name = name

    def route_tokens_to_experts(self, hidden_states, router_logits):
        routing_weights = torch.nn.functional.softmax(router_logits.float(), dim=-1)
        record_margin(self.name, routing_weights, self.top_k)  # probe:
        top_k_weights, top_k_index = torch.topk(routing_weights, self.top_k, dim=-1)
        if self.norm_topk_prob:
            top_k_weights /= top_k_weights.sum(dim=-1, keepdim=True)
        top_k_weights = top_k_weights.to(hidden_states.dtype)
        return top_k_index, top_k_weights

    def forward(self, hidden_states):
        batch_size, sequence_length, hidden_dim = hidden_states.shape
        hidden_states = hidden_states.view(-1, hidden_dim)
        router_logits = self.gate(hidden_states)
        top_k_index, top_k_weights = self.route_tokens_to_experts(hidden_states, router_logits)
        final_hidden_states = self.experts(hidden_states, top_k_index, top_k_weights).reshape(
            batch_size, sequence_length, hidden_dim
        )
        return final_hidden_states


class OlmoeDecoderLayer(LlamaDecoderLayer):
    def __init__(self, config, layer_idx):
        super().__init__()
        self.self_attn = OlmoeAttention(config=config, layer_idx=layer_idx)
        self.mlp = OlmoeSparseMoeBlock(config, f'layers.{layer_idx}.mlp.gate')
        self.input_layernorm = OlmoeRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = OlmoeRMSNorm(config.hidden_size, eps=config.rms_norm_eps)


def build_model(config):
    # OlmoeModel: create_causal_mask only ("diff with mixtral: no sliding").
    model = CausalLM(config, [OlmoeDecoderLayer(config, i) for i in range(config.num_hidden_layers)],
                     norm_cls=OlmoeRMSNorm)
    model.layer_mask_kind = lambda i: 'full_attention'
    return model
