"""Port of transformers models/deepseek_v3 (eager forward).

Read: modular_deepseek_v3.py @ 000c33fd (v5: DeepseekV3TopkRouter returns fp32 logits;
DeepseekV3MoE.route_tokens_to_experts = sigmoid, + e_score_correction_bias for the choice only,
group score = sum of the top-2 of each group, topk_group groups kept, top_k among them, weights
gathered from the unbiased sigmoid, optional renormalisation (+1e-20), times routed_scaling_factor;
shared_experts width moe_intermediate_size * n_shared_experts; q_proj when q_lora_rank is None;
apply_rotary_pos_emb_interleave when rope_interleave; softmax scale qk_head_dim**-0.5 times
mscale(factor, mscale_all_dim)**2 when the rope type is not default and mscale_all_dim is set;
dense DeepseekV3MLP for layer_idx < first_k_dense_replace), modeling_deepseek_v3.py @ f5a9ec51
(v4.5x: same routing inside DeepseekV3TopkRouter.get_topk_indices, per-expert modules, and NO
q_lora_rank=None branch — v4.5x requires q_lora_rank), configuration_deepseek_v3.py @ 001f85b3
(defaults; head_dim = qk_rope_head_dim so the rotary embedding spans the rope part only).
q_a_layernorm / kv_a_layernorm are DeepseekV3RMSNorm(dim) with the class default eps 1e-6 (not
rms_norm_eps).
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

from hf_common import (Config, CausalLM, LlamaDecoderLayer, LlamaMLP, LlamaRMSNorm, MixtralExperts,
                       apply_rotary_pos_emb, eager_attention_forward, record_kth_positive, record_margin,
                       rotate_half)

ARCHITECTURE = 'DeepseekV3ForCausalLM'
DEFAULT_THETA = 10000.0
DEFAULTS = dict(
    vocab_size=129280, hidden_size=7168, intermediate_size=18432, moe_intermediate_size=2048, num_hidden_layers=61,
    num_attention_heads=128, num_key_value_heads=128, n_shared_experts=1, n_routed_experts=256,
    routed_scaling_factor=2.5, kv_lora_rank=512, q_lora_rank=1536, qk_rope_head_dim=64, v_head_dim=128,
    qk_nope_head_dim=128, n_group=8, topk_group=4, num_experts_per_tok=8, first_k_dense_replace=3,
    norm_topk_prob=True, hidden_act='silu', max_position_embeddings=4096, initializer_range=0.02, rms_norm_eps=1e-6,
    use_cache=True, pad_token_id=None, bos_token_id=0, eos_token_id=1, pretraining_tp=1, tie_word_embeddings=False,
    rope_parameters=None, rope_theta=None, rope_scaling=None, rope_interleave=True, attention_bias=False,
    attention_dropout=0.0,
)


def make_config(values):
    config = Config(values, DEFAULTS, DEFAULT_THETA)
    config.qk_head_dim = config.qk_nope_head_dim + config.qk_rope_head_dim
    config.head_dim = config.qk_rope_head_dim
    if config.num_key_value_heads is None:
        config.num_key_value_heads = config.num_attention_heads
    return config


class DeepseekV3RMSNorm(LlamaRMSNorm):
    pass


def apply_rotary_pos_emb_interleave(q, k, cos, sin, position_ids=None, unsqueeze_dim=1):
    cos = cos.unsqueeze(unsqueeze_dim)
    sin = sin.unsqueeze(unsqueeze_dim)

    b, h, s, d = q.shape
    q = q.view(b, h, s, d // 2, 2).transpose(4, 3).reshape(b, h, s, d)

    b, h, s, d = k.shape
    k = k.view(b, h, s, d // 2, 2).transpose(4, 3).reshape(b, h, s, d)

    q_embed = (q * cos) + (rotate_half(q) * sin)
    k_embed = (k * cos) + (rotate_half(k) * sin)
    return q_embed, k_embed


def yarn_get_mscale(scale=1, mscale=1):
    if scale <= 1:
        return 1.0
    return 0.1 * mscale * math.log(scale) + 1.0


class DeepseekV3TopkRouter(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.config = config
        self.n_routed_experts = config.n_routed_experts
        self.weight = nn.Parameter(torch.empty((self.n_routed_experts, config.hidden_size)))
        self.register_buffer('e_score_correction_bias', torch.zeros(self.n_routed_experts))

    def forward(self, hidden_states):
        hidden_states = hidden_states.view(-1, self.config.hidden_size)
        router_logits = F.linear(hidden_states.type(torch.float32), self.weight.type(torch.float32))
        return router_logits


class DeepseekV3MoE(nn.Module):
    """A mixed expert module containing shared experts."""

    def __init__(self, config, name):
        super().__init__()
        self.config = config
        self.experts = MixtralExperts(config.n_routed_experts, config.hidden_size, config.moe_intermediate_size,
                                      config.hidden_act)  # DeepseekV3NaiveMoe(MixtralExperts)
        self.gate = DeepseekV3TopkRouter(config)
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


class DeepseekV3Attention(nn.Module):
    def __init__(self, config, layer_idx):
        super().__init__()
        self.config = config
        self.layer_idx = layer_idx
        self.num_key_value_groups = config.num_attention_heads // config.num_key_value_heads
        self.num_heads = config.num_attention_heads

        self.q_lora_rank = config.q_lora_rank
        self.qk_rope_head_dim = config.qk_rope_head_dim
        self.kv_lora_rank = config.kv_lora_rank
        self.v_head_dim = config.v_head_dim
        self.qk_nope_head_dim = config.qk_nope_head_dim
        self.qk_head_dim = config.qk_head_dim

        if self.q_lora_rank is None:
            self.q_proj = nn.Linear(config.hidden_size, self.num_heads * self.qk_head_dim, bias=False)
        else:
            self.q_a_proj = nn.Linear(config.hidden_size, config.q_lora_rank, bias=config.attention_bias)
            self.q_a_layernorm = DeepseekV3RMSNorm(config.q_lora_rank)
            self.q_b_proj = nn.Linear(config.q_lora_rank, self.num_heads * self.qk_head_dim, bias=False)

        self.kv_a_proj_with_mqa = nn.Linear(
            config.hidden_size, self.kv_lora_rank + self.qk_rope_head_dim, bias=config.attention_bias)
        self.kv_a_layernorm = DeepseekV3RMSNorm(self.kv_lora_rank)
        self.kv_b_proj = nn.Linear(
            self.kv_lora_rank, self.num_heads * (self.qk_nope_head_dim + self.v_head_dim), bias=False)
        self.o_proj = nn.Linear(self.num_heads * self.v_head_dim, config.hidden_size, bias=config.attention_bias)

        self.scaling = self.qk_head_dim ** (-0.5)
        if self.config.rope_parameters.get('rope_type', 'default') != 'default':
            mscale_all_dim = self.config.rope_parameters.get('mscale_all_dim', 0)
            scaling_factor = self.config.rope_parameters['factor']
            if mscale_all_dim:
                mscale = yarn_get_mscale(scaling_factor, mscale_all_dim)
                self.scaling = self.scaling * mscale * mscale

    def forward(self, hidden_states, position_embeddings, attention_mask, **kwargs):
        batch_size, seq_length = hidden_states.shape[:-1]
        query_shape = (batch_size, seq_length, -1, self.qk_head_dim)
        key_shape = (batch_size, seq_length, -1, self.qk_nope_head_dim + self.v_head_dim)

        if self.q_lora_rank is None:
            q_states = self.q_proj(hidden_states)
        else:
            q_states = self.q_b_proj(self.q_a_layernorm(self.q_a_proj(hidden_states)))
        q_states = q_states.view(query_shape).transpose(1, 2)
        q_pass, q_rot = torch.split(q_states, [self.qk_nope_head_dim, self.qk_rope_head_dim], dim=-1)

        compressed_kv = self.kv_a_proj_with_mqa(hidden_states)
        k_pass, k_rot = torch.split(compressed_kv, [self.kv_lora_rank, self.qk_rope_head_dim], dim=-1)

        k_pass = self.kv_b_proj(self.kv_a_layernorm(k_pass)).view(key_shape).transpose(1, 2)
        k_pass, value_states = torch.split(k_pass, [self.qk_nope_head_dim, self.v_head_dim], dim=-1)

        k_rot = k_rot.view(batch_size, 1, seq_length, self.qk_rope_head_dim)

        cos, sin = position_embeddings
        if self.config.rope_interleave:  # support using interleaved weights for efficiency
            q_rot, k_rot = apply_rotary_pos_emb_interleave(q_rot, k_rot, cos, sin)
        else:
            q_rot, k_rot = apply_rotary_pos_emb(q_rot, k_rot, cos, sin)
        k_rot = k_rot.expand(*k_pass.shape[:-1], -1)

        query_states = torch.cat((q_pass, q_rot), dim=-1)
        key_states = torch.cat((k_pass, k_rot), dim=-1)

        attn_output, attn_weights = eager_attention_forward(
            self, query_states, key_states, value_states, attention_mask, scaling=self.scaling)
        attn_output = attn_output.reshape(batch_size, seq_length, -1).contiguous()
        attn_output = self.o_proj(attn_output)
        return attn_output, attn_weights


class DeepseekV3DecoderLayer(LlamaDecoderLayer):
    def __init__(self, config, layer_idx):
        super().__init__()
        self.self_attn = DeepseekV3Attention(config=config, layer_idx=layer_idx)
        if layer_idx >= config.first_k_dense_replace:
            self.mlp = DeepseekV3MoE(config, f'layers.{layer_idx}.mlp.gate')
        else:
            self.mlp = LlamaMLP(config)  # DeepseekV3MLP(config): intermediate_size
        self.input_layernorm = DeepseekV3RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = DeepseekV3RMSNorm(config.hidden_size, eps=config.rms_norm_eps)


def build_model(config):
    model = CausalLM(config, [DeepseekV3DecoderLayer(config, i) for i in range(config.num_hidden_layers)])
    model.layer_mask_kind = lambda i: 'full_attention'  # LlamaModel: create_causal_mask
    return model
