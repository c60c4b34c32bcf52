"""HF checkpoint layouts: runtime (v5) state dict <-> files on disk, and the loader the reference
logits are computed through (so every expected logit comes from the bytes that were written).

Layouts (see test/fixtures/hf/README.md):
  * 'v4'     per-expert keys as on the Hub: mixtral `block_sparse_moe.gate` +
               `block_sparse_moe.experts.{e}.w1/w3/w2`, others `mlp.experts.{e}.{gate,up,down}_proj`.
  * 'v5'     transformers-v5 fused: `mlp.experts.gate_up_proj` [E, 2F, H] (gate rows first, then up:
               conversion_mapping.py @ 000c33fd, MergeModulelist(dim=0) + Concatenate(dim=1)) and
               `mlp.experts.down_proj` [E, H, F] (MergeModulelist(dim=0) of the w2/down_proj [H, F]).
  * 'gpt_oss' gpt-oss's own fused layout (runtime = disk): gate_up_proj [E, H, 2F] interleaved.
  * 'mxfp4'  gpt-oss Hub layout: experts' gate_up_proj/down_proj as *_blocks/*_scales (quant.py).
Dtypes: F32, BF16, F16 for floating tensors; 'fp8' = F8_E4M3 + F32 `weight_scale_inv` for the
linear weights DeepSeek-V3 quantises, BF16 for the rest, F32 for e_score_correction_bias
(`_keep_in_fp32_modules_strict`).
"""
import json
import os
import re

import numpy as np
import torch

import quant
from safetensors_io import read_safetensors, write_safetensors

FLOAT_CODECS = {
    'F32': (quant.to_f32_bytes, quant.from_f32_bytes),
    'BF16': (quant.to_bf16_bytes, quant.from_bf16_bytes),
    'F16': (quant.to_f16_bytes, quant.from_f16_bytes),
}


def hf_name(port_name):
    """Port module path -> HF runtime key (LlamaForCausalLM: `model.` prefix except lm_head)."""
    return port_name if port_name.startswith('lm_head') else 'model.' + port_name


def runtime_state(model):
    state = {}
    for name, t in model.state_dict().items():
        if name.startswith('lm_head') and model.config.tie_word_embeddings:
            continue  # tied: absent from the checkpoint
        state[hf_name(name)] = t.detach().clone().float()
    return state


def load_runtime_state(model, state):
    own = {hf_name(k): k for k in model.state_dict().keys()
           if not (k.startswith('lm_head') and model.config.tie_word_embeddings)}
    missing = sorted(set(own) - set(state))
    extra = sorted(set(state) - set(own))
    if missing or extra:
        raise KeyError(f'checkpoint/model mismatch: missing {missing[:5]} extra {extra[:5]}')
    sd = model.state_dict()
    for k, port in own.items():
        if tuple(sd[port].shape) != tuple(state[k].shape):
            raise ValueError(f'{k}: model {tuple(sd[port].shape)} vs checkpoint {tuple(state[k].shape)}')
        sd[port] = state[k].float()
    model.load_state_dict(sd, strict=True)


# ---------- runtime -> disk key layouts ----------

_EXPERT_FUSED = re.compile(r'^(model\.layers\.\d+)\.mlp\.experts\.(gate_up_proj|down_proj)$')


def to_v4_keys(state, model_type):
    out = {}
    for k, t in state.items():
        m = _EXPERT_FUSED.match(k)
        if m and model_type not in ('gpt_oss', 'granitemoe', 'granitemoeshared'):
            prefix, which = m.groups()
            moe = f'{prefix}.block_sparse_moe' if model_type == 'mixtral' else f'{prefix}.mlp'
            for e in range(t.shape[0]):
                if which == 'gate_up_proj':
                    F = t.shape[1] // 2
                    gate, up = t[e, :F], t[e, F:]
                    if model_type == 'mixtral':
                        out[f'{moe}.experts.{e}.w1.weight'], out[f'{moe}.experts.{e}.w3.weight'] = gate, up
                    else:
                        out[f'{moe}.experts.{e}.gate_proj.weight'], out[f'{moe}.experts.{e}.up_proj.weight'] = gate, up
                else:
                    name = 'w2' if model_type == 'mixtral' else 'down_proj'
                    out[f'{moe}.experts.{e}.{name}.weight'] = t[e]
            continue
        if model_type == 'mixtral':
            k = k.replace('.mlp.gate.weight', '.block_sparse_moe.gate.weight')  # WeightRenaming reversed
        out[k] = t
    return out


