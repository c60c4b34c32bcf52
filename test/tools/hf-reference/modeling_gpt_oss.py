"""Port of transformers models/gpt_oss (eager forward).

Read: modular_gpt_oss.py @ 0261a467 (v5: GptOssRMSNorm casts after the weight multiply;
GptOssExperts with gate_up_proj [E, H, 2F] (already [in, out]) + gate_up_proj_bias [E, 2F],
gate = gate_up[..., ::2], up = gate_up[..., 1::2] (interleaved), gate clamped above at limit, up
clamped to [-limit, limit], glu = gate * sigmoid(gate * alpha), out = (up + 1) * glu, then
down_proj [E, F, H] + down_proj_bias; GptOssTopKRouter: linear with bias, top-k on the LOGITS,
softmax over the k selected logits; rotary cos/sin over dim/2 applied to the two halves
(rotate-half); eager attention with a learned per-head sink logit concatenated to the scores,
max-subtracted, softmax, sink column dropped; attention_bias on q/k/v/o; sliding window on the
layers whose layer_types entry is 'sliding_attention'), configuration_gpt_oss.py @ 828a27fd (v4.55:
rope_theta 150000, default rope_scaling yarn factor 32 / beta_fast 32 / beta_slow 1 / truncate False
/ original_max_position_embeddings 4096, layer_types default sliding on even layers,
attention_bias forced True) and @ 02b8f42b (v5 dataclass: same defaults, adds swiglu_alpha /
swiglu_limit fields).
Version note: modular @ 0261a467 hard-codes alpha 1.702 / limit 7.0 in GptOssExperts, while
integrations/mxfp4.py reads getattr(config, 'swiglu_limit', 7.0): the fixtures keep 1.702 / 7.0.
v4.55's inference path multiplied a dense [T, E] routing matrix into all experts (bmm); same
function as the per-expert loop used here.
"""
import torch
from torch import nn
from torch.nn import functional as F

from hf_common import (Config, CausalLM, LlamaDecoderLayer, record_margin, repeat_kv)
from rope_utils import ROPE_INIT_FUNCTIONS

ARCHITECTURE = 'GptOssForCausalLM'
DEFAULT_THETA = 150000.0
DEFAULTS = dict(
    num_hidden_layers=36, num_local_experts=128, vocab_size=201088, hidden_size=2880, intermediate_size=2880,
    head_dim=64, num_attention_heads=64, num_key_value_heads=8, sliding_window=128, tie_word_embeddings=False,
    hidden_act='silu', initializer_range=0.02, max_position_embeddings=131072, rms_norm_eps=1e-5,
    rope_parameters=None, rope_theta=None, rope_scaling=None, attention_dropout=0.0, num_experts_per_tok=4,
    swiglu_alpha=1.702, swiglu_limit=7.0, router_aux_loss_coef=0.001, output_router_logits=False, use_cache=True,
    layer_types=None, attention_bias=True,
)
DEFAULT_ROPE_SCALING = {'rope_type': 'yarn', 'factor': 32.0, 'beta_fast': 32.0, 'beta_slow': 1.0, 'truncate': False,
                        'original_max_position_embeddings': 4096}


def make_config(values):
    values = dict(values)
    if values.get('rope_scaling') is None and values.get('rope_parameters') is None:
        values['rope_scaling'] = dict(DEFAULT_ROPE_SCALING)  # class default (v4 __init__ / v5 __post_init__)
    config = Config(values, DEFAULTS, DEFAULT_THETA)
    if config.num_key_value_heads is None:
        config.num_key_value_heads = config.num_attention_heads
    config.head_dim = config.head_dim if config.head_dim is not None else config.hidden_size // config.num_attention_heads
    if config.layer_types is None:
        config.layer_types = [
            'sliding_attention' if bool((i + 1) % 2) else 'full_attention' for i in range(config.num_hidden_layers)]
    config.attention_bias = True  # v4.55 __init__ forces it
    return config


class GptOssRMSNorm(nn.Module):
    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return (self.weight * hidden_states).to(input_dtype)  # main diff with Llama


