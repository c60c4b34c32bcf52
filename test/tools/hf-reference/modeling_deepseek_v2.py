"""Port of transformers models/deepseek_v2 (eager forward).

Read: modeling_deepseek_v2.py @ 0233e509 (v5, generated from modular) and modular_deepseek_v2.py
@ 000c33fd (DeepseekV2Config defaults: rms_norm_eps 1e-6, topk_method 'greedy', n_group/topk_group
None, routed_scaling_factor 1.0, norm_topk_prob False, first_k_dense_replace 0, n_shared_experts 2,
mlp_bias False, head_dim = qk_rope_head_dim).
Routing (DeepseekV2Moe.route_tokens_to_experts): softmax over fp32 logits; 'greedy' = top-k;
'group_limited_greedy' = group score = MAX of each group, topk_group groups kept, top-k among them;
weights = chosen softmax probs * routed_scaling_factor. `norm_topk_prob` is NOT applied by the
native class (the Hub remote code renormalises when norm_topk_prob and top_k > 1): fixtures keep
norm_topk_prob false, where both agree.
RoPE: interleaved pairs rotated as complex numbers (apply_rotary_emb with view_as_complex), output
left interleaved; freqs_cis scaled by attention_scaling. Softmax scale is qk_head_dim**-0.5 only:
unlike DeepSeek-V3 (and unlike the Hub remote code), the native V2 applies no mscale**2 under YaRN,
so the fixtures use default RoPE for V2.
Version note: modular @ 000c33fd scatters topk_weight to a dense [T, E] tensor before calling the
experts, which index it with the top-k position (a bug fixed by @ 0233e509, followed here).
"""
import torch
from torch import nn

from hf_common import (Config, CausalLM, LlamaDecoderLayer, LlamaMLP, LlamaRMSNorm, MixtralExperts,
                       eager_attention_forward, record_margin)
from rope_utils import ROPE_INIT_FUNCTIONS

ARCHITECTURE = 'DeepseekV2ForCausalLM'
DEFAULT_THETA = 10000.0
DEFAULTS = dict(
    vocab_size=32000, hidden_size=4096, intermediate_size=11008, num_hidden_layers=32, num_attention_heads=32,
    num_key_value_heads=None, hidden_act='silu', max_position_embeddings=2048, initializer_range=0.02,
    rms_norm_eps=1e-6, use_cache=True, pad_token_id=None, bos_token_id=1, eos_token_id=2, tie_word_embeddings=False,
    rope_parameters=None, rope_theta=None, rope_scaling=None, attention_bias=False, attention_dropout=0.0,
    mlp_bias=False, first_k_dense_replace=0, kv_lora_rank=512, q_lora_rank=1536, n_group=None, n_routed_experts=64,
    n_shared_experts=2, qk_nope_head_dim=128, qk_rope_head_dim=64, routed_scaling_factor=1.0, topk_group=None,
    topk_method='greedy', norm_topk_prob=False, v_head_dim=128, num_experts_per_tok=None, moe_intermediate_size=1407,
)


def make_config(values):
    config = Config(values, DEFAULTS, DEFAULT_THETA)
    if config.num_key_value_heads is None:  # LlamaConfig: backward compatibility
        config.num_key_value_heads = config.num_attention_heads
    config.head_dim = config.qk_rope_head_dim
    return config


