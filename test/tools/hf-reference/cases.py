"""The fixture cases: one tiny random model per entry, with the config.json exactly as written.

Config dicts imitate the Hub files of each family (field names, the remote-code extras that the
native classes ignore, `torch_dtype` for v4-saved / `dtype` for v5-saved), shrunk to tiny sizes.
Fields left out on purpose are listed in `omitted` (the importer must apply the class default).
"""

V4 = '4.57.1'   # transformers_version written by v4-era saves
V5 = '5.0.0'    # ... by v5-era saves (fused experts on disk, `dtype`, `rope_parameters`)


def case(name, model_type, config, **kw):
    base = dict(name=name, model_type=model_type, config=config, layout='v4', dtype='F32', shards=1, batch=1,
                seq=12, seed=1, attention_mask=None, mtp_layers=0, ablations=[], init={}, omitted=[], features=[],
                notes='', tokenizer=None)
    base.update(kw)
    return base


CASES = [
    case('mixtral-gqa', 'mixtral', {
        'architectures': ['MixtralForCausalLM'], 'model_type': 'mixtral', 'torch_dtype': 'float32',
        'transformers_version': V4, 'vocab_size': 96, 'hidden_size': 32, 'intermediate_size': 32,
        'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 2,
        'hidden_act': 'silu', 'max_position_embeddings': 32768, 'initializer_range': 0.02, 'rms_norm_eps': 1e-5,
        'use_cache': True, 'bos_token_id': 1, 'eos_token_id': 2, 'tie_word_embeddings': False, 'rope_theta': 1e6,
        'sliding_window': None, 'attention_dropout': 0.0, 'num_experts_per_tok': 2, 'num_local_experts': 4,
        'output_router_logits': False, 'router_aux_loss_coef': 0.02, 'router_jitter_noise': 0.0,
    }, batch=2, seq=10, seed=11,
        features=['GQA (4 q heads, 2 kv heads)', 'softmax top-2 with renormalisation (Mixtral)', 'v4 rope_theta'],
        notes='Mixtral-8x7B-shaped config, shrunk. Experts on disk as block_sparse_moe.experts.{e}.w1/w2/w3.'),

    case('mixtral-bf16-sharded-window', 'mixtral', {
        'architectures': ['MixtralForCausalLM'], 'model_type': 'mixtral', 'torch_dtype': 'bfloat16',
        'transformers_version': V4, 'vocab_size': 64, 'hidden_size': 64, 'intermediate_size': 24,
        'num_hidden_layers': 2, 'num_attention_heads': 8, 'hidden_act': 'silu', 'max_position_embeddings': 32768,
        'bos_token_id': 1, 'eos_token_id': 2, 'sliding_window': 4, 'num_experts_per_tok': 2, 'num_local_experts': 4,
    }, dtype='BF16', shards=2, seq=12, seed=21,
        omitted=['num_key_value_heads (8)', 'head_dim (hidden/heads)', 'rope_theta (1e6)', 'rms_norm_eps (1e-5)',
                 'tie_word_embeddings (false)', 'router_jitter_noise (0)'],
        ablations=[('sliding_window -> none', {'sliding_window': None})],
        features=['sliding window 4 < sequence 12 on every layer (Mixtral applies config.sliding_window to all)',
                  'BF16 checkpoint', 'two shards + model.safetensors.index.json',
                  'MixtralConfig defaults applied for omitted fields (8 kv heads = MHA here)'],
        notes='Reference logits are computed in float32 from the BF16-rounded weights.'),

    case('mixtral-instruct-tokenizer', 'mixtral', {
        'architectures': ['MixtralForCausalLM'], 'model_type': 'mixtral', 'torch_dtype': 'float32',
        'transformers_version': V4, 'vocab_size': 384, 'hidden_size': 32, 'intermediate_size': 32,
        'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 2,
        'hidden_act': 'silu', 'max_position_embeddings': 32768, 'initializer_range': 0.02, 'rms_norm_eps': 1e-5,
        'use_cache': True, 'bos_token_id': 1, 'eos_token_id': 2, 'tie_word_embeddings': False, 'rope_theta': 1e6,
        'sliding_window': None, 'attention_dropout': 0.0, 'num_experts_per_tok': 2, 'num_local_experts': 4,
        'output_router_logits': False, 'router_aux_loss_coef': 0.02, 'router_jitter_noise': 0.0,
    }, batch=2, seq=10, seed=171, tokenizer='llama2-tiny',
        features=['the model directory holds its tokenizer (tokenizer.json + tokenizer_config.json with a chat '
                  'template): test/fixtures/tokenizers/llama2-tiny, the Llama 2 SentencePiece BPE with byte fallback '
                  'that Mixtral ships, its 353 ids renumbered densely in their order', 'vocab_size 384 padded past '
                  'the tokenizer\'s 353 ids', 'GQA'],
        notes='Mixtral-8x7B-Instruct-shaped, shrunk; the fine-tuning test (test/train/finetune-hf.test.ts) trains '
              'LoRA adapters on it with its own tokenizer.'),

    case('qwen2-moe-shared', 'qwen2_moe', {
        'architectures': ['Qwen2MoeForCausalLM'], 'model_type': 'qwen2_moe', 'torch_dtype': 'float32',
        'transformers_version': V4, 'vocab_size': 64, 'hidden_size': 32, 'intermediate_size': 48,
        'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 4, 'hidden_act': 'silu',
        'max_position_embeddings': 8192, 'initializer_range': 0.02, 'rms_norm_eps': 1e-6, 'use_cache': True,
        'tie_word_embeddings': False, 'rope_theta': 1000000.0, 'use_sliding_window': False, 'sliding_window': 32768,
        'max_window_layers': 21, 'attention_dropout': 0.0, 'decoder_sparse_step': 1, 'moe_intermediate_size': 16,
        'shared_expert_intermediate_size': 32, 'num_experts_per_tok': 2, 'num_experts': 6, 'norm_topk_prob': False,
        'output_router_logits': False, 'router_aux_loss_coef': 0.001, 'mlp_only_layers': [1],
        'bos_token_id': 151643, 'eos_token_id': 151643,
    }, seed=31,
        features=['shared expert (width 32) with sigmoid shared_expert_gate', 'q/k/v biases (Qwen2-MoE always on)',
                  'mlp_only_layers [1]: layer 1 is a dense MLP (intermediate_size 48)', 'norm_topk_prob false'],
        notes='Qwen1.5-MoE-A2.7B-shaped config, shrunk; bos/eos ids as on the Hub are outside the tiny vocab '
              '(unused by a forward pass).'),

    case('qwen2-moe-step2-tied-f16', 'qwen2_moe', {
        'architectures': ['Qwen2MoeForCausalLM'], 'model_type': 'qwen2_moe', 'dtype': 'float16',
        'transformers_version': V5, 'vocab_size': 96, 'hidden_size': 32, 'intermediate_size': 48,
        'num_hidden_layers': 4, 'num_attention_heads': 4, 'num_key_value_heads': 2, 'hidden_act': 'silu',
        'max_position_embeddings': 4096, 'initializer_range': 0.02, 'rms_norm_eps': 1e-6, 'use_cache': True,
        'tie_word_embeddings': True, 'rope_parameters': {'rope_type': 'default', 'rope_theta': 10000.0},
        'use_sliding_window': False, 'sliding_window': None, 'max_window_layers': 28, 'attention_dropout': 0.0,
        'decoder_sparse_step': 2, 'moe_intermediate_size': 16, 'shared_expert_intermediate_size': 32,
        'num_experts_per_tok': 2, 'num_experts': 6, 'norm_topk_prob': True, 'output_router_logits': False,
        'router_aux_loss_coef': 0.001, 'mlp_only_layers': [], 'qkv_bias': True, 'layer_types': ['full_attention'] * 4,
    }, dtype='F16', seq=11, seed=41,
        ablations=[('norm_topk_prob -> false', {'norm_topk_prob': False})],
        features=['decoder_sparse_step 2: layers 1 and 3 are MoE, 0 and 2 dense', 'tied embeddings (no lm_head.weight)',
                  'norm_topk_prob true', 'GQA', 'F16 checkpoint', 'v5 rope_parameters'],
        notes='Reference logits are computed in float32 from the F16-rounded weights.'),

    case('qwen3-moe-yarn-fused', 'qwen3_moe', {
        'architectures': ['Qwen3MoeForCausalLM'], 'model_type': 'qwen3_moe', 'dtype': 'float32',
        'transformers_version': V5, 'vocab_size': 64, 'hidden_size': 32, 'intermediate_size': 96,
        'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 2, 'head_dim': 16,
        'hidden_act': 'silu', 'max_position_embeddings': 64, 'initializer_range': 0.02, 'rms_norm_eps': 1e-6,
        'use_cache': True, 'tie_word_embeddings': False,
        'rope_parameters': {'rope_type': 'yarn', 'rope_theta': 10000.0, 'factor': 4.0,
                            'original_max_position_embeddings': 16},
        'attention_bias': False, 'use_sliding_window': False, 'sliding_window': None, 'attention_dropout': 0.0,
        'decoder_sparse_step': 1, 'moe_intermediate_size': 16, 'num_experts_per_tok': 2, 'num_experts': 8,
        'norm_topk_prob': True, 'output_router_logits': False, 'router_aux_loss_coef': 0.001, 'mlp_only_layers': [],
        'bos_token_id': 151643, 'eos_token_id': 151645,
    }, layout='v5', seq=16, seed=51,
        ablations=[('yarn -> default rope', {'rope_parameters': {'rope_type': 'default', 'rope_theta': 10000.0}})],
        features=['per-head QK-norm with head_dim 16 != hidden/heads 8', 'YaRN (factor 4 over 16 positions, '
                  'truncate default true, attention_factor 0.1 ln 4 + 1)', 'transformers-v5 fused experts on disk '
                  '(mlp.experts.gate_up_proj [E, 2F, H], mlp.experts.down_proj [E, H, F])', 'GQA', 'norm_topk_prob true'],
        notes='Saved as transformers v5 does with save_original_format=False.'),

    case('olmoe-padded', 'olmoe', {
        'architectures': ['OlmoeForCausalLM'], 'model_type': 'olmoe', 'torch_dtype': 'float32',
        'transformers_version': V4, 'vocab_size': 64, 'hidden_size': 32, 'intermediate_size': 16,
        'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 4, 'hidden_act': 'silu',
        'max_position_embeddings': 4096, 'initializer_range': 0.02, 'rms_norm_eps': 1e-5, 'use_cache': True,
        'pad_token_id': 1, 'bos_token_id': None, 'eos_token_id': 50279, 'tie_word_embeddings': False,
        'rope_theta': 10000.0, 'rope_scaling': None, 'attention_bias': False, 'attention_dropout': 0.0,
        'clip_qkv': None, 'num_experts_per_tok': 2, 'num_experts': 8, 'output_router_logits': False,
        'router_aux_loss_coef': 0.01, 'norm_topk_prob': False,
    }, batch=2, seq=10, seed=61, attention_mask=[[1] * 10, [1] * 7 + [0] * 3],
        ablations=[('attention_mask -> none', 'no_mask')],
        features=['full-width QK-norm (q_norm weight [heads*head_dim], k_norm [kv*head_dim], over the whole '
                  'projection)', 'norm_topk_prob false', 'right padding: attention_mask row 2 ends in 3 zeros'],
        notes='Padded positions hold pad_token_id 1; position_ids are 0..S-1 for both rows (no position_ids passed, '
              'as HF forward does). Logits at padded positions are defined (their queries see the unpadded keys) '
              'and included.'),

    case('olmoe-clip-gqa-defaults-sharded', 'olmoe', {
        'architectures': ['OlmoeForCausalLM'], 'model_type': 'olmoe', 'torch_dtype': 'float32',
        'transformers_version': V4, 'vocab_size': 64, 'hidden_size': 32, 'intermediate_size': 16,
        'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 2, 'hidden_act': 'silu',
        'max_position_embeddings': 4096, 'pad_token_id': 1, 'eos_token_id': 50279, 'clip_qkv': 1.5,
        'num_experts_per_tok': 2, 'num_experts': 6,
    }, shards=3, seq=12, seed=71,
        omitted=['rms_norm_eps (1e-5)', 'rope_theta (10000)', 'norm_topk_prob (false)', 'attention_bias (false)',
                 'tie_word_embeddings (false)'],
        ablations=[('clip_qkv -> none', {'clip_qkv': None})],
        features=['clip_qkv 1.5 (clamps q and k after their norms, and v)', 'full-width QK-norm with GQA '
                  '(q_norm weight [32], k_norm weight [2*8])', 'three shards + index', 'OlmoeConfig defaults for omitted fields']),

    case('deepseek-v3-mla-yarn', 'deepseek_v3', {
        'architectures': ['DeepseekV3ForCausalLM'], 'model_type': 'deepseek_v3', 'torch_dtype': 'float32',
        'transformers_version': V4, 'vocab_size': 64, 'hidden_size': 32, 'intermediate_size': 48,
        'moe_intermediate_size': 8, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 4,
        'n_shared_experts': 1, 'n_routed_experts': 12, 'routed_scaling_factor': 2.5, 'kv_lora_rank': 16,
        'q_lora_rank': 16, 'qk_rope_head_dim': 8, 'v_head_dim': 16, 'qk_nope_head_dim': 16, 'n_group': 3,
        'topk_group': 2, 'num_experts_per_tok': 3, 'first_k_dense_replace': 1, 'norm_topk_prob': True,
        'hidden_act': 'silu', 'max_position_embeddings': 64, 'initializer_range': 0.02, 'rms_norm_eps': 1e-5,
        'use_cache': True, 'bos_token_id': 0, 'eos_token_id': 1, 'tie_word_embeddings': False, 'rope_theta': 10000,
        'rope_scaling': {'beta_fast': 32, 'beta_slow': 1, 'factor': 4, 'mscale': 1.0, 'mscale_all_dim': 0.8,
                         'original_max_position_embeddings': 16, 'type': 'yarn'},
        'rope_interleave': True, 'attention_bias': False, 'attention_dropout': 0.0,
        'topk_method': 'noaux_tc', 'scoring_func': 'sigmoid', 'moe_layer_freq': 1, 'ep_size': 1,
        'aux_loss_alpha': 0.001, 'seq_aux': True, 'num_nextn_predict_layers': 0,
    }, batch=2, seq=12, seed=81, init={'mla_latent_scale': 0.003},
        ablations=[('e_score_correction_bias -> 0', 'zero_correction_bias'),
                   ('topk_group -> n_group (no group limit)', {'topk_group': 3}),
                   ('routed_scaling_factor -> 1', {'routed_scaling_factor': 1.0}),
                   ('yarn -> default rope (also drops the mscale^2 softmax scale)', {'rope_scaling': None}),
                   ('rope_interleave -> false', {'rope_interleave': False}),
                   ('q_a/kv_a_layernorm eps -> rms_norm_eps (1e-5)', 'mla_eps_from_config')],
        features=['MLA with q_lora (q_a_proj / q_a_layernorm / q_b_proj), kv_a_proj_with_mqa, kv_a_layernorm',
                  'sigmoid scoring + e_score_correction_bias (selection only)',
                  'group-limited top-k: 3 groups of 4, 2 kept by top-2-sum group score, top-3 experts',
                  'norm_topk_prob true + routed_scaling_factor 2.5', 'first_k_dense_replace 1 (layer 0 dense)',
                  'shared expert', 'YaRN factor 4 with mscale 1.0 != mscale_all_dim 0.8 (attention_factor '
                  '1.0249 on cos/sin) and softmax scale x mscale(4, 0.8)^2', 'rope_interleave (interleaved rope rows)',
                  'v4 rope_scaling with the legacy "type" key, int-valued factor/betas as on the Hub',
                  'MLA latent norms use eps 1e-6 while rms_norm_eps is 1e-5; the latents are small (RMS ~3e-3) '
                  'so the difference shows'],
        notes='Hub remote-code fields (topk_method noaux_tc, scoring_func, moe_layer_freq, ep_size, aux_loss_alpha, '
              'seq_aux, num_nextn_predict_layers) are present and ignored by the native class.'),

    case('deepseek-v3-noqlora-defaults', 'deepseek_v3', {
        'architectures': ['DeepseekV3ForCausalLM'], 'model_type': 'deepseek_v3', 'dtype': 'float32',
        'transformers_version': V5, 'vocab_size': 64, 'hidden_size': 32, 'intermediate_size': 48,
        'moe_intermediate_size': 16, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 4,
        'n_shared_experts': 2, 'n_routed_experts': 6, 'routed_scaling_factor': 1.5, 'kv_lora_rank': 16,
        'q_lora_rank': None, 'qk_rope_head_dim': 8, 'v_head_dim': 8, 'qk_nope_head_dim': 8, 'n_group': 1,
        'topk_group': 1, 'num_experts_per_tok': 2, 'first_k_dense_replace': 0, 'norm_topk_prob': False,
        'max_position_embeddings': 4096, 'tie_word_embeddings': False,
        'rope_parameters': {'rope_type': 'default', 'rope_theta': 10000.0},
    }, seq=10, seed=91,
        omitted=['rope_interleave (true)', 'rms_norm_eps (1e-6)', 'attention_bias (false)', 'hidden_act (silu)'],
        ablations=[('rope_interleave -> false', {'rope_interleave': False}),
                   ('e_score_correction_bias -> 0', 'zero_correction_bias')],
        features=['MLA without q_lora (q_proj)', 'sigmoid scoring + correction bias without groups (n_group 1)',
                  'norm_topk_prob false with routed_scaling_factor 1.5', 'two shared experts (width 2*16)',
                  'every layer MoE (first_k_dense_replace 0)', 'v5 rope_parameters, default RoPE',
                  'rope_interleave left out: DeepseekV3Config default true applies']),

    case('deepseek-v3-fp8-mtp', 'deepseek_v3', {
        'architectures': ['DeepseekV3ForCausalLM'], 'model_type': 'deepseek_v3', 'torch_dtype': 'bfloat16',
        'transformers_version': V4, 'vocab_size': 64, 'hidden_size': 64, 'intermediate_size': 160,
        'moe_intermediate_size': 16, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 4,
        'n_shared_experts': 1, 'n_routed_experts': 8, 'routed_scaling_factor': 2.5, 'kv_lora_rank': 32,
        'q_lora_rank': 32, 'qk_rope_head_dim': 16, 'v_head_dim': 32, 'qk_nope_head_dim': 32, 'n_group': 4,
        'topk_group': 2, 'num_experts_per_tok': 2, 'first_k_dense_replace': 1, 'norm_topk_prob': True,
        'hidden_act': 'silu', 'max_position_embeddings': 163840, 'initializer_range': 0.02, 'rms_norm_eps': 1e-6,
        'use_cache': True, 'bos_token_id': 0, 'eos_token_id': 1, 'tie_word_embeddings': False, 'rope_theta': 10000,
        'rope_scaling': {'beta_fast': 32, 'beta_slow': 1, 'factor': 40, 'mscale': 1.0, 'mscale_all_dim': 1.0,
                         'original_max_position_embeddings': 4096, 'type': 'yarn'},
        'attention_bias': False, 'attention_dropout': 0.0, 'topk_method': 'noaux_tc', 'scoring_func': 'sigmoid',
        'moe_layer_freq': 1, 'ep_size': 1, 'aux_loss_alpha': 0.001, 'seq_aux': True, 'num_nextn_predict_layers': 1,
        'quantization_config': {'activation_scheme': 'dynamic', 'fmt': 'e4m3', 'quant_method': 'fp8',
                                'weight_block_size': [128, 128]},
    }, layout='v4', dtype='fp8', shards=2, seq=12, seed=101, mtp_layers=1,
        features=['FP8 E4M3 linear weights + F32 weight_scale_inv per 128x128 block; blocks crossed with ragged '
                  'edges (q_b_proj 192 rows, kv_b_proj 256, dense MLP 160 both ways)', 'BF16 for the non-quantised '
                  'tensors, F32 e_score_correction_bias', 'MTP layer stored as model.layers.2.* '
                  '(num_nextn_predict_layers 1): not part of the main-head logits', 'YaRN as DeepSeek-V3 ships it '
                  '(factor 40 over 4096, mscale = mscale_all_dim = 1: attention_factor 1, softmax scale x '
                  '(0.1 ln 40 + 1)^2)', 'group-limited routing with groups of 2'],
        notes='Logits computed in float32 from the dequantised weights (DeepSeek weight_dequant; block scales have '
              '4 significant bits so the product is exact in BF16 and F32). transformers with FP8 kernels would also '
              'quantise activations (act_quant) and differ; compare against a dequantise-then-run path.'),

    case('deepseek-v2-lite', 'deepseek_v2', {
        'architectures': ['DeepseekV2ForCausalLM'], 'model_type': 'deepseek_v2', 'torch_dtype': 'float32',
        'transformers_version': V4, 'vocab_size': 64, 'hidden_size': 32, 'intermediate_size': 48,
        'moe_intermediate_size': 16, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 4,
        'n_shared_experts': 2, 'n_routed_experts': 8, 'routed_scaling_factor': 1.0, 'kv_lora_rank': 16,
        'q_lora_rank': None, 'qk_rope_head_dim': 8, 'v_head_dim': 16, 'qk_nope_head_dim': 16, 'n_group': 1,
        'topk_group': 1, 'topk_method': 'greedy', 'num_experts_per_tok': 2, 'first_k_dense_replace': 1,
        'norm_topk_prob': False, 'hidden_act': 'silu', 'max_position_embeddings': 4096, 'initializer_range': 0.02,
        'rms_norm_eps': 1e-6, 'use_cache': True, 'bos_token_id': 100000, 'eos_token_id': 100001,
        'tie_word_embeddings': False, 'rope_theta': 10000, 'rope_scaling': None, 'attention_bias': False,
        'attention_dropout': 0.0, 'scoring_func': 'softmax', 'moe_layer_freq': 1, 'aux_loss_alpha': 0.001,
        'seq_aux': True,
    }, batch=2, seq=10, seed=111,
        features=['MLA without q_lora (DeepSeek-V2-Lite style)', 'softmax greedy top-2', 'two shared experts',
                  'first_k_dense_replace 1', 'interleaved RoPE via complex multiplication (V2 apply_rotary_emb)'],
        notes='The native DeepseekV2 class never renormalises top-k weights (norm_topk_prob false here, as in '
              'V2-Lite) and applies no YaRN mscale to the softmax scale; default RoPE is used.'),

    case('deepseek-v2-group-limited', 'deepseek_v2', {
        'architectures': ['DeepseekV2ForCausalLM'], 'model_type': 'deepseek_v2', 'torch_dtype': 'float32',
        'transformers_version': V4, 'vocab_size': 64, 'hidden_size': 32, 'intermediate_size': 48,
        'moe_intermediate_size': 8, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 4,
        'n_shared_experts': 1, 'n_routed_experts': 12, 'routed_scaling_factor': 4.0, 'kv_lora_rank': 16,
        'q_lora_rank': 16, 'qk_rope_head_dim': 8, 'v_head_dim': 16, 'qk_nope_head_dim': 16, 'n_group': 3,
        'topk_group': 2, 'topk_method': 'group_limited_greedy', 'num_experts_per_tok': 3,
        'first_k_dense_replace': 0, 'norm_topk_prob': False, 'hidden_act': 'silu', 'max_position_embeddings': 4096,
        'initializer_range': 0.02, 'rms_norm_eps': 1e-6, 'use_cache': True, 'bos_token_id': 100000,
        'eos_token_id': 100001, 'tie_word_embeddings': False, 'rope_theta': 10000, 'attention_bias': False,
        'attention_dropout': 0.0, 'scoring_func': 'softmax', 'moe_layer_freq': 1, 'aux_loss_alpha': 0.003,
        'seq_aux': True,
    }, seq=12, seed=121,
        ablations=[('topk_group -> n_group (no group limit)', {'topk_group': 3}),
                   ('routed_scaling_factor -> 1', {'routed_scaling_factor': 1.0})],
        features=['softmax group_limited_greedy: group score = max, 2 of 3 groups, top-3',
                  'routed_scaling_factor 4.0', 'MLA with q_lora', 'every layer MoE']),

    case('gpt-oss-sinks-window-yarn', 'gpt_oss', {
        'architectures': ['GptOssForCausalLM'], 'model_type': 'gpt_oss', 'torch_dtype': 'float32',
        'transformers_version': V4, 'vocab_size': 64, 'hidden_size': 32, 'intermediate_size': 32, 'head_dim': 16,
        'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 2, 'num_local_experts': 4,
        'num_experts_per_tok': 2, 'experts_per_token': 2, 'sliding_window': 4,
        'layer_types': ['sliding_attention', 'full_attention'], 'hidden_act': 'silu', 'initializer_range': 0.02,
        'max_position_embeddings': 1024, 'initial_context_length': 256, 'rms_norm_eps': 1e-5, 'rope_theta': 150000,
        'rope_scaling': {'beta_fast': 32.0, 'beta_slow': 1.0, 'factor': 4.0, 'original_max_position_embeddings': 256,
                         'rope_type': 'yarn', 'truncate': False},
        'attention_bias': True, 'attention_dropout': 0.0, 'swiglu_limit': 7.0, 'router_aux_loss_coef': 0.9,
        'output_router_logits': False, 'use_cache': True, 'tie_word_embeddings': False, 'eos_token_id': 2,
        'pad_token_id': 0,
    }, layout='gpt_oss', batch=2, seq=12, seed=131, init={'gpt_oss_gate_up_gain': 4.0},
        ablations=[('sinks -> -inf', 'no_sinks'), ('swiglu clamp removed (limit -> inf)', 'no_clamp'), ('sliding_window -> none', {'sliding_window': None}),
                   ('truncate -> true', 'truncate_true'), ('yarn -> default rope', {'rope_scaling': {'rope_type': 'default'}})],
        features=['attention sinks', 'sliding window 4 on layer 0 only (layer_types), full attention on layer 1',
                  'YaRN truncate=false (correction range not rounded) over original 256',
                  'clamped SwiGLU with interleaved gate/up and biases, clamp active (gate > 7 and |up| > 7 occur)',
                  'router with bias, softmax over the top-k logits', 'gpt-oss fused bf16-style layout '
                  '(gate_up_proj [E, H, 2F], down_proj [E, F, H], already [in, out]) stored in F32',
                  'head_dim 16 != hidden/heads 8', 'GQA']),

    case('gpt-oss-mxfp4-defaults', 'gpt_oss', {
        'architectures': ['GptOssForCausalLM'], 'model_type': 'gpt_oss', 'torch_dtype': 'bfloat16',
        'transformers_version': V4, 'vocab_size': 64, 'hidden_size': 64, 'intermediate_size': 64, 'head_dim': 16,
        'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 2, 'num_local_experts': 4,
        'num_experts_per_tok': 2, 'experts_per_token': 2, 'sliding_window': 3, 'max_position_embeddings': 131072,
        'initial_context_length': 4096, 'rms_norm_eps': 1e-5, 'swiglu_limit': 7.0, 'eos_token_id': 2,
        'pad_token_id': 0,
        'quantization_config': {'modules_to_not_convert': ['model.layers.*.self_attn', 'model.layers.*.mlp.router',
                                                           'model.embed_tokens', 'lm_head'], 'quant_method': 'mxfp4'},
    }, layout='mxfp4', dtype='mxfp4', seq=10, seed=141, init={'gpt_oss_gate_up_gain': 4.0},
        omitted=['rope_theta (150000)', 'rope_scaling (yarn factor 32, beta_fast 32, beta_slow 1, truncate false, '
                 'original_max_position_embeddings 4096)', 'layer_types (sliding on even layers)',
                 'tie_word_embeddings (false)', 'attention_bias (true)'],
        ablations=[('sliding_window -> none', {'sliding_window': None}),
                   ('swiglu clamp removed (limit -> inf)', 'no_clamp'),
                   ('yarn -> default rope', {'rope_scaling': {'rope_type': 'default'}})],
        features=['MXFP4 experts (*_blocks U8 [E, rows, in/32, 16], *_scales U8 E8M0 [E, rows, in/32]), BF16 rest',
                  'GptOssConfig defaults: YaRN x32 over 4096 (truncate false), alternating layer_types',
                  'sliding window 3 on layer 0'],
        notes='Logits computed in float32 from the dequantised experts (convert_moe_packed_tensors: E2M1 x 2^(s-127), '
              'exact in BF16).'),

    case('glm4-moe-partial-rope-qknorm-mtp', 'glm4_moe', {
        'architectures': ['Glm4MoeForCausalLM'], 'model_type': 'glm4_moe', 'torch_dtype': 'float32',
        'transformers_version': '4.54.1', 'vocab_size': 64, 'hidden_size': 32, 'intermediate_size': 48,
        'moe_intermediate_size': 8, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 2,
        'head_dim': 16, 'partial_rotary_factor': 0.5, 'attention_bias': True, 'attention_dropout': 0.0,
        'use_qk_norm': True, 'n_routed_experts': 12, 'n_shared_experts': 1, 'num_experts_per_tok': 3,
        'n_group': 3, 'topk_group': 2, 'first_k_dense_replace': 1, 'norm_topk_prob': True,
        'routed_scaling_factor': 2.5, 'hidden_act': 'silu', 'max_position_embeddings': 131072,
        'initializer_range': 0.02, 'rms_norm_eps': 1e-5, 'use_cache': True, 'pad_token_id': 0,
        'eos_token_id': [1, 2, 3], 'tie_word_embeddings': False, 'rope_scaling': None, 'rope_theta': 1000000,
        'num_nextn_predict_layers': 1,
    }, seq=12, batch=2, seed=161, mtp_layers=1,
        ablations=[('partial_rotary_factor -> 1 (whole head rotated)', {'partial_rotary_factor': 1.0}),
                   ('e_score_correction_bias -> 0', 'zero_correction_bias'),
                   ('topk_group -> n_group (no group limit)', {'topk_group': 3}),
                   ('routed_scaling_factor -> 1', {'routed_scaling_factor': 1.0})],
        features=['partial rotary 0.5: rotate-half on the first 8 of 16 head channels, the rest passed through',
                  'head_dim 16 != hidden/heads 8 (GLM-4.5: 128 with 96 heads over 4096)',
                  'per-head QK-norm (use_qk_norm, GLM-4.5)', 'q/k/v biases with an unbiased o_proj (attention_bias)',
                  'GQA (4 q heads, 2 kv heads)', 'sigmoid router + e_score_correction_bias (selection only), '
                  'group-limited: 3 groups of 4, 2 kept by top-2-sum, top-3', 'norm_topk_prob true + '
                  'routed_scaling_factor 2.5', 'first_k_dense_replace 1 (layer 0 dense, width 48)',
                  'one shared expert (width 8)', 'MTP layer stored as model.layers.2.* (num_nextn_predict_layers 1): '
                  'not part of the main-head logits', 'v4 rope_theta 1e6 with rope_scaling null, as GLM-4.5 ships'],
        notes='GLM-4.5-shaped config (zai-org/GLM-4.5 fields: use_qk_norm true, routed_scaling_factor 2.5), shrunk; '
              'GLM-4.5 itself has n_group 1, the groups here exercise the group-limited path the class has.'),

    case('granitemoe-multipliers-tied', 'granitemoe', {
        'architectures': ['GraniteMoeForCausalLM'], 'model_type': 'granitemoe', 'torch_dtype': 'float32',
        'transformers_version': V4, 'vocab_size': 64, 'hidden_size': 32, 'intermediate_size': 16,
        'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 2, 'hidden_act': 'silu',
        'max_position_embeddings': 4096, 'initializer_range': 0.1, 'rms_norm_eps': 1e-6, 'use_cache': True,
        'bos_token_id': 0, 'eos_token_id': 0, 'pad_token_id': 0, 'tie_word_embeddings': True, 'rope_theta': 10000.0,
        'rope_scaling': None, 'attention_bias': False, 'attention_dropout': 0.0, 'embedding_multiplier': 4.0,
        'logits_scaling': 2.0, 'residual_multiplier': 0.5, 'attention_multiplier': 0.125, 'num_local_experts': 6,
        'num_experts_per_tok': 2, 'output_router_logits': False, 'router_aux_loss_coef': 0.01,
    }, layout='granitemoe', seq=12, seed=151, init={'embed_std_times_sqrt_hidden': 3.0},
        ablations=[('embedding_multiplier -> 1', {'embedding_multiplier': 1.0}),
                   ('residual_multiplier -> 1', {'residual_multiplier': 1.0}),
                   ('attention_multiplier -> head_dim^-0.5', {'attention_multiplier': 8 ** -0.5})],
        features=['Granite multipliers: embedding x4, residual x0.5, attention softmax scale 0.125 (= 1/head_dim, '
                  'not 1/sqrt), logits / 2', 'router: softmax over the top-k logits (JetMoE gating)',
                  'GraniteMoe fused expert layout: block_sparse_moe.input_linear.weight [E, 2F, H] (gate half first), '
                  'output_linear.weight [E, H, F], router.layer.weight [E, H]', 'tied embeddings', 'GQA'],
        notes='Optional model_type (issue 8: "more where cheap").'),

    case('granitemoeshared-bias-defaults', 'granitemoeshared', {
        'architectures': ['GraniteMoeSharedForCausalLM'], 'model_type': 'granitemoeshared', 'torch_dtype': 'float32',
        'transformers_version': V4, 'vocab_size': 48, 'hidden_size': 32, 'intermediate_size': 12,
        'shared_intermediate_size': 20, 'num_hidden_layers': 2, 'num_attention_heads': 4, 'num_key_value_heads': 1,
        'hidden_act': 'silu', 'max_position_embeddings': 4096, 'initializer_range': 0.1, 'use_cache': True,
        'bos_token_id': 0, 'eos_token_id': 0, 'pad_token_id': 0, 'tie_word_embeddings': False,
        'attention_bias': True, 'attention_dropout': 0.0, 'embedding_multiplier': 12.0, 'logits_scaling': 3.0,
        'residual_multiplier': 0.22, 'num_local_experts': 5, 'num_experts_per_tok': 2, 'output_router_logits': False,
        'router_aux_loss_coef': 0.001,
    }, layout='granitemoeshared', batch=2, seq=9, seed=163,
        omitted=['attention_multiplier (1.0: scores are q.k, not q.k / sqrt(head_dim))', 'rope_theta (10000)',
                 'rms_norm_eps (1e-6)'],
        ablations=[('shared_intermediate_size -> 0 (no shared MLP)', 'no_shared_mlp'),
                   ('residual_multiplier -> 1', {'residual_multiplier': 1.0}),
                   ('attention_multiplier -> head_dim^-0.5', {'attention_multiplier': 8 ** -0.5})],
        features=['Granite multipliers: embedding x12, residual x0.22, logits / 3 (Granite-3.0-like values); '
                  'attention_multiplier left out: the class default 1.0 is the softmax scale',
                  'shared MLP: shared_mlp.input_linear.weight [2F_s, H] (gate half first), output_linear.weight [H, F_s], '
                  'added to the MoE output before the residual multiplier', 'attention_bias true (q, k, v and o biases)',
                  'MQA (4 q heads, 1 kv head)', 'untied LM head'],
        notes='granitemoeshared (GraniteMoeSharedForCausalLM): granitemoe plus a shared MLP.'),
]