class GptOssExperts(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.intermediate_size = config.intermediate_size
        self.num_experts = config.num_local_experts
        self.hidden_size = config.hidden_size
        self.gate_up_proj = nn.Parameter(torch.empty(self.num_experts, self.hidden_size, 2 * self.intermediate_size))
        self.gate_up_proj_bias = nn.Parameter(torch.empty(self.num_experts, 2 * self.intermediate_size))
        self.down_proj = nn.Parameter(torch.empty((self.num_experts, self.intermediate_size, self.hidden_size)))
        self.down_proj_bias = nn.Parameter(torch.empty(self.num_experts, self.hidden_size))
        self.alpha = 1.702
        self.limit = 7.0

    def _apply_gate(self, gate_up):
        gate, up = gate_up[..., ::2], gate_up[..., 1::2]
        gate = gate.clamp(min=None, max=self.limit)
        up = up.clamp(min=-self.limit, max=self.limit)
        glu = gate * torch.sigmoid(gate * self.alpha)
        gated_output = (up + 1) * glu
        return gated_output

    def forward(self, hidden_states, router_indices=None, routing_weights=None):
        next_states = torch.zeros_like(hidden_states, dtype=hidden_states.dtype, device=hidden_states.device)
        with torch.no_grad():
            expert_mask = torch.nn.functional.one_hot(router_indices, num_classes=self.num_experts)
            expert_mask = expert_mask.permute(2, 1, 0)
            expert_hit = torch.greater(expert_mask.sum(dim=(-1, -2)), 0).nonzero()
        for expert_idx in expert_hit:
            expert_idx = expert_idx[0]
            if expert_idx == self.num_experts:
                continue
            with torch.no_grad():
                top_k_pos, token_idx = torch.where(expert_mask[expert_idx])
            current_state = hidden_states[token_idx]
            gate_up = current_state @ self.gate_up_proj[expert_idx] + self.gate_up_proj_bias[expert_idx]
            CLAMP_PROBES.append(gate_up.detach())  # probe: how often the clamps bite
            gated_output = self._apply_gate(gate_up)
            out = gated_output @ self.down_proj[expert_idx] + self.down_proj_bias[expert_idx]
            weighted_output = out * routing_weights[token_idx, top_k_pos, None]
            next_states.index_add_(0, token_idx, weighted_output.to(hidden_states.dtype))
        return next_states


CLAMP_PROBES = []  # probe:


class GptOssTopKRouter(nn.Module):
    def __init__(self, config, name):
        super().__init__()
        self.top_k = config.num_experts_per_tok
        self.num_experts = config.num_local_experts
        self.hidden_dim = config.hidden_size
        self.weight = nn.Parameter(torch.zeros(self.num_experts, self.hidden_dim))
        self.bias = nn.Parameter(torch.zeros(self.num_experts))
        self.name = name

    def forward(self, hidden_states):
        router_logits = F.linear(hidden_states, self.weight, self.bias)  # (num_tokens, num_experts)
        record_margin(self.name, router_logits, self.top_k)  # probe:
        router_top_value, router_indices = torch.topk(router_logits, self.top_k, dim=-1)  # (num_tokens, top_k)
        router_top_value = torch.nn.functional.softmax(router_top_value, dim=1, dtype=router_top_value.dtype)
        router_scores = router_top_value
        return router_logits, router_scores, router_indices


class GptOssMLP(nn.Module):
    def __init__(self, config, name):
        super().__init__()
        self.router = GptOssTopKRouter(config, name)
        self.experts = GptOssExperts(config)

    def forward(self, hidden_states):
        batch_size, sequence_length, hidden_dim = hidden_states.shape
        hidden_states = hidden_states.view(-1, hidden_dim)
        _, router_scores, router_indices = self.router(hidden_states)
        hidden_states = self.experts(hidden_states, router_indices, router_scores)
        hidden_states = hidden_states.view(batch_size, sequence_length, hidden_dim)
        return hidden_states, router_scores


class GptOssRotaryEmbedding(nn.Module):
    def __init__(self, config, device=None):
        super().__init__()
        self.rope_type = config.rope_parameters['rope_type']
        inv_freq, self.attention_scaling = ROPE_INIT_FUNCTIONS[self.rope_type](config, device)
        self.register_buffer('inv_freq', inv_freq, persistent=False)

    @torch.no_grad()
    def forward(self, x, position_ids):
        inv_freq_expanded = self.inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1).to(x.device)
        position_ids_expanded = position_ids[:, None, :].float()
        freqs = (inv_freq_expanded.float() @ position_ids_expanded.float()).transpose(1, 2)
        emb = freqs
        cos = emb.cos() * self.attention_scaling
        sin = emb.sin() * self.attention_scaling
        return cos.to(x.dtype), sin.to(x.dtype)


