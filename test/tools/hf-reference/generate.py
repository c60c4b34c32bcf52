"""Generate the golden Hugging Face fixtures in test/fixtures/hf/ (run: /usr/bin/python3 test/tools/hf-reference/generate.py).

For each case of cases.py: build the ported transformers model (modeling_<type>.py) from the
config.json as written, draw seeded random weights, write them in the case's checkpoint layout and
dtype, READ THEM BACK through checkpoint.load_for_model (decode, dequantise, conversion_mapping),
run the eager forward in float32, and write expected.json. A case is redrawn with the next seed
while any routing decision is within 1e-3 of a tie. Deterministic: same code -> same bytes.
"""
import sys

sys.dont_write_bytecode = True  # keep the tree clean (no __pycache__)

import warnings  # noqa: E402

warnings.filterwarnings('ignore', message='nn.functional.sigmoid is deprecated')  # Qwen2MoE uses F.sigmoid

import argparse  # noqa: E402
import copy  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402

import torch  # noqa: E402

import checkpoint  # noqa: E402
import hf_common  # noqa: E402
import modeling_deepseek_v2  # noqa: E402
import modeling_deepseek_v3  # noqa: E402
import modeling_glm4_moe  # noqa: E402
import modeling_gpt_oss  # noqa: E402
import modeling_granitemoe  # noqa: E402
import modeling_granitemoeshared  # noqa: E402
import modeling_mixtral  # noqa: E402
import modeling_olmoe  # noqa: E402
import modeling_qwen2_moe  # noqa: E402
import modeling_qwen3_moe  # noqa: E402
from cases import CASES  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
OUT = os.path.join(ROOT, 'test', 'fixtures', 'hf')
TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json']
MIN_MARGIN = 1e-3

MODULES = {
    'mixtral': modeling_mixtral, 'qwen2_moe': modeling_qwen2_moe, 'qwen3_moe': modeling_qwen3_moe,
    'olmoe': modeling_olmoe, 'deepseek_v2': modeling_deepseek_v2, 'deepseek_v3': modeling_deepseek_v3,
    'gpt_oss': modeling_gpt_oss, 'granitemoe': modeling_granitemoe, 'glm4_moe': modeling_glm4_moe,
    'granitemoeshared': modeling_granitemoeshared,
}

T = 'src/transformers/'
COMMON = [T + 'modeling_rope_utils.py (v5 _compute_yarn_parameters; stored v4 @ 0044e3b3, ef468064)',
          T + 'masking_utils.py @ 2ccc6cae (causal_mask_function, sliding_window_overlay, padding_mask_function)',
          T + 'conversion_mapping.py @ 000c33fd']
