"""Port of transformers models/glm4_moe (eager forward).

Read: modeling_glm4_moe.py @ 000c33fd (v5, generated from modular_glm4_moe.py):
  * Glm4MoeAttention: q/k/v projections with `attention_bias`, o_proj WITHOUT bias (unlike Llama's
    attention_bias); head_dim = config.head_dim if set, else hidden // heads; optional per-head
    RMSNorm q_norm / k_norm (eps rms_norm_eps) when `use_qk_norm`, applied on the
    [.., heads, head_dim] view before RoPE; scaling head_dim**-0.5.
  * apply_rotary_pos_emb: partial rotary — rotate-half on the first `rotary_dim = cos.shape[-1]`
    channels of each head, the rest passed through; the rotary embedding's dim is
    int(head_dim * partial_rotary_factor) (compute_default_rope_parameters).
  * Glm4MoeTopkRouter: fp32 logits (`F.linear(h.float(), weight.float())`), float32
    `e_score_correction_bias` buffer (`_keep_in_fp32_modules_strict`).
  * Glm4MoeMoE.route_tokens_to_experts = DeepseekV3's: sigmoid, + bias for the choice only, group
    score = sum of the top-2 of each group, topk_group groups kept, top_k experts among them,
    weights gathered from the unbiased sigmoid, renormalised (+1e-20) when norm_topk_prob, times
    routed_scaling_factor; shared_experts one MLP of width moe_intermediate_size * n_shared_experts.
  * Glm4MoeDecoderLayer: dense Glm4MoeMLP(intermediate_size) for layer_idx < first_k_dense_replace.
  * Glm4MoeModel._keys_to_ignore_on_load_unexpected = model.layers.46.* / 92.* (the MTP layer of
    GLM-4.5-Air / GLM-4.5); a tiny model's MTP layer at num_hidden_layers is skipped the same way.
  The v5 Glm4MoeNaiveMoe @ 000c33fd sizes its experts from config.intermediate_size; every
  checkpoint (and v4.55's per-expert Glm4MoeMLP(intermediate_size=moe_intermediate_size)) holds
  moe_intermediate_size-wide experts, which is what is followed here.
Config: configuration_glm4_moe.py as released in v4.55 (use_qk_norm, n_routed_experts,
n_shared_experts, first_k_dense_replace, routed_scaling_factor, partial_rotary_factor 0.5) and v5
(same defaults; partial_rotary_factor set by `kwargs.setdefault(..., 0.5)` and standardised into
rope_parameters). The pre-release modular @ 008c726d (num_experts, decoder_sparse_step) is not it.
"""
import torch
import torch.nn.functional as F
from torch import nn

from hf_common import (Config, CausalLM, LlamaDecoderLayer, LlamaMLP, LlamaRMSNorm, MixtralExperts,
                       eager_attention_forward, record_kth_positive, record_margin, rotate_half)

ARCHITECTURE = 'Glm4MoeForCausalLM'
DEFAULT_THETA = 10000.0
DEFAULTS = dict(
    vocab_size=151552, hidden_size=4096, intermediate_size=10944, num_hidden_layers=46, num_attention_heads=96,
    num_key_value_heads=8, hidden_act='silu', max_position_embeddings=131072, initializer_range=0.02,
    rms_norm_eps=1e-5, use_cache=True, tie_word_embeddings=False, rope_parameters=None, rope_theta=None,
    rope_scaling=None, attention_bias=False, attention_dropout=0.0, moe_intermediate_size=1408,
    num_experts_per_tok=8, n_shared_experts=1, n_routed_experts=128, routed_scaling_factor=1.0, n_group=1,
    topk_group=1, first_k_dense_replace=1, norm_topk_prob=True, use_qk_norm=False, partial_rotary_factor=0.5,
    head_dim=None,
)


def make_config(values):
    config = Config(values, DEFAULTS, DEFAULT_THETA)
    # v5 standardisation carries partial_rotary_factor inside rope_parameters (default 0.5 for BC).
    config.rope_parameters.setdefault('partial_rotary_factor', config.partial_rotary_factor)
    return config