class DeepseekV2Moe(nn.Module):
    def __init__(self, config, name):
        super().__init__()
        self.config = config
        self.experts = MixtralExperts(config.n_routed_experts, config.hidden_size, config.moe_intermediate_size,
                                      config.hidden_act)  # DeepseekV2Experts
        self.gate = nn.Linear(config.hidden_size, config.n_routed_experts, bias=False)
        if config.n_shared_experts is not None:
            intermediate_size = config.moe_intermediate_size * config.n_shared_experts
            self.shared_experts = LlamaMLP(config, intermediate_size=intermediate_size, bias=config.mlp_bias)
        self.routed_scaling_factor = config.routed_scaling_factor
        self.topk_method = config.topk_method
        self.num_group = config.n_group
        self.top_k = config.num_experts_per_tok
        self.topk_group = config.topk_group
        self.num_experts = config.n_routed_experts
        self.name = name

    def route_tokens_to_experts(self, router_logits):
        batch_size, seq_len, hidden_dim = router_logits.shape
        router_logits = router_logits.view(-1, hidden_dim)
        router_logits = router_logits.softmax(dim=-1, dtype=torch.float32)
        if self.topk_method == 'greedy':
            record_margin(self.name, router_logits, self.top_k)  # probe:
            topk_weight, topk_idx = torch.topk(router_logits, k=self.top_k, dim=-1, sorted=False)
        elif self.topk_method == 'group_limited_greedy':
            group_scores = router_logits.view(batch_size * seq_len, self.num_group, -1).max(dim=-1).values
            record_margin(self.name + '.groups', group_scores, self.topk_group)  # probe:
            group_idx = torch.topk(group_scores, k=self.topk_group, dim=-1, sorted=False)[1]
            group_mask = torch.zeros_like(group_scores)
            group_mask.scatter_(1, group_idx, 1)
            score_mask = (
                group_mask.unsqueeze(-1)
                .expand(batch_size * seq_len, self.num_group, self.num_experts // self.num_group)
                .reshape(batch_size * seq_len, -1)
            )
            tmp_scores = router_logits.masked_fill(~score_mask.bool(), 0.0)
            record_margin(self.name, tmp_scores, self.top_k)  # probe:
            topk_weight, topk_idx = torch.topk(tmp_scores, k=self.top_k, dim=-1, sorted=False)

        topk_weight = topk_weight * self.routed_scaling_factor
        return topk_idx, topk_weight

    def forward(self, hidden_states):
        residuals = hidden_states
        orig_shape = hidden_states.shape
        router_logits = nn.functional.linear(hidden_states.type(torch.float32), self.gate.weight.type(torch.float32))
        topk_indices, topk_weights = self.route_tokens_to_experts(router_logits)
        hidden_states = hidden_states.view(-1, hidden_states.shape[-1])
        hidden_states = self.experts(hidden_states, topk_indices, topk_weights).view(*orig_shape)
        hidden_states = hidden_states + self.shared_experts(residuals)
        return hidden_states


class DeepseekV2RMSNorm(LlamaRMSNorm):
    pass


class DeepseekV2RotaryEmbedding(nn.Module):
    def __init__(self, config, device=None):
        super().__init__()
        self.config = config
        self.rope_type = self.config.rope_parameters['rope_type']
        inv_freq, self.attention_scaling = ROPE_INIT_FUNCTIONS[self.rope_type](self.config, device)
        self.register_buffer('inv_freq', inv_freq, persistent=False)

    @torch.no_grad()
    def forward(self, x, position_ids):
        inv_freq_expanded = self.inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1)
        position_ids_expanded = position_ids[:, None, :].float()
        freqs = (inv_freq_expanded.to(x.device) @ position_ids_expanded).transpose(1, 2)
        freqs_cis = torch.polar(torch.ones_like(freqs), freqs)  # Convert to complex representation
        freqs_cis = freqs_cis * self.attention_scaling
        return freqs_cis


def apply_rotary_emb(xq, xk, freqs_cis):
    xq_ = torch.view_as_complex(xq.float().reshape(*xq.shape[:-1], -1, 2))
    xk_ = torch.view_as_complex(xk.float().reshape(*xk.shape[:-1], -1, 2))

    # Broadcast to [1, 1, seq_len, dim // 2]
    freqs_cis = freqs_cis.unsqueeze(1).to(xq_.device)

    xq_out = torch.view_as_real(xq_ * freqs_cis).flatten(3).type_as(xq)
    xk_out = torch.view_as_real(xk_ * freqs_cis).flatten(3).type_as(xk)
    return xq_out, xk_out


