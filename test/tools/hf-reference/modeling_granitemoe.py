"""Port of transformers models/granitemoe (eager forward).

Read: modular_granitemoe.py @ 023633dd (GraniteMoeMoE: JetMoeTopKGating router = Linear(H, E)
logits in fp32, top-k on the LOGITS, softmax over the k selected; JetMoeParallelExperts
input_linear weight [E, 2F, H] whose output is chunked gate-first (act(first half) * second
half), output_linear weight [E, H, F]; GraniteMoeAttention = LlamaAttention with
scaling = attention_multiplier; GraniteMoeDecoderLayer: residual + out * residual_multiplier after
attention and after the MoE; GraniteMoeModel: inputs_embeds * embedding_multiplier, causal mask
only; GraniteMoeForCausalLM: logits / logits_scaling), models/jetmoe/modeling_jetmoe.py (the
JetMoeTopKGating / JetMoeParallelExperts bodies, as stored in the index), configuration_granitemoe.py
@ 040e1a7e (defaults: rms_norm_eps 1e-6, rope_theta 10000, multipliers 1.0, kv heads = heads).
Checkpoint keys are the runtime names (no conversion_mapping entry): block_sparse_moe.input_linear
/ output_linear / router.layer.
"""
import torch
import torch.nn.functional as F
from torch import nn

from hf_common import (Config, CausalLM, LlamaAttention, LlamaRMSNorm, create_causal_mask, record_margin)

ARCHITECTURE = 'GraniteMoeForCausalLM'
DEFAULT_THETA = 10000.0
DEFAULTS = dict(
    vocab_size=32000, hidden_size=4096, intermediate_size=11008, num_hidden_layers=32, num_attention_heads=32,
    num_key_value_heads=None, hidden_act='silu', max_position_embeddings=2048, initializer_range=0.02,
    rms_norm_eps=1e-6, use_cache=True, pad_token_id=None, bos_token_id=1, eos_token_id=2, tie_word_embeddings=False,
    rope_theta=None, rope_scaling=None, rope_parameters=None, attention_bias=False, attention_dropout=0.0,
    embedding_multiplier=1.0, logits_scaling=1.0, residual_multiplier=1.0, attention_multiplier=1.0,
    num_local_experts=8, num_experts_per_tok=2, output_router_logits=False, router_aux_loss_coef=0.001,
)


def make_config(values):
    config = Config(values, DEFAULTS, DEFAULT_THETA)
    if config.num_key_value_heads is None:  # for backward compatibility
        config.num_key_value_heads = config.num_attention_heads
    return config


class JetMoeParallelExperts(nn.Module):
    def __init__(self, num_experts, input_size, output_size):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num_experts, output_size, input_size))
        self.num_experts = num_experts
        self.input_size = input_size
        self.output_size = output_size

    def forward(self, inputs, expert_size):
        input_list = inputs.split(expert_size, dim=0)
        output_list = []
        for i in range(self.num_experts):
            output_list.append(F.linear(input_list[i], self.weight[i]))
        results = torch.cat(output_list, dim=0)
        return results


class JetMoeTopKGating(nn.Module):
    def __init__(self, input_size, num_experts, top_k, name):
        super().__init__()
        self.num_experts = num_experts
        self.input_size = input_size
        self.top_k = top_k
        self.layer = nn.Linear(input_size, num_experts, bias=False)
        self.name = name

    def forward(self, hidden_states):
        # compute the top_k routing decision
        logits = self.layer(hidden_states).float()  # [batch_size x seq_len, num_experts]
        record_margin(self.name, logits, self.top_k)  # probe:
        top_k_logits, top_k_indices = logits.topk(self.top_k, dim=1)  # [num_tokens, top_k]
        top_k_gates = torch.softmax(top_k_logits, dim=1).type_as(hidden_states)  # [num_tokens, top_k]

        # compute number of input given to each expert
        zeros = torch.zeros([top_k_gates.size(0), self.num_experts], dtype=top_k_gates.dtype, device=top_k_gates.device)
        gates = zeros.scatter(1, top_k_indices, 1)
        expert_size = gates.long().sum(0)
        expert_size = expert_size.tolist()

        # sort and group input tokens according to expert assignment
        top_k_experts = top_k_indices.flatten()
        _, index_sorted_experts = top_k_experts.sort(0)
        batch_index = index_sorted_experts.div(self.top_k, rounding_mode='trunc')

        # gather the gate values for grouped input tokens
        top_k_gates = top_k_gates.flatten()
        batch_gates = top_k_gates[index_sorted_experts]

        return index_sorted_experts, batch_index, batch_gates, expert_size, logits