SOURCES = {
    'mixtral': ([T + 'models/mixtral/modular_mixtral.py @ 7792ab1a, 008f5c8c (v4)',
                 T + 'models/mixtral/modeling_mixtral.py @ 00d4b3d2',
                 T + 'models/mixtral/configuration_mixtral.py @ 008e5743 (v5)'], '008e574391258935f3ecc3035c882e73bbcac419'),
    'qwen2_moe': ([T + 'models/qwen2_moe/modular_qwen2_moe.py @ 001f85b3 (v5)',
                   T + 'models/qwen2_moe/configuration_qwen2_moe.py @ 008e5743 (v5)'], '001f85b38fb432858ace93f18622f07cec46d874'),
    'qwen3_moe': ([T + 'models/qwen3_moe/modular_qwen3_moe.py @ 00eb1166 (v5)',
                   T + 'models/qwen3_moe/configuration_qwen3_moe.py @ 008e5743 (v5)',
                   T + 'models/qwen3/modular_qwen3.py @ 02e8340b (Qwen3Attention)',
                   T + 'models/qwen2_moe/modular_qwen2_moe.py @ 001f85b3 (v5)'], '00eb1166685205e8b2c75ab33eee83dc77b18fca'),
    'olmoe': ([T + 'models/olmoe/modular_olmoe.py @ 052b1dcd',
               T + 'models/olmoe/configuration_olmoe.py @ 008e5743 (v5)'], '052b1dcdbe751ed16e8da95261021318f170a130'),
    'deepseek_v2': ([T + 'models/deepseek_v2/modeling_deepseek_v2.py @ 0233e509 (v5)',
                     T + 'models/deepseek_v2/modular_deepseek_v2.py @ 000c33fd (v5, config)'], '0233e509531ace915c8241b4c16c8032a583279c'),
    'deepseek_v3': ([T + 'models/deepseek_v3/modular_deepseek_v3.py @ 000c33fd (v5)',
                     T + 'models/deepseek_v3/modeling_deepseek_v3.py @ f5a9ec51 (v4.5x)',
                     T + 'models/deepseek_v3/configuration_deepseek_v3.py @ 001f85b3 (v5)',
                     'deepseek-ai/DeepSeek-V3 inference/kernel.py @ 06231633 (weight_dequant, FP8 case)'],
                    '000c33fdfde12e1ffafbfcdb3c926df5727a00b6'),
    'gpt_oss': ([T + 'models/gpt_oss/modular_gpt_oss.py @ 0261a467 (v5)',
                 T + 'models/gpt_oss/configuration_gpt_oss.py @ 828a27fd (v4.55), 02b8f42b (v5)',
                 T + 'integrations/mxfp4.py @ 0189b1d0 (convert_moe_packed_tensors, MXFP4 case)'],
                '0261a467116de4a9103b58200f9d82f8fb5a0e86'),
    'glm4_moe': ([T + 'models/glm4_moe/modeling_glm4_moe.py @ 000c33fd (v5, generated from modular_glm4_moe.py)',
                  T + 'models/glm4_moe/configuration_glm4_moe.py (v4.55 / v5 defaults)',
                  T + 'models/deepseek_v3/modular_deepseek_v3.py @ 000c33fd (route_tokens_to_experts, same body)'],
                 '000c33fdfde12e1ffafbfcdb3c926df5727a00b6'),
    'granitemoe': ([T + 'models/granitemoe/modular_granitemoe.py @ 023633dd',
                    T + 'models/jetmoe/modeling_jetmoe.py (JetMoeTopKGating, JetMoeParallelExperts)',
                    T + 'models/granitemoe/configuration_granitemoe.py @ 040e1a7e'], '023633dd63876e9f65e733a9f547952052b63d6a'),
    'granitemoeshared': ([T + 'models/granitemoeshared/modular_granitemoeshared.py (GraniteMoeSharedMLP, GraniteMoeSharedDecoderLayer)',
                          T + 'models/granitemoeshared/configuration_granitemoeshared.py (v5)',
                          T + 'models/granitemoe/modular_granitemoe.py @ 023633dd'], '023633dd63876e9f65e733a9f547952052b63d6a'),
}


def normal(gen, shape, std, mean=0.0):
    return torch.randn(shape, generator=gen) * std + mean


