"""Shared pieces of the transformers modeling code, ported to plain torch 1.13 (eager path only).

Sources (huggingface/transformers, file and stored commit read):
  * models/llama/modeling_llama.py via its copies: LlamaRMSNorm, LlamaRotaryEmbedding.forward,
    rotate_half, apply_rotary_pos_emb, repeat_kv, eager_attention_forward, LlamaAttention,
    LlamaMLP, LlamaDecoderLayer, LlamaModel/LlamaForCausalLM forward — read as inlined in
    models/mixtral/modeling_mixtral.py @ 00d4b3d2 and models/deepseek_v3/modeling_deepseek_v3.py
    @ f5a9ec51 (v4.5x), deepseek_v2/modeling_deepseek_v2.py @ 0233e509 (v5).
  * MixtralExperts (v5, "Collection of expert weights stored as 3D tensors"): gate_up_proj
    [E, 2F, H] (gate rows first), down_proj [E, H, F]; read as inlined in
    models/deepseek_v2/modeling_deepseek_v2.py @ 0233e509 (DeepseekV2Experts, identical body)
    and subclassed by deepseek_v3/modular_deepseek_v3.py @ 000c33fd.
  * masking_utils.py @ 2ccc6cae: causal_mask_function (kv <= q), sliding_window_overlay (kv > q - window),
    padding_mask_function (attention_mask[b, kv] == 1); eager gets an additive float mask
    with torch.finfo(dtype).min where masked.
  * conversion_mapping.py @ 000c33fd: v4 per-expert keys <-> v5 fused (MergeModulelist(dim=0) +
    Concatenate(dim=1), gate before up); see checkpoint.py.

Names follow the reference so the files can be diffed against it; only the eager attention, no
KV cache, no dropout (eval), no SDPA/flash. Lines marked `# probe:` are fixture instrumentation,
not reference code: they record routing margins so the generator can reject near-ties.
"""
import torch
import torch.nn.functional as F
from torch import nn

from rope_utils import ROPE_INIT_FUNCTIONS, standardize_rope_params

ROUTING_PROBES = []  # probe: (layer, name, margins tensor) appended by the routers


def record_margin(name, scores, k):  # probe: gap between the k-th and (k+1)-th largest score per row
    if k >= scores.shape[-1]:
        return
    top = torch.topk(scores.detach().double(), k + 1, dim=-1).values
    ROUTING_PROBES.append((name, (top[..., k - 1] - top[..., k]).abs().min().item()))


def record_kth_positive(name, scores, k):  # probe: the k-th largest score per row must stay above 0
    kth = torch.topk(scores.detach().double(), k, dim=-1).values[..., k - 1]
    ROUTING_PROBES.append((name + '.kth_positive', kth.min().item()))


class Config:
    """Stand-in for PretrainedConfig: the config.json values over the configuration class's
    defaults (each model module passes its class's defaults)."""

    def __init__(self, values, defaults, default_theta=10000.0):
        self.default_theta = default_theta
        for k, v in defaults.items():
            setattr(self, k, v)
        for k, v in values.items():
            setattr(self, k, v)
        self._attn_implementation = 'eager'
        self.rope_parameters = standardize_rope_params(self)


ACT2FN = {'silu': F.silu, 'gelu': F.gelu, 'relu': F.relu}


class LlamaRMSNorm(nn.Module):
    def __init__(self, hidden_size, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(hidden_size))
        self.variance_epsilon = eps

    def forward(self, hidden_states):
        input_dtype = hidden_states.dtype
        hidden_states = hidden_states.to(torch.float32)
        variance = hidden_states.pow(2).mean(-1, keepdim=True)
        hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon)
        return self.weight * hidden_states.to(input_dtype)


class LlamaRotaryEmbedding(nn.Module):
    def __init__(self, config, device=None):
        super().__init__()
        self.rope_type = config.rope_parameters['rope_type']
        self.config = config
        self.rope_init_fn = ROPE_INIT_FUNCTIONS[self.rope_type]
        inv_freq, self.attention_scaling = self.rope_init_fn(self.config, device)
        self.register_buffer('inv_freq', inv_freq, persistent=False)

    @torch.no_grad()
    def forward(self, x, position_ids):
        inv_freq_expanded = self.inv_freq[None, :, None].float().expand(position_ids.shape[0], -1, 1).to(x.device)
        position_ids_expanded = position_ids[:, None, :].float()
        freqs = (inv_freq_expanded.float() @ position_ids_expanded.float()).transpose(1, 2)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos = emb.cos() * self.attention_scaling
        sin = emb.sin() * self.attention_scaling
        return cos.to(dtype=x.dtype), sin.to(dtype=x.dtype)


