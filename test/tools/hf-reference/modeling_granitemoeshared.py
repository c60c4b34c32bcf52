"""Port of transformers models/granitemoeshared (eager forward).

Read: modular_granitemoeshared.py (GraniteMoeSharedMLP: input_linear = Linear(H, 2 * shared_intermediate_size,
bias=False), chunk(2, dim=-1), act(first half) * second half, output_linear = Linear(F_s, H, bias=False);
GraniteMoeSharedDecoderLayer = GraniteMoeDecoderLayer with shared_mlp = None if shared_intermediate_size == 0
else GraniteMoeSharedMLP, and `hidden_states = moe_hidden_states + self.shared_mlp(hidden_states)` before
`residual + hidden_states * self.residual_multiplier`), configuration_granitemoeshared.py (v5: granitemoe's
fields and defaults + shared_intermediate_size 0). Everything else is modeling_granitemoe.py's (imported).
Checkpoint keys are the runtime names: model.layers.{i}.shared_mlp.input_linear / output_linear.
"""
import torch.nn.functional as F
from torch import nn

import modeling_granitemoe as granite
from hf_common import Config

ARCHITECTURE = 'GraniteMoeSharedForCausalLM'
DEFAULT_THETA = granite.DEFAULT_THETA
DEFAULTS = dict(granite.DEFAULTS, shared_intermediate_size=0)


def make_config(values):
    config = Config(values, DEFAULTS, DEFAULT_THETA)
    if config.num_key_value_heads is None:  # for backward compatibility
        config.num_key_value_heads = config.num_attention_heads
    return config


class GraniteMoeSharedMLP(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.input_size = config.hidden_size
        self.hidden_size = config.shared_intermediate_size
        self.activation = {'silu': F.silu}[config.hidden_act]
        self.input_linear = nn.Linear(self.input_size, self.hidden_size * 2, bias=False)
        self.output_linear = nn.Linear(self.hidden_size, self.input_size, bias=False)

    def forward(self, hidden_states):
        hidden_states = self.input_linear(hidden_states)
        chunked_hidden_states = hidden_states.chunk(2, dim=-1)
        hidden_states = self.activation(chunked_hidden_states[0]) * chunked_hidden_states[1]
        hidden_states = self.output_linear(hidden_states)
        return hidden_states


class GraniteMoeSharedDecoderLayer(granite.GraniteMoeDecoderLayer):
    def __init__(self, config, layer_idx):
        super().__init__(config, layer_idx)
        self.shared_mlp = None if config.shared_intermediate_size == 0 else GraniteMoeSharedMLP(config)

    def forward(self, hidden_states, attention_mask=None, position_embeddings=None, **kwargs):
        residual = hidden_states
        hidden_states = self.input_layernorm(hidden_states)
        hidden_states, _ = self.self_attn(hidden_states=hidden_states, attention_mask=attention_mask,
                                          position_embeddings=position_embeddings)
        hidden_states = residual + hidden_states * self.residual_multiplier
        residual = hidden_states
        hidden_states = self.post_attention_layernorm(hidden_states)
        moe_hidden_states = self.block_sparse_moe(hidden_states)
        if self.shared_mlp is None:
            hidden_states = moe_hidden_states
        else:
            hidden_states = moe_hidden_states + self.shared_mlp(hidden_states)
        hidden_states = residual + hidden_states * self.residual_multiplier
        return hidden_states


def build_model(config):
    return granite.GraniteMoeForCausalLM(config, [GraniteMoeSharedDecoderLayer(config, i) for i in range(config.num_hidden_layers)])