def apply_rotary_pos_emb(q, k, cos, sin, position_ids=None, unsqueeze_dim=1):
    cos = cos.unsqueeze(unsqueeze_dim)
    sin = sin.unsqueeze(unsqueeze_dim)

    # Keep half or full tensor for later concatenation
    rotary_dim = cos.shape[-1]
    q_rot, q_pass = q[..., :rotary_dim], q[..., rotary_dim:]
    k_rot, k_pass = k[..., :rotary_dim], k[..., rotary_dim:]

    # Apply rotary embeddings on the first half or full tensor
    q_embed = (q_rot * cos) + (rotate_half(q_rot) * sin)
    k_embed = (k_rot * cos) + (rotate_half(k_rot) * sin)

    # Concatenate back to full shape
    q_embed = torch.cat([q_embed, q_pass], dim=-1)
    k_embed = torch.cat([k_embed, k_pass], dim=-1)
    return q_embed, k_embed


class Glm4MoeRMSNorm(LlamaRMSNorm):
    pass


class Glm4MoeAttention(nn.Module):
    def __init__(self, config, layer_idx=None):
        super().__init__()
        self.config = config
        self.layer_idx = layer_idx
        self.head_dim = getattr(config, 'head_dim', None) or config.hidden_size // config.num_attention_heads
        self.num_key_value_groups = config.num_attention_heads // config.num_key_value_heads
        self.scaling = self.head_dim ** -0.5
        self.q_proj = nn.Linear(config.hidden_size, config.num_attention_heads * self.head_dim, bias=config.attention_bias)
        self.k_proj = nn.Linear(config.hidden_size, config.num_key_value_heads * self.head_dim, bias=config.attention_bias)
        self.v_proj = nn.Linear(config.hidden_size, config.num_key_value_heads * self.head_dim, bias=config.attention_bias)
        self.o_proj = nn.Linear(config.num_attention_heads * self.head_dim, config.hidden_size, bias=False)
        self.use_qk_norm = config.use_qk_norm
        if self.use_qk_norm:
            self.q_norm = Glm4MoeRMSNorm(self.head_dim, eps=config.rms_norm_eps)
            self.k_norm = Glm4MoeRMSNorm(self.head_dim, eps=config.rms_norm_eps)

    def forward(self, hidden_states, position_embeddings, attention_mask, **kwargs):
        input_shape = hidden_states.shape[:-1]
        hidden_shape = (*input_shape, -1, self.head_dim)

        query_states = self.q_proj(hidden_states).view(hidden_shape)
        key_states = self.k_proj(hidden_states).view(hidden_shape)
        value_states = self.v_proj(hidden_states).view(hidden_shape)

        if self.use_qk_norm:  # main diff from Llama
            query_states = self.q_norm(query_states)
            key_states = self.k_norm(key_states)

        query_states = query_states.transpose(1, 2)
        key_states = key_states.transpose(1, 2)
        value_states = value_states.transpose(1, 2)

        cos, sin = position_embeddings
        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin)

        attn_output, attn_weights = eager_attention_forward(
            self, query_states, key_states, value_states, attention_mask, scaling=self.scaling)
        attn_output = attn_output.reshape(*input_shape, -1).contiguous()
        attn_output = self.o_proj(attn_output)
        return attn_output, attn_weights