_V4_EXPERT = re.compile(r'^(model\.layers\.\d+)\.(mlp|block_sparse_moe)\.experts\.(\d+)\.(w1|w2|w3|gate_proj|up_proj|down_proj)\.weight$')


def from_v4_keys(state):
    """conversion_mapping.py: WeightRenaming(.block_sparse_moe.gate -> .mlp.gate) and the
    MergeModulelist(dim=0) + Concatenate(dim=1) converters, gate (w1/gate_proj) before up (w3/up_proj)."""
    groups, out = {}, {}
    for k, t in state.items():
        m = _V4_EXPERT.match(k)
        if m:
            prefix, _, e, name = m.groups()
            groups.setdefault(prefix, {}).setdefault(name, {})[int(e)] = t
            continue
        out[k.replace('.block_sparse_moe.gate.', '.mlp.gate.')] = t
    for prefix, by_name in groups.items():
        gate = by_name.get('w1') or by_name.get('gate_proj')
        up = by_name.get('w3') or by_name.get('up_proj')
        down = by_name.get('w2') or by_name.get('down_proj')
        n = len(gate)
        gate_stack = torch.stack([gate[e] for e in range(n)], 0)  # MergeModulelist(dim=0)
        up_stack = torch.stack([up[e] for e in range(n)], 0)
        out[f'{prefix}.mlp.experts.gate_up_proj'] = torch.cat([gate_stack, up_stack], 1)  # Concatenate(dim=1)
        out[f'{prefix}.mlp.experts.down_proj'] = torch.stack([down[e] for e in range(n)], 0)
    return out


# ---------- dtype encoding on disk ----------

FP8_LINEAR = re.compile(r'\.(q_a_proj|q_b_proj|q_proj|kv_a_proj_with_mqa|kv_b_proj|o_proj|gate_proj|up_proj|down_proj|eh_proj)\.weight$')


def encode_tensors(state, dtype, fp8_block=(128, 128)):
    """-> list of (name, dtype, shape, bytes)."""
    out = []
    for k, t in state.items():
        if dtype == 'fp8':
            if FP8_LINEAR.search(k):
                codes, scale = quant.fp8_block_quantize(t, fp8_block)
                out.append((k, 'F8_E4M3', tuple(t.shape), codes.tobytes()))
                out.append((k[:-len('weight')] + 'weight_scale_inv', 'F32', tuple(scale.shape), scale.astype('<f4').tobytes()))
            elif k.endswith('e_score_correction_bias'):
                out.append((k, 'F32', tuple(t.shape), quant.to_f32_bytes(t)))
            else:
                out.append((k, 'BF16', tuple(t.shape), quant.to_bf16_bytes(t)))
        elif dtype == 'mxfp4':
            m = re.match(r'^(.*\.mlp\.experts)\.(gate_up_proj|down_proj)$', k)
            if m:
                rows_in = t.transpose(1, 2)  # [E, in, out] -> [E, out, in]: the blocks run along `in`
                blocks, scales = quant.mxfp4_quantize(rows_in)
                out.append((k + '_blocks', 'U8', blocks.shape, blocks.tobytes()))
                out.append((k + '_scales', 'U8', scales.shape, scales.tobytes()))
            else:
                out.append((k, 'BF16', tuple(t.shape), quant.to_bf16_bytes(t)))
        else:
            enc = FLOAT_CODECS[dtype][0]
            out.append((k, dtype, tuple(t.shape), enc(t)))
    return out


