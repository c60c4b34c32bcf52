"""Port of huggingface/transformers src/transformers/modeling_rope_utils.py (eager RoPE parameters).

Followed: the v5 form of `_compute_yarn_parameters` (reads `config.rope_parameters`; `factor` is
taken as given, `truncate` honoured) as stored in the index for transformers 5.x (the copy quoted
by third-party vendored files of `modeling_rope_utils.py`, and the v4.56-era form in
NVIDIA TensorRT-LLM's `compute_yarn_parameters`, which cites transformers main L197-L288).
Where the stored versions disagree (commits 0044e3b3 / ef468064, transformers 4.44-4.46):
  * 4.4x: `attention_factor = 0.1*ln(factor)+1` only (no mscale / mscale_all_dim), correction range
    from `max_position_embeddings`, no `truncate`.
  * 4.5x (after gpt-oss, 4.55): mscale/mscale_all_dim and `truncate`; and, when
    `original_max_position_embeddings` is in rope_scaling, `factor` is REPLACED by
    max_position_embeddings / original_max_position_embeddings.
  * 5.x: `factor` kept; only if it is None is it derived from that ratio.
The fixtures make the three agree on what they share: every YaRN case states
factor == max_position_embeddings / original_max_position_embeddings (so 4.5x and 5.x agree).
"""
import math

import torch


def standardize_rope_params(config):
    """Port of RotaryEmbeddingConfigMixin.convert_rope_params_to_dict / standardize_rope_params
    (transformers 5.x configuration_utils / modeling_rope_utils): a v4 config.json carries
    `rope_theta` + `rope_scaling` (legacy key `type`), a v5 one `rope_parameters` (with
    `rope_theta` inside). Returns the v5 dict."""
    params = getattr(config, 'rope_parameters', None) or getattr(config, 'rope_scaling', None) or {}
    params = dict(params)
    if 'type' in params and 'rope_type' not in params:  # BC: "rope_type" was originally "type"
        params['rope_type'] = params.pop('type')
    params.setdefault('rope_type', 'default')
    theta = getattr(config, 'rope_theta', None)
    params.setdefault('rope_theta', theta if theta is not None else config.default_theta)
    if params['rope_type'] == 'yarn':
        params.setdefault('original_max_position_embeddings', config.max_position_embeddings)
    for key in ('beta_fast', 'beta_slow', 'factor'):  # "Models on the hub were saved as int"
        if key in params and params[key] is not None:
            params[key] = float(params[key])
    return params


def _compute_default_rope_parameters(config, device=None, seq_len=None):
    """LlamaRotaryEmbedding.compute_default_rope_parameters (v5) / _compute_default_rope_parameters."""
    rope_parameters_dict = config.rope_parameters
    base = rope_parameters_dict['rope_theta']
    partial_rotary_factor = rope_parameters_dict.get('partial_rotary_factor', getattr(config, 'partial_rotary_factor', 1.0))
    head_dim = getattr(config, 'head_dim', None) or config.hidden_size // config.num_attention_heads
    dim = int(head_dim * partial_rotary_factor)
    attention_factor = 1.0  # Unused in this type of RoPE
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).to(device=device, dtype=torch.float) / dim))
    return inv_freq, attention_factor


def _compute_yarn_parameters(config, device=None, seq_len=None):
    """_compute_yarn_parameters, transformers 5.x (see module doc for the version differences)."""
    rope_parameters_dict = config.rope_parameters

    base = rope_parameters_dict['rope_theta']
    partial_rotary_factor = rope_parameters_dict.get('partial_rotary_factor', 1.0)
    head_dim = getattr(config, 'head_dim', None) or config.hidden_size // config.num_attention_heads
    dim = int(head_dim * partial_rotary_factor)

    factor = rope_parameters_dict['factor']
    attention_factor = rope_parameters_dict.get('attention_factor')
    mscale = rope_parameters_dict.get('mscale')
    mscale_all_dim = rope_parameters_dict.get('mscale_all_dim')
    original_max_position_embeddings = rope_parameters_dict['original_max_position_embeddings']

    # NOTE: DeepSeek-V3 (and potentially other models) have `original_max_position_embeddings` field
    # containing the pretrained value. They use the ratio between `max_position_embeddings` and this value
    # to compute the default attention scaling factor, instead of using `factor`.
    if factor is None:
        factor = config.max_position_embeddings / original_max_position_embeddings

    def get_mscale(scale, mscale=1):
        if scale <= 1:
            return 1.0
        return 0.1 * mscale * math.log(scale) + 1.0

    # Sets the attention factor as suggested in the paper
    if attention_factor is None:
        if mscale and mscale_all_dim:
            attention_factor = float(get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim))
        else:
            attention_factor = get_mscale(factor)

    # beta_fast/beta_slow: as suggested in the paper, default to 32/1 (correspondingly)
    beta_fast = rope_parameters_dict.get('beta_fast') or 32
    beta_slow = rope_parameters_dict.get('beta_slow') or 1

    def find_correction_dim(num_rotations, dim, base, max_position_embeddings):
        """Inverse dimension formula to find the dimension based on the number of rotations"""
        return (dim * math.log(max_position_embeddings / (num_rotations * 2 * math.pi))) / (2 * math.log(base))

    def find_correction_range(low_rot, high_rot, dim, base, max_position_embeddings, truncate):
        """Find dimension range bounds based on rotations"""
        low = find_correction_dim(low_rot, dim, base, max_position_embeddings)
        high = find_correction_dim(high_rot, dim, base, max_position_embeddings)
        if truncate:
            low = math.floor(low)
            high = math.ceil(high)
        return max(low, 0), min(high, dim - 1)

    def linear_ramp_factor(min, max, dim):
        if min == max:
            max += 0.001  # Prevent singularity
        linear_func = (torch.arange(dim, dtype=torch.float32) - min) / (max - min)
        ramp_func = torch.clamp(linear_func, 0, 1)
        return ramp_func

    # "interpolation" = apply scaling factor.
    pos_freqs = base ** (torch.arange(0, dim, 2).to(device=device, dtype=torch.float) / dim)
    inv_freq_extrapolation = 1.0 / pos_freqs
    inv_freq_interpolation = 1.0 / (factor * pos_freqs)

    truncate = config.rope_parameters.get('truncate', True)
    low, high = find_correction_range(beta_fast, beta_slow, dim, base, original_max_position_embeddings, truncate)

    # Get n-dimensional rotational scaling corrected for extrapolation
    inv_freq_extrapolation_factor = 1 - linear_ramp_factor(low, high, dim // 2).to(device=device, dtype=torch.float)
    inv_freq = (
        inv_freq_interpolation * (1 - inv_freq_extrapolation_factor)
        + inv_freq_extrapolation * inv_freq_extrapolation_factor
    )
    return inv_freq, attention_factor


ROPE_INIT_FUNCTIONS = {
    'default': _compute_default_rope_parameters,
    'yarn': _compute_yarn_parameters,
}