def rotate_half(x):
    """Rotates half the hidden dims of the input."""
    x1 = x[..., : x.shape[-1] // 2]
    x2 = x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary_pos_emb(q, k, cos, sin, position_ids=None, unsqueeze_dim=1):
    cos = cos.unsqueeze(unsqueeze_dim)
    sin = sin.unsqueeze(unsqueeze_dim)
    q_embed = (q * cos) + (rotate_half(q) * sin)
    k_embed = (k * cos) + (rotate_half(k) * sin)
    return q_embed, k_embed


def repeat_kv(hidden_states, n_rep):
    batch, num_key_value_heads, slen, head_dim = hidden_states.shape
    if n_rep == 1:
        return hidden_states
    hidden_states = hidden_states[:, :, None, :, :].expand(batch, num_key_value_heads, n_rep, slen, head_dim)
    return hidden_states.reshape(batch, num_key_value_heads * n_rep, slen, head_dim)


def eager_attention_forward(module, query, key, value, attention_mask, scaling, dropout=0.0, **kwargs):
    key_states = repeat_kv(key, module.num_key_value_groups)
    value_states = repeat_kv(value, module.num_key_value_groups)

    attn_weights = torch.matmul(query, key_states.transpose(2, 3)) * scaling
    if attention_mask is not None:
        causal_mask = attention_mask[:, :, :, : key_states.shape[-2]]
        attn_weights = attn_weights + causal_mask

    attn_weights = nn.functional.softmax(attn_weights, dim=-1, dtype=torch.float32).to(query.dtype)
    attn_output = torch.matmul(attn_weights, value_states)
    attn_output = attn_output.transpose(1, 2).contiguous()
    return attn_output, attn_weights


def create_causal_mask(attention_mask, batch_size, seq_len, dtype, sliding_window=None):
    """masking_utils.create_causal_mask / create_sliding_window_causal_mask for the eager path, no
    cache (cache_position = arange(seq_len)): causal_mask_function & sliding_window_overlay &
    padding_mask_function, materialised as an additive [B, 1, q, kv] float mask."""
    q_idx = torch.arange(seq_len)[:, None]
    kv_idx = torch.arange(seq_len)[None, :]
    allowed = kv_idx <= q_idx  # causal_mask_function
    if sliding_window is not None:
        allowed = allowed & (kv_idx > q_idx - sliding_window)  # sliding_window_overlay
    allowed = allowed[None, None].expand(batch_size, 1, seq_len, seq_len)
    if attention_mask is not None:  # padding_mask_function
        allowed = allowed & attention_mask[:, None, None, :].bool()
    min_dtype = torch.finfo(dtype).min
    return torch.zeros(allowed.shape, dtype=dtype).masked_fill(~allowed, min_dtype)


class LlamaMLP(nn.Module):
    """LlamaMLP / Qwen2MoeMLP / DeepseekV3MLP (same body; `intermediate_size` override)."""

    def __init__(self, config, intermediate_size=None, bias=False):
        super().__init__()
        self.hidden_size = config.hidden_size
        self.intermediate_size = config.intermediate_size if intermediate_size is None else intermediate_size
        self.gate_proj = nn.Linear(self.hidden_size, self.intermediate_size, bias=bias)
        self.up_proj = nn.Linear(self.hidden_size, self.intermediate_size, bias=bias)
        self.down_proj = nn.Linear(self.intermediate_size, self.hidden_size, bias=bias)
        self.act_fn = ACT2FN[config.hidden_act]

    def forward(self, x):
        return self.down_proj(self.act_fn(self.gate_proj(x)) * self.up_proj(x))


class MixtralExperts(nn.Module):
    """Collection of expert weights stored as 3D tensors (transformers v5)."""

    def __init__(self, num_experts, hidden_dim, intermediate_dim, hidden_act):
        super().__init__()
        self.num_experts = num_experts
        self.hidden_dim = hidden_dim
        self.intermediate_dim = intermediate_dim
        self.gate_up_proj = nn.Parameter(torch.empty(self.num_experts, 2 * self.intermediate_dim, self.hidden_dim))
        self.down_proj = nn.Parameter(torch.empty(self.num_experts, self.hidden_dim, self.intermediate_dim))
        self.act_fn = ACT2FN[hidden_act]

    def forward(self, hidden_states, top_k_index, top_k_weights):
        final_hidden_states = torch.zeros_like(hidden_states)
        with torch.no_grad():
            expert_mask = torch.nn.functional.one_hot(top_k_index, num_classes=self.num_experts)
            expert_mask = expert_mask.permute(2, 1, 0)
            expert_hit = torch.greater(expert_mask.sum(dim=(-1, -2)), 0).nonzero()

        for expert_idx in expert_hit:
            expert_idx = expert_idx[0]
            if expert_idx == self.num_experts:
                continue
            top_k_pos, token_idx = torch.where(expert_mask[expert_idx])
            current_state = hidden_states[token_idx]
            gate, up = nn.functional.linear(current_state, self.gate_up_proj[expert_idx]).chunk(2, dim=-1)
            current_hidden_states = self.act_fn(gate) * up
            current_hidden_states = nn.functional.linear(current_hidden_states, self.down_proj[expert_idx])
            current_hidden_states = current_hidden_states * top_k_weights[token_idx, top_k_pos, None]
            final_hidden_states.index_add_(0, token_idx, current_hidden_states.to(final_hidden_states.dtype))

        return final_hidden_states


class LlamaAttention(nn.Module):
    """LlamaAttention (v5): q/k/v/o projections with `attention_bias`, GQA, rotate-half RoPE."""

    def __init__(self, config, layer_idx, qkv_bias=None, o_bias=None):
        super().__init__()
        self.config = config
        self.layer_idx = layer_idx
        self.head_dim = getattr(config, 'head_dim', None) or config.hidden_size // config.num_attention_heads
        self.num_key_value_groups = config.num_attention_heads // config.num_key_value_heads
        self.scaling = self.head_dim ** -0.5
        self.is_causal = True
        bias = getattr(config, 'attention_bias', False)
        qkv_bias = bias if qkv_bias is None else qkv_bias
        o_bias = bias if o_bias is None else o_bias
        self.q_proj = nn.Linear(config.hidden_size, config.num_attention_heads * self.head_dim, bias=qkv_bias)
        self.k_proj = nn.Linear(config.hidden_size, config.num_key_value_heads * self.head_dim, bias=qkv_bias)
        self.v_proj = nn.Linear(config.hidden_size, config.num_key_value_heads * self.head_dim, bias=qkv_bias)
        self.o_proj = nn.Linear(config.num_attention_heads * self.head_dim, config.hidden_size, bias=o_bias)

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


class LlamaDecoderLayer(nn.Module):
    """Pre-norm residual block; subclasses set self_attn / mlp (the MoE block of each model)."""

    def forward(self, hidden_states, attention_mask=None, position_embeddings=None, **kwargs):
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        hidden_states, _ = self.self_attn(hidden_states=hidden_states, attention_mask=attention_mask,
                                          position_embeddings=position_embeddings)
        hidden_states = residual + hidden_states

        residual = hidden_states
        hidden_states = self.post_attention_layernorm(hidden_states)
        hidden_states = self.mlp(hidden_states)
        if isinstance(hidden_states, tuple):  # Mixtral (v4) / gpt-oss return (hidden, router_*)
            hidden_states = hidden_states[0]
        hidden_states = residual + hidden_states
        return hidden_states


class CausalLM(nn.Module):
    """LlamaModel + LlamaForCausalLM (MixtralModel / MixtralForCausalLM) forward, eager, no cache:
    embed_tokens -> rotary_emb(position_ids = arange) -> layers (each with its mask kind from
    `layer_types`, else causal / sliding as MixtralModel picks) -> norm -> lm_head."""

    def __init__(self, config, layers, norm_cls=LlamaRMSNorm, rotary_cls=LlamaRotaryEmbedding):
        super().__init__()
        self.config = config
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList(layers)
        self.norm = norm_cls(config.hidden_size, eps=config.rms_norm_eps)
        self.rotary_emb = rotary_cls(config=config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        if config.tie_word_embeddings:
            self.lm_head.weight = self.embed_tokens.weight

    def layer_mask_kind(self, i):
        layer_types = getattr(self.config, 'layer_types', None)
        if layer_types:
            return layer_types[i]
        return 'sliding_attention' if getattr(self.config, 'sliding_window', None) else 'full_attention'

    def forward(self, input_ids, attention_mask=None):
        inputs_embeds = self.embed_tokens(input_ids)
        batch_size, seq_len = input_ids.shape
        position_ids = torch.arange(seq_len).unsqueeze(0)
        masks = {
            'full_attention': create_causal_mask(attention_mask, batch_size, seq_len, inputs_embeds.dtype),
            'sliding_attention': create_causal_mask(attention_mask, batch_size, seq_len, inputs_embeds.dtype,
                                                    sliding_window=getattr(self.config, 'sliding_window', None)),
        }
        hidden_states = inputs_embeds
        position_embeddings = self.rotary_emb(hidden_states, position_ids)
        for i, decoder_layer in enumerate(self.layers):
            hidden_states = decoder_layer(hidden_states, attention_mask=masks[self.layer_mask_kind(i)],
                                          position_embeddings=position_embeddings)
        hidden_states = self.norm(hidden_states)
        return self.lm_head(hidden_states)