class GraniteMoeMoE(nn.Module):
    def __init__(self, config, name):
        super().__init__()
        self.input_size = config.hidden_size
        self.hidden_size = config.intermediate_size
        self.activation = {'silu': F.silu}[config.hidden_act]
        self.input_linear = JetMoeParallelExperts(config.num_local_experts, self.input_size, self.hidden_size * 2)
        self.output_linear = JetMoeParallelExperts(config.num_local_experts, self.hidden_size, self.input_size)
        self.router = JetMoeTopKGating(self.input_size, config.num_local_experts, config.num_experts_per_tok, name)

    def forward(self, layer_input):
        bsz, length, emb_size = layer_input.size()
        layer_input = layer_input.reshape(-1, emb_size)
        _, batch_index, batch_gates, expert_size, _ = self.router(layer_input)

        expert_inputs = layer_input[batch_index]
        hidden_states = self.input_linear(expert_inputs, expert_size)
        chunked_hidden_states = hidden_states.chunk(2, dim=-1)
        hidden_states = self.activation(chunked_hidden_states[0]) * chunked_hidden_states[1]
        expert_outputs = self.output_linear(hidden_states, expert_size)

        expert_outputs = expert_outputs * batch_gates[:, None]

        zeros = torch.zeros((bsz * length, self.input_size), dtype=expert_outputs.dtype, device=expert_outputs.device)
        layer_output = zeros.index_add(0, batch_index, expert_outputs)
        layer_output = layer_output.view(bsz, length, self.input_size)
        return layer_output


class GraniteMoeDecoderLayer(nn.Module):
    def __init__(self, config, layer_idx):
        super().__init__()
        self.self_attn = LlamaAttention(config, layer_idx)
        self.self_attn.scaling = config.attention_multiplier  # Only diff with llama
        self.block_sparse_moe = GraniteMoeMoE(config, f'layers.{layer_idx}.block_sparse_moe.router')
        self.input_layernorm = LlamaRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.post_attention_layernorm = LlamaRMSNorm(config.hidden_size, eps=config.rms_norm_eps)
        self.residual_multiplier = config.residual_multiplier  # Only diff with mixtral!

    def forward(self, hidden_states, attention_mask=None, position_embeddings=None, **kwargs):
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        hidden_states, _ = self.self_attn(hidden_states=hidden_states, attention_mask=attention_mask,
                                          position_embeddings=position_embeddings)
        hidden_states = residual + hidden_states * self.residual_multiplier  # diff
        residual = hidden_states
        hidden_states = self.post_attention_layernorm(hidden_states)
        hidden_states = self.block_sparse_moe(hidden_states)
        hidden_states = residual + hidden_states * self.residual_multiplier  # diff
        return hidden_states


class GraniteMoeForCausalLM(CausalLM):
    def forward(self, input_ids, attention_mask=None):
        """GraniteMoeModel.forward: the causal mask (no sliding), then inputs_embeds * embedding_multiplier;
        GraniteMoeForCausalLM.forward: logits / logits_scaling."""
        inputs_embeds = self.embed_tokens(input_ids)
        batch_size, seq_len = input_ids.shape
        position_ids = torch.arange(seq_len).unsqueeze(0)
        causal_mask = create_causal_mask(attention_mask, batch_size, seq_len, inputs_embeds.dtype)
        inputs_embeds = inputs_embeds * self.config.embedding_multiplier
        hidden_states = inputs_embeds
        position_embeddings = self.rotary_emb(hidden_states, position_ids)
        for decoder_layer in self.layers:
            hidden_states = decoder_layer(hidden_states, attention_mask=causal_mask, position_embeddings=position_embeddings)
        hidden_states = self.norm(hidden_states)
        logits = self.lm_head(hidden_states)
        logits = logits / self.config.logits_scaling
        return logits


def build_model(config):
    return GraniteMoeForCausalLM(config, [GraniteMoeDecoderLayer(config, i) for i in range(config.num_hidden_layers)])