class DeepseekV2Attention(nn.Module):
    def __init__(self, config, layer_idx=None):
        super().__init__()
        self.config = config
        self.layer_idx = layer_idx
        self.hidden_size = config.hidden_size
        self.num_heads = config.num_attention_heads

        self.q_lora_rank = config.q_lora_rank
        self.qk_rope_head_dim = config.qk_rope_head_dim
        self.kv_lora_rank = config.kv_lora_rank
        self.v_head_dim = config.v_head_dim
        self.qk_nope_head_dim = config.qk_nope_head_dim
        self.qk_head_dim = config.qk_nope_head_dim + config.qk_rope_head_dim
        self.num_key_value_groups = config.num_attention_heads // config.num_key_value_heads

        if self.q_lora_rank is None:
            self.q_proj = nn.Linear(self.hidden_size, self.num_heads * self.qk_head_dim, bias=False)
        else:
            self.q_a_proj = nn.Linear(self.hidden_size, config.q_lora_rank, bias=config.attention_bias)
            self.q_a_layernorm = DeepseekV2RMSNorm(config.q_lora_rank)
            self.q_b_proj = nn.Linear(config.q_lora_rank, self.num_heads * self.qk_head_dim, bias=False)

        self.kv_a_proj_with_mqa = nn.Linear(
            self.hidden_size, config.kv_lora_rank + config.qk_rope_head_dim, bias=config.attention_bias)
        self.kv_a_layernorm = DeepseekV2RMSNorm(config.kv_lora_rank)
        self.kv_b_proj = nn.Linear(
            config.kv_lora_rank, self.num_heads * (self.qk_head_dim - self.qk_rope_head_dim + self.v_head_dim), bias=False)
        self.o_proj = nn.Linear(self.num_heads * self.v_head_dim, self.hidden_size, bias=config.attention_bias)

        self.scaling = self.qk_head_dim ** (-0.5)

    def forward(self, hidden_states, attention_mask=None, position_embeddings=None, **kwargs):
        batch_size, seq_length = hidden_states.shape[:-1]
        query_shape = (batch_size, seq_length, -1, self.qk_head_dim)
        key_shape = (batch_size, seq_length, -1, self.qk_nope_head_dim + self.v_head_dim)

        if self.q_lora_rank is None:
            q = self.q_proj(hidden_states)
        else:
            q = self.q_b_proj(self.q_a_layernorm(self.q_a_proj(hidden_states)))
        q = q.view(query_shape).transpose(1, 2)
        q_nope, q_pe = torch.split(q, [self.qk_nope_head_dim, self.qk_rope_head_dim], dim=-1)

        compressed_kv = self.kv_a_proj_with_mqa(hidden_states)
        k_nope, k_pe = torch.split(compressed_kv, [self.kv_lora_rank, self.qk_rope_head_dim], dim=-1)
        k_nope = self.kv_b_proj(self.kv_a_layernorm(k_nope)).view(key_shape).transpose(1, 2)
        k_nope, value_states = torch.split(k_nope, [self.qk_nope_head_dim, self.v_head_dim], dim=-1)

        k_pe = k_pe.view(batch_size, 1, seq_length, self.qk_rope_head_dim)
        q_pe, k_pe = apply_rotary_emb(q_pe, k_pe, position_embeddings.to(q_pe.device))

        k_pe = k_pe.expand(*k_nope.shape[:-1], -1)
        query_states = torch.cat((q_nope, q_pe), dim=-1)
        key_states = torch.cat((k_nope, k_pe), dim=-1)

        attn_output, attn_weights = eager_attention_forward(
            self, query_states, key_states, value_states, attention_mask, scaling=self.scaling)
        attn_output = attn_output.reshape(batch_size, seq_length, -1).contiguous()
        attn_output = self.o_proj(attn_output)
        return attn_output, attn_weights


class DeepseekV2DecoderLayer(LlamaDecoderLayer):
    def __init__(self, config, layer_idx):
        super().__init__()
        self.self_attn = DeepseekV2Attention(config=config, layer_idx=layer_idx)
        if layer_idx >= config.first_k_dense_replace:
            self.mlp = DeepseekV2Moe(config, f'layers.{layer_idx}.mlp.gate')
        else:
            self.mlp = LlamaMLP(config, bias=config.mlp_bias)  # DeepseekV2MLP(config)
        self.input_layernorm = DeepseekV2RMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = DeepseekV2RMSNorm(config.hidden_size, eps=config.rms_norm_eps)


def build_model(config):
    model = CausalLM(config, [DeepseekV2DecoderLayer(config, i) for i in range(config.num_hidden_layers)],
                     rotary_cls=DeepseekV2RotaryEmbedding)
    model.layer_mask_kind = lambda i: 'full_attention'
    return model