def init_weights(model, gen, case):
    """Random but not degenerate: activations O(1), logits of a few units, norms around 1, nonzero biases."""
    H = model.config.hidden_size
    gain = case['init'].get('gpt_oss_gate_up_gain', 1.0)
    tied = model.config.tie_word_embeddings
    with torch.no_grad():
        for name, p in model.named_parameters():
            shape = tuple(p.shape)
            if name == 'embed_tokens.weight':
                std = case['init'].get('embed_std_times_sqrt_hidden', 2.5) / math.sqrt(H) if tied else 1.0
                p.copy_(normal(gen, shape, std))
            elif name == 'lm_head.weight':
                p.copy_(normal(gen, shape, 2.5 / math.sqrt(H)))
            elif name.endswith('norm.weight') or name.endswith('layernorm.weight'):
                p.copy_(normal(gen, shape, 0.15, 1.0))
            elif name.endswith('sinks'):
                p.copy_(normal(gen, shape, 1.0))
            elif name.endswith('bias'):  # q/k/v/o biases, router bias, gpt-oss expert biases
                p.copy_(normal(gen, shape, 0.1))
            elif name.endswith('shared_expert_gate.weight'):
                p.copy_(normal(gen, shape, 2.0 / math.sqrt(shape[-1])))
            elif name.endswith('mlp.gate.weight') or name.endswith('router.weight') or name.endswith('router.layer.weight'):
                p.copy_(normal(gen, shape, 1.5 / math.sqrt(shape[-1])))
            elif name.endswith('experts.gate_up_proj'):
                fan_in = shape[1] if case['model_type'] == 'gpt_oss' else shape[2]
                p.copy_(normal(gen, shape, gain / math.sqrt(fan_in)))
            elif (name.endswith('input_linear.weight') or name.endswith('output_linear.weight')) and p.dim() == 3:  # Granite [E, out, in]
                p.copy_(normal(gen, shape, 1.0 / math.sqrt(shape[2])))
            elif name.endswith('experts.down_proj'):
                fan_in = shape[1] if case['model_type'] == 'gpt_oss' else shape[2]
                p.copy_(normal(gen, shape, (0.3 if case['model_type'] == 'gpt_oss' else 1.0) / math.sqrt(fan_in)))
            elif p.dim() == 2:
                p.copy_(normal(gen, shape, 1.0 / math.sqrt(shape[1])))
            else:
                raise ValueError(f'no init rule for {name} {shape}')
        latent = case['init'].get('mla_latent_scale')
        if latent:  # small MLA latents, so that q_a/kv_a_layernorm's eps (1e-6, not rms_norm_eps) shows in the logits
            for name, p in model.named_parameters():
                if name.endswith('q_a_proj.weight'):
                    p.mul_(latent)
                elif name.endswith('kv_a_proj_with_mqa.weight'):
                    p[:model.config.kv_lora_rank].mul_(latent)
        for name, b in model.named_buffers():
            if name.endswith('e_score_correction_bias'):
                b.copy_(normal(gen, tuple(b.shape), 0.05))


def mtp_tensors(case, config, gen):
    """DeepSeek-V3 Hub layout of the multi-token-prediction module at model.layers.{L}: a full
    decoder layer plus enorm, hnorm, eh_proj [H, 2H], shared_head.{norm, head} and an embed copy
    (GLM-4.5 stores its MTP layer the same way, as a Glm4MoeDecoderLayer). The native transformers
    classes do not load them (they are not part of the logits)."""
    out = {}
    L = config.num_hidden_layers
    layer_cls = getattr(MODULES[case['model_type']], 'DECODER_LAYER', modeling_deepseek_v3.DeepseekV3DecoderLayer)
    layer = layer_cls(config, L)
    init_weights_module(layer, gen, config)
    for k, t in layer.state_dict().items():
        out[f'model.layers.{L}.{k}'] = t.detach().clone()
    H, V = config.hidden_size, config.vocab_size
    out[f'model.layers.{L}.enorm.weight'] = normal(gen, (H,), 0.15, 1.0)
    out[f'model.layers.{L}.hnorm.weight'] = normal(gen, (H,), 0.15, 1.0)
    out[f'model.layers.{L}.eh_proj.weight'] = normal(gen, (H, 2 * H), 1.0 / math.sqrt(2 * H))
    out[f'model.layers.{L}.shared_head.norm.weight'] = normal(gen, (H,), 0.15, 1.0)
    out[f'model.layers.{L}.shared_head.head.weight'] = normal(gen, (V, H), 2.5 / math.sqrt(H))
    out[f'model.layers.{L}.embed_tokens.weight'] = normal(gen, (V, H), 1.0)
    return out


def init_weights_module(module, gen, config):
    fake = torch.nn.Module()
    fake.config = config
    fake.add_module('m', module)
    init_weights(fake, gen, {'init': {}, 'model_type': 'deepseek_v3'})


def build(case, config_values):
    mod = MODULES[case['model_type']]
    config = mod.make_config(copy.deepcopy(config_values))
    model = mod.build_model(config)
    model.eval()
    return model


def run(model, ids, mask):
    hf_common.ROUTING_PROBES.clear()
    modeling_gpt_oss.CLAMP_PROBES.clear()
    with torch.no_grad():
        return model(ids, attention_mask=mask)