def decode_tensors(raw, fp8_block=128):
    """{name: (dtype, shape, bytes)} -> {name: float32 tensor}, dequantising FP8 and MXFP4."""
    out = {}
    for k, (dt, shape, b) in raw.items():
        if k.endswith('weight_scale_inv') or k.endswith('_scales'):
            continue
        if dt == 'F8_E4M3':
            sk = k[:-len('weight')] + 'weight_scale_inv'
            sdt, sshape, sb = raw[sk]
            s = np.frombuffer(sb, dtype='<f4').reshape(sshape)
            codes = np.frombuffer(b, dtype=np.uint8).reshape(shape)
            out[k] = quant.weight_dequant(codes, s, fp8_block)
        elif dt == 'U8' and k.endswith('_blocks'):
            base = k[:-len('_blocks')]
            _, sshape, sb = raw[base + '_scales']
            blocks = torch.from_numpy(np.frombuffer(b, dtype=np.uint8).reshape(shape).copy())
            scales = torch.from_numpy(np.frombuffer(sb, dtype=np.uint8).reshape(sshape).copy())
            out[base] = quant.convert_moe_packed_tensors(blocks, scales).float()
        else:
            out[k] = FLOAT_CODECS[dt][1](b, shape)
    return out


# ---------- files ----------

def write_checkpoint(dirpath, tensors, shards=1, metadata=None):
    """tensors: list of (name, dtype, shape, bytes). shards > 1 writes model-0000i-of-0000n.safetensors
    + model.safetensors.index.json ({"metadata": {"total_size"}, "weight_map"}), splitting by layer
    order so a layer can straddle files as on the Hub."""
    metadata = metadata or {'format': 'pt'}
    if shards == 1:
        write_safetensors(os.path.join(dirpath, 'model.safetensors'), tensors, metadata)
        return ['model.safetensors']
    ordered = sorted(tensors, key=lambda t: _natural_key(t[0]))
    total = sum(len(t[3]) for t in ordered)
    per = total / shards
    files, weight_map, acc, current = [], {}, 0, []
    buckets = [[] for _ in range(shards)]
    for t in ordered:
        idx = min(int(acc // per), shards - 1)
        buckets[idx].append(t)
        acc += len(t[3])
    for i, bucket in enumerate(buckets):
        fname = f'model-{i + 1:05d}-of-{shards:05d}.safetensors'
        write_safetensors(os.path.join(dirpath, fname), bucket, metadata)
        files.append(fname)
        for t in bucket:
            weight_map[t[0]] = fname
    index = {'metadata': {'total_size': total}, 'weight_map': dict(sorted(weight_map.items(), key=lambda kv: _natural_key(kv[0])))}
    with open(os.path.join(dirpath, 'model.safetensors.index.json'), 'w') as f:
        json.dump(index, f, indent=2)
        f.write('\n')
    return files + ['model.safetensors.index.json']


def _natural_key(name):
    return [int(p) if p.isdigit() else p for p in re.split(r'(\d+)', name)]


def read_checkpoint(dirpath):
    index = os.path.join(dirpath, 'model.safetensors.index.json')
    if os.path.exists(index):
        with open(index) as f:
            files = sorted(set(json.load(f)['weight_map'].values()))
    else:
        files = ['model.safetensors']
    raw = {}
    for fname in files:
        tensors, _ = read_safetensors(os.path.join(dirpath, fname))
        raw.update(tensors)
    return raw


def load_for_model(dirpath, model_type, num_hidden_layers, fp8_block=128):
    """Read a checkpoint directory the way transformers' from_pretrained would for this port:
    decode/dequantise, drop the DeepSeek-V3 MTP layers (`_keys_to_ignore_on_load_unexpected`
    model.layers.{L}.*), apply conversion_mapping to reach the v5 runtime keys."""
    state = decode_tensors(read_checkpoint(dirpath), fp8_block)
    kept = {}
    for k, t in state.items():
        m = re.match(r'^model\.layers\.(\d+)\.', k)
        if m and int(m.group(1)) >= num_hidden_layers:
            continue
        kept[k] = t
    if model_type in ('gpt_oss', 'granitemoe', 'granitemoeshared'):  # their own fused layouts: disk keys = runtime keys
        return kept
    return from_v4_keys(kept)