def _apply_rotary_emb(x, cos, sin):
    first_half, second_half = torch.chunk(x, 2, dim=-1)
    first_ = first_half * cos - second_half * sin
    second_ = second_half * cos + first_half * sin
    return torch.cat((first_, second_), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin, position_ids=None, unsqueeze_dim=1):
    cos = cos.unsqueeze(unsqueeze_dim)
    sin = sin.unsqueeze(unsqueeze_dim)
    q_embed = _apply_rotary_emb(q, cos, sin)
    k_embed = _apply_rotary_emb(k, cos, sin)
    return q_embed, k_embed


def eager_attention_forward(module, query, key, value, attention_mask, scaling, dropout=0.0, **kwargs):
    key_states = repeat_kv(key, module.num_key_value_groups)
    value_states = repeat_kv(value, module.num_key_value_groups)
    attn_weights = torch.matmul(query, key_states.transpose(2, 3)) * scaling
    if attention_mask is not None:
        causal_mask = attention_mask[:, :, :, : key_states.shape[-2]]
        attn_weights = attn_weights + causal_mask

    sinks = module.sinks.reshape(1, -1, 1, 1).expand(query.shape[0], -1, query.shape[-2], -1)
    combined_logits = torch.cat([attn_weights, sinks], dim=-1)

    # This was not in the original implementation and slightly affect results; it prevents overflow in BF16/FP16
    # when training with bsz>1 we clamp max values.
    combined_logits = combined_logits - combined_logits.max(dim=-1, keepdim=True).values
    probs = F.softmax(combined_logits, dim=-1, dtype=combined_logits.dtype)
    scores = probs[..., :-1]  # we drop the sink here
    attn_weights = scores.to(value_states.dtype)
    attn_output = torch.matmul(attn_weights, value_states)
    attn_output = attn_output.transpose(1, 2).contiguous()
    return attn_output, attn_weights


class GptOssAttention(nn.Module):
    def __init__(self, config, layer_idx):
        super().__init__()
        self.config = config
        self.layer_idx = layer_idx
        self.head_dim = config.head_dim
        self.num_key_value_groups = config.num_attention_heads // config.num_key_value_heads
        self.scaling = self.head_dim ** -0.5
        self.q_proj = nn.Linear(config.hidden_size, config.num_attention_heads * self.head_dim, bias=config.attention_bias)
        self.k_proj = nn.Linear(config.hidden_size, config.num_key_value_heads * self.head_dim, bias=config.attention_bias)
        self.v_proj = nn.Linear(config.hidden_size, config.num_key_value_heads * self.head_dim, bias=config.attention_bias)
        self.o_proj = nn.Linear(config.num_attention_heads * self.head_dim, config.hidden_size, bias=config.attention_bias)
        self.sinks = nn.Parameter(torch.empty(config.num_attention_heads))
        # Qwen2Attention: sliding_window only on 'sliding_attention' layers (the mask carries it in eager).
        self.sliding_window = config.sliding_window if config.layer_types[layer_idx] == 'sliding_attention' else None

    def forward(self, hidden_states, position_embeddings, attention_mask, **kwargs):
        input_shape = hidden_states.shape[:-1]
        hidden_shape = (*input_shape, -1, self.head_dim)

        query_states = self.q_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        key_states = self.k_proj(hidden_states).view(hidden_shape).transpose(1, 2)
        value_states = self.v_proj(hidden_states).view(hidden_shape).transpose(1, 2)

        cos, sin = position_embeddings
        query_states, key_states = apply_rotary_pos_emb(query_states, key_states, cos, sin)

        attn_output, attn_weights = eager_attention_forward(
            self, query_states, key_states, value_states, attention_mask, scaling=self.scaling)
        attn_output = attn_output.reshape(*input_shape, -1).contiguous()
        attn_output = self.o_proj(attn_output)
        return attn_output, attn_weights


class GptOssDecoderLayer(LlamaDecoderLayer):
    def __init__(self, config, layer_idx):
        super().__init__()
        self.self_attn = GptOssAttention(config=config, layer_idx=layer_idx)
        self.mlp = GptOssMLP(config, f'layers.{layer_idx}.mlp.router')
        self.input_layernorm = GptOssRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = GptOssRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.attention_type = config.layer_types[layer_idx]


def build_model(config):
    # GptOssModel: mask per layer from layer_types (create_causal_mask / create_sliding_window_causal_mask).
    return CausalLM(config, [GptOssDecoderLayer(config, i) for i in range(config.num_hidden_layers)],
                    norm_cls=GptOssRMSNorm, rotary_cls=GptOssRotaryEmbedding)