def ablate(case, state, ids, mask, label, patch):
    values = copy.deepcopy(case['config'])
    st = dict(state)
    m = mask
    if isinstance(patch, dict):
        values.update(patch)
    elif patch == 'zero_correction_bias':
        st = {k: (torch.zeros_like(v) if k.endswith('e_score_correction_bias') else v) for k, v in st.items()}
    elif patch == 'no_sinks':
        st = {k: (torch.full_like(v, -1e4) if k.endswith('self_attn.sinks') else v) for k, v in st.items()}
    elif patch == 'truncate_true':
        values['rope_scaling'] = dict(values['rope_scaling'], truncate=True)
    elif patch == 'no_mask':
        m = None
    elif patch == 'no_shared_mlp':  # granitemoeshared with shared_intermediate_size 0: no shared_mlp module
        values['shared_intermediate_size'] = 0
        st = {k: v for k, v in st.items() if '.shared_mlp.' not in k}
    model = build(case, values)
    if patch == 'mla_eps_from_config':
        for layer in model.layers:
            for norm in ('q_a_layernorm', 'kv_a_layernorm'):
                if hasattr(layer.self_attn, norm):
                    getattr(layer.self_attn, norm).variance_epsilon = model.config.rms_norm_eps
    if patch == 'no_clamp':
        for layer in model.layers:
            layer.mlp.experts.limit = float('inf')
    checkpoint.load_runtime_state(model, st)
    return run(model, ids, m)


def draw(case, seed):
    gen = torch.Generator().manual_seed(seed)
    model = build(case, case['config'])
    init_weights(model, gen, case)
    ids = torch.randint(2, model.config.vocab_size, (case['batch'], case['seq']), generator=gen)
    mask = None
    if case['attention_mask'] is not None:
        mask = torch.tensor(case['attention_mask'])
        ids = torch.where(mask.bool(), ids, torch.full_like(ids, model.config.pad_token_id))
    state = checkpoint.runtime_state(model)
    extra = mtp_tensors(case, model.config, gen) if case['mtp_layers'] else {}
    return model, state, extra, ids, mask


def write_case(case, state, extra, dirpath):
    disk = dict(state)
    if case['layout'] == 'v4':
        disk = checkpoint.to_v4_keys(disk, case['model_type'])
    disk.update(checkpoint.to_v4_keys(extra, case['model_type']))
    tensors = checkpoint.encode_tensors(disk, case['dtype'])
    if os.path.isdir(dirpath):
        shutil.rmtree(dirpath)
    os.makedirs(dirpath)
    with open(os.path.join(dirpath, 'config.json'), 'w') as f:
        json.dump(case['config'], f, indent=2, sort_keys=True)  # PretrainedConfig.to_json_string: sorted, indent 2
        f.write('\n')
    files = checkpoint.write_checkpoint(dirpath, tensors, case['shards'])
    if case['tokenizer']:  # the model directory holds its tokenizer, as on the Hub
        src = os.path.join(os.path.dirname(OUT), 'tokenizers', case['tokenizer'])
        with open(os.path.join(src, 'tokenizer.json')) as f:
            tok = dense_ids(json.load(f))
        with open(os.path.join(dirpath, 'tokenizer.json'), 'w') as f:
            json.dump(tok, f, indent=2, ensure_ascii=False)
            f.write('\n')
        shutil.copyfile(os.path.join(src, 'tokenizer_config.json'), os.path.join(dirpath, 'tokenizer_config.json'))
        files = files + TOKENIZER_FILES
    return files


def dense_ids(tok):
    """The tokenizer with its ids renumbered 0..n-1 in their original order. The tiny tokenizer
    fixtures keep the real model's ids (up to 32164 for Llama 2) so their encodings equal the
    reference's; a tiny model's embedding needs them dense. Tokens, merges, byte fallback, special
    tokens and templates are unchanged (BPE merges name tokens, not ids)."""
    vocab = tok['model']['vocab']
    order = {old: new for new, old in enumerate(sorted(set(vocab.values()) | {t['id'] for t in tok['added_tokens']}))}
    tok['model']['vocab'] = {k: order[v] for k, v in vocab.items()}
    for t in tok['added_tokens']:
        t['id'] = order[t['id']]
    for spec in (tok.get('post_processor') or {}).get('special_tokens', {}).values():
        spec['ids'] = [order[i] for i in spec['ids']]
    return tok