class Glm4MoeTopkRouter(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.n_routed_experts = config.n_routed_experts
        self.weight = nn.Parameter(torch.empty((self.n_routed_experts, config.hidden_size)))
        self.register_buffer('e_score_correction_bias', torch.zeros((self.n_routed_experts), dtype=torch.float32))

    def forward(self, hidden_states):
        hidden_states = hidden_states.view(-1, self.config.hidden_size)
        router_logits = F.linear(hidden_states.type(torch.float32), self.weight.type(torch.float32))
        return router_logits


class Glm4MoeMoE(nn.Module):
    """A mixed expert module containing shared experts."""

    def __init__(self, config, name):
        super().__init__()
        self.config = config
        # Glm4MoeNaiveMoe: moe_intermediate_size-wide experts (see the module docstring).
        self.experts = MixtralExperts(config.n_routed_experts, config.hidden_size, config.moe_intermediate_size,
                                      config.hidden_act)
        self.gate = Glm4MoeTopkRouter(config)
        self.shared_experts = LlamaMLP(config, intermediate_size=config.moe_intermediate_size * config.n_shared_experts)
        self.n_routed_experts = config.n_routed_experts
        self.n_group = config.n_group
        self.topk_group = config.topk_group
        self.norm_topk_prob = config.norm_topk_prob
        self.routed_scaling_factor = config.routed_scaling_factor
        self.top_k = config.num_experts_per_tok
        self.name = name

    def route_tokens_to_experts(self, router_logits):
        router_logits = router_logits.sigmoid()
        router_logits_for_choice = router_logits + self.gate.e_score_correction_bias
        group_scores = (
            router_logits_for_choice.view(-1, self.n_group, self.n_routed_experts // self.n_group)
            .topk(2, dim=-1)[0]
            .sum(dim=-1)
        )
        record_margin(self.name + '.groups', group_scores, self.topk_group)  # probe:
        group_idx = torch.topk(group_scores, k=self.topk_group, dim=-1, sorted=False)[1]
        group_mask = torch.zeros_like(group_scores)
        group_mask.scatter_(1, group_idx, 1)
        score_mask = (
            group_mask.unsqueeze(-1)
            .expand(-1, self.n_group, self.n_routed_experts // self.n_group)
            .reshape(-1, self.n_routed_experts)
        )
        scores_for_choice = router_logits_for_choice.masked_fill(~score_mask.bool(), 0.0)
        record_margin(self.name, scores_for_choice, self.top_k)  # probe:
        record_kth_positive(self.name, scores_for_choice, self.top_k)  # probe: no masked 0.0 can be chosen
        topk_indices = torch.topk(scores_for_choice, k=self.top_k, dim=-1, sorted=False)[1]
        topk_weights = router_logits.gather(1, topk_indices)
        if self.norm_topk_prob:
            denominator = topk_weights.sum(dim=-1, keepdim=True) + 1e-20
            topk_weights /= denominator
        topk_weights = topk_weights * self.routed_scaling_factor
        return topk_indices, topk_weights

    def forward(self, hidden_states):
        residuals = hidden_states
        orig_shape = hidden_states.shape
        router_logits = self.gate(hidden_states)
        topk_indices, topk_weights = self.route_tokens_to_experts(router_logits)
        hidden_states = hidden_states.view(-1, hidden_states.shape[-1])
        hidden_states = self.experts(hidden_states, topk_indices, topk_weights).view(*orig_shape)
        hidden_states = hidden_states + self.shared_experts(residuals)
        return hidden_states


class Glm4MoeDecoderLayer(LlamaDecoderLayer):
    def __init__(self, config, layer_idx):
        super().__init__()
        self.self_attn = Glm4MoeAttention(config=config, layer_idx=layer_idx)
        if layer_idx >= config.first_k_dense_replace:
            self.mlp = Glm4MoeMoE(config, f'layers.{layer_idx}.mlp.gate')
        else:
            self.mlp = LlamaMLP(config)  # Glm4MoeMLP(config): intermediate_size
        self.input_layernorm = Glm4MoeRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = Glm4MoeRMSNorm(config.hidden_size, eps=config.rms_norm_eps)


DECODER_LAYER = Glm4MoeDecoderLayer


def build_model(config):
    model = CausalLM(config, [Glm4MoeDecoderLayer(config, i) for i in range(config.num_hidden_layers)])
    model.layer_mask_kind = lambda i: 'full_attention'  # Glm4MoeModel: create_causal_mask
    return model