def probes_ok():
    for name, v in hf_common.ROUTING_PROBES:
        if name.endswith('.kth_positive'):
            if v <= MIN_MARGIN:
                return False
        elif v < MIN_MARGIN:
            return False
    return True


def fmt(x):
    return float('%.9g' % x)


def generate_case(case):
    dirpath = os.path.join(OUT, case['name'])
    for attempt in range(40):
        seed = case['seed'] + 1000 * attempt
        model, state, extra, ids, mask = draw(case, seed)
        files = write_case(case, state, extra, dirpath)
        loaded = checkpoint.load_for_model(dirpath, case['model_type'], model.config.num_hidden_layers)
        ref = build(case, case['config'])
        checkpoint.load_runtime_state(ref, loaded)
        logits = run(ref, ids, mask)
        if probes_ok():
            break
    else:
        raise RuntimeError(f'{case["name"]}: no seed without near-ties')
    probes = list(hf_common.ROUTING_PROBES)
    clamp = torch.cat([t.reshape(-1, t.shape[-1]) for t in modeling_gpt_oss.CLAMP_PROBES], 0) if modeling_gpt_oss.CLAMP_PROBES else None
    checks = {'seed': seed, 'min_routing_margin': min((v for n, v in probes if not n.endswith('.kth_positive')), default=None)}
    kth = [v for n, v in probes if n.endswith('.kth_positive')]
    if kth:
        checks['min_selected_choice_score'] = min(kth)
    if clamp is not None:
        gate, up = clamp[:, ::2], clamp[:, 1::2]
        checks['clamp_fraction_gate_above_limit'] = float((gate > 7.0).float().mean())
        checks['clamp_fraction_up_outside_limit'] = float((up.abs() > 7.0).float().mean())
    if case['config'].get('clip_qkv'):
        checks['note_clip'] = 'see ablation clip_qkv -> none'
    rope = ref.rotary_emb
    checks['rope'] = {'rope_type': ref.config.rope_parameters['rope_type'], 'attention_scaling': float(rope.attention_scaling),
                      'inv_freq': [fmt(v) for v in rope.inv_freq.tolist()]}
    attn0 = ref.layers[0].self_attn
    checks['attention_softmax_scale'] = fmt(attn0.scaling)
    deltas = {}
    for label, patch in case['ablations']:
        other = ablate(case, loaded, ids, mask, label, patch)
        deltas[label] = fmt((other - logits).abs().max().item())
    if deltas:
        checks['ablation_max_abs_logit_change'] = deltas
    flat = logits.reshape(-1).tolist()
    mod = MODULES[case['model_type']]
    files_src, commit = SOURCES[case['model_type']]
    expected = {
        'model_type': case['model_type'],
        'architecture': mod.ARCHITECTURE,
        'input_ids': ids.tolist(),
        **({'attention_mask': mask.tolist()} if mask is not None else {}),
        'logits_shape': list(logits.shape),
        'logits': [fmt(v) for v in flat],
        'max_abs_logit': fmt(max(abs(v) for v in flat)),
        'tolerance': '1e-4 * max(1, max_abs_logit), absolute, per logit',
        'layout': case['layout'], 'dtype': case['dtype'], 'shards': case['shards'], 'files': files,
        'features': case['features'],
        'omitted_config_fields': case['omitted'],
        'checks': checks,
        'source': {'transformers_files': files_src + COMMON, 'commit': commit,
                   'port': 'test/tools/hf-reference/modeling_%s.py' % case['model_type']},
        'notes': case['notes'],
    }
    with open(os.path.join(dirpath, 'expected.json'), 'w') as f:
        f.write(dump_expected(expected))
    return expected


def dump_expected(expected):
    """Indented JSON with the long numeric arrays kept on one line each (readable, and small)."""
    inline = {k: expected[k] for k in ('input_ids', 'attention_mask', 'logits_shape', 'logits') if k in expected}
    body = {k: ('@@%s@@' % k if k in inline else v) for k, v in expected.items()}
    text = json.dumps(body, indent=1)
    for k, v in inline.items():
        text = text.replace('"@@%s@@"' % k, json.dumps(v, separators=(',', ':')))
    return text + '\n'


README_HEAD = """# Golden Hugging Face fixtures

Generated by `/usr/bin/python3 test/tools/hf-reference/generate.py` (do not edit by hand; this file is
regenerated with them). Each directory is a tiny random Hugging Face model as it would sit on the
Hub: `config.json`, the safetensors checkpoint (single file, or shards +
`model.safetensors.index.json`) and `expected.json`, the logits that the transformers modeling code
computes for `input_ids` (float32, row-major `[batch, seq, vocab]`, compare within
`1e-4 * max(1, max_abs_logit)`).

The logits come from a port of the transformers modeling files to torch 1.13
(`test/tools/hf-reference/modeling_<type>.py`, each function citing the file and commit read), fed
from the checkpoint bytes as written (read back, decoded, dequantised). `expected.json` also lists
the features the case exercises, the config fields deliberately left out (the importer must apply
the configuration-class default), and `checks`: the seed, the smallest routing margin (cases are
redrawn until every top-k / group choice is at least 1e-3 from a tie), the RoPE `inv_freq` and
attention scaling, the softmax scale of layer 0, and `ablation_max_abs_logit_change` (how far the
logits move when a feature is switched off: evidence that the feature matters in this case).
`test/tools/hf-reference/selfcheck.py` recomputes every case independently (float64 NumPy in moec's
layout, and moec's own `test/reference/numpy_reference.py` where moec's semantics already cover
the case); all agree to about 1e-5.

Layouts: **v4** = per-expert keys as on the Hub (mixtral `block_sparse_moe.experts.{e}.w1/w2/w3`,
others `mlp.experts.{e}.{gate,up,down}_proj`); **v5** = transformers-v5 fused `mlp.experts.gate_up_proj`
[E, 2F, H] (gate rows, then up rows) + `mlp.experts.down_proj` [E, H, F]; **gpt_oss** = gpt-oss's own
fused layout, `gate_up_proj` [E, H, 2F] with gate/up interleaved in the last axis, `down_proj`
[E, F, H], with `*_bias`; **mxfp4** = gpt-oss Hub layout, `*_blocks` U8 [E, rows, in/32, 16] +
`*_scales` U8 (E8M0) [E, rows, in/32]. **fp8** = F8_E4M3 linear weights with F32
`weight_scale_inv` per 128x128 block (BF16 elsewhere). DeepSeek q / kv_a rope rows are interleaved
(`rope_interleave`): moec's rotate-half needs the permutation [0, 2, 4, ..., 1, 3, 5, ...] inside
each rope block.

| case | model_type | features | layout / dtype | config fields left out (class default) |
|---|---|---|---|---|
"""


def write_readme():
    rows = []
    for case in CASES:
        layout = f"{case['layout']} / {case['dtype']}" + (f", {case['shards']} shards" if case['shards'] > 1 else '')
        cell = lambda items: '; '.join(items).replace('|', '\\|') or '—'  # noqa: E731 (markdown pipes)
        rows.append(f"| `{case['name']}` | {case['model_type']} | {cell(case['features'])} | {layout} | "
                    f"{cell(case['omitted'])} |")
    with open(os.path.join(OUT, 'README.md'), 'w') as f:
        f.write(README_HEAD + '\n'.join(rows) + '\n')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('names', nargs='*', help='only these cases')
    args = ap.parse_args()
    torch.set_num_threads(1)  # deterministic reductions
    os.makedirs(OUT, exist_ok=True)
    if not args.names:  # a full run leaves no orphaned case directory behind
        for d in os.listdir(OUT):
            if os.path.isdir(os.path.join(OUT, d)) and d not in {c['name'] for c in CASES}:
                shutil.rmtree(os.path.join(OUT, d))
    for case in CASES:
        if args.names and case['name'] not in args.names:
            continue
        e = generate_case(case)
        c = e['checks']
        print(f"{case['name']:34s} seed {c['seed']:5d}  max|logit| {e['max_abs_logit']:7.3f}  "
              f"min margin {c['min_routing_margin']:.2e}  {json.dumps(c.get('ablation_max_abs_logit_change', {}))}")
    write_readme()


if __name__ == '__main__':
    main()
