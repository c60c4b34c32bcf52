"""Independent cross-check of the fixtures (run: /usr/bin/python3 test/tools/hf-reference/selfcheck.py).

Recomputes every case's logits from the files in test/fixtures/hf/<case>/ with code that shares
nothing with the torch port except the safetensors container reader:
  1. `dense`: a float64 NumPy forward written from the semantics, in moec's layout — weights
     transposed to [in, out], DeepSeek's interleaved rope rows permuted to rotate-half order
     ([0, 2, 4, ..., 1, 3, 5, ...] inside each head's rope block and in kv_a_proj_with_mqa's rope
     rows), gpt-oss's interleaved gate/up columns split, experts evaluated densely for every token
     and combined with a dense [T, E] weight matrix; FP8/MXFP4/BF16/F16 decoded here by formula;
     config defaults re-stated here per model_type; YaRN recomputed in float64.
  2. `moec-ir`: for the cases moec's own semantics already cover (no YaRN, QK-norm, clip, sinks,
     clamped SwiGLU), an IR + moec-named weights are built and run through
     test/reference/numpy_reference.py (moec's second reference implementation of
     docs/semantics.md): shows the HF->moec mapping above reproduces the HF logits.
Pass: max |logit - expected| <= 1e-4 * max(1, max|logit|) (the parity tolerance of issue 8).
"""
import sys

sys.dont_write_bytecode = True

import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402

import numpy as np  # noqa: E402

from safetensors_io import read_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
FIXTURES = os.path.join(ROOT, 'test', 'fixtures', 'hf')

# ---------------- decoding (by formula, independent of quant.py) ----------------


def decode(dtype, shape, raw):
    if dtype == 'F32':
        return np.frombuffer(raw, '<f4').astype(np.float64).reshape(shape)
    if dtype == 'F16':
        return np.frombuffer(raw, '<f2').astype(np.float64).reshape(shape)
    if dtype == 'BF16':
        u = np.frombuffer(raw, '<u2').astype(np.uint32) << 16
        return u.view(np.float32).astype(np.float64).reshape(shape)
    if dtype == 'F8_E4M3':
        c = np.frombuffer(raw, np.uint8).astype(np.int64)
        s, e, m = np.where(c & 0x80, -1.0, 1.0), (c >> 3) & 15, c & 7
        v = np.where(e == 0, m / 8.0 * 2.0 ** -6, (1 + m / 8.0) * 2.0 ** (e - 7.0))
        return (s * v).reshape(shape)
    if dtype == 'U8':
        return np.frombuffer(raw, np.uint8).reshape(shape)
    raise ValueError(dtype)


def load_tensors(d):
    idx = os.path.join(d, 'model.safetensors.index.json')
    files = sorted(set(json.load(open(idx))['weight_map'].values())) if os.path.exists(idx) else ['model.safetensors']
    raw = {}
    for f in files:
        raw.update(read_safetensors(os.path.join(d, f))[0])
    W = {}
    for k, (dt, shape, b) in raw.items():
        if k.endswith('_scale_inv') or k.endswith('_scales'):
            continue
        if dt == 'F8_E4M3':  # one F32 scale per 128x128 block, ragged edges allowed
            s = decode(*raw[k + '_scale_inv'])
            x = decode(dt, shape, b)
            W[k] = x * np.kron(s, np.ones((128, 128)))[:shape[0], :shape[1]]
        elif k.endswith('_blocks'):  # MXFP4: nibbles low-first, E2M1, scale 2^(s-127) per 32 along `in`
            base = k[:-7]
            blocks = decode(dt, shape, b)
            scales = decode(*raw[base + '_scales']).astype(np.int64) - 127
            lut = np.array([0, .5, 1, 1.5, 2, 3, 4, 6, -0., -.5, -1, -1.5, -2, -3, -4, -6])
            vals = np.stack([lut[blocks & 15], lut[blocks >> 4]], -1).reshape(*shape[:-1], 32)
            vals = vals * 2.0 ** scales[..., None]
            W[base] = vals.reshape(*shape[:-2], -1).swapaxes(-1, -2)  # [E, rows, in] -> [E, in, rows]
        else:
            W[k] = decode(dt, shape, b)
    return W

# ---------------- config semantics (defaults re-stated) ----------------


DEFAULTS = {
    'mixtral': dict(rope_theta=1e6, rms_norm_eps=1e-5, num_key_value_heads=8, sliding_window=None),
    'qwen2_moe': dict(rope_theta=1e4, rms_norm_eps=1e-6, decoder_sparse_step=1, mlp_only_layers=[], norm_topk_prob=False,
                      qkv_bias=True, use_sliding_window=False),
    'qwen3_moe': dict(rope_theta=1e4, rms_norm_eps=1e-6, decoder_sparse_step=1, mlp_only_layers=[], norm_topk_prob=False,
                      attention_bias=False, use_sliding_window=False),
    'olmoe': dict(rope_theta=1e4, rms_norm_eps=1e-5, norm_topk_prob=False, clip_qkv=None, attention_bias=False),
    'deepseek_v2': dict(rope_theta=1e4, rms_norm_eps=1e-6, topk_method='greedy', routed_scaling_factor=1.0,
                        first_k_dense_replace=0, n_shared_experts=2, attention_bias=False),
    'deepseek_v3': dict(rope_theta=1e4, rms_norm_eps=1e-6, rope_interleave=True, norm_topk_prob=True, n_group=8,
                        topk_group=4, routed_scaling_factor=2.5, first_k_dense_replace=3, n_shared_experts=1,
                        attention_bias=False),
    'glm4_moe': dict(rope_theta=1e4, rms_norm_eps=1e-5, norm_topk_prob=True, n_group=1, topk_group=1,
                     routed_scaling_factor=1.0, first_k_dense_replace=1, n_shared_experts=1, attention_bias=False,
                     use_qk_norm=False, partial_rotary_factor=0.5),
    'granitemoe': dict(rope_theta=1e4, rms_norm_eps=1e-6, embedding_multiplier=1.0, residual_multiplier=1.0,
                       attention_multiplier=1.0, logits_scaling=1.0, attention_bias=False),
    'granitemoeshared': dict(rope_theta=1e4, rms_norm_eps=1e-6, embedding_multiplier=1.0, residual_multiplier=1.0,
                             attention_multiplier=1.0, logits_scaling=1.0, attention_bias=False, shared_intermediate_size=0),
    'gpt_oss': dict(rope_theta=150000.0, rms_norm_eps=1e-5, sliding_window=128,
                    rope_scaling=dict(rope_type='yarn', factor=32.0, beta_fast=32.0, beta_slow=1.0, truncate=False,
                                      original_max_position_embeddings=4096)),
}


GRANITE = ('granitemoe', 'granitemoeshared')


def cfg_get(c, key):
    return c[key] if key in c else DEFAULTS[c['model_type']].get(key)


def is_moe(c, i):
    mt = c['model_type']
    if mt in ('qwen2_moe', 'qwen3_moe'):
        return i not in cfg_get(c, 'mlp_only_layers') and (i + 1) % cfg_get(c, 'decoder_sparse_step') == 0
    if mt in ('deepseek_v2', 'deepseek_v3', 'glm4_moe'):
        return i >= cfg_get(c, 'first_k_dense_replace')
    return True


def rope_params(c):
    p = c.get('rope_parameters') or cfg_get(c, 'rope_scaling') or {}
    p = dict(p)
    kind = p.get('rope_type', p.get('type', 'default'))
    theta = p.get('rope_theta', c.get('rope_theta', DEFAULTS[c['model_type']]['rope_theta']))
    return kind, float(theta), p


def inv_freq_and_factor(c, dim):
    kind, theta, p = rope_params(c)
    base = theta ** (-np.arange(0, dim, 2) / dim)
    if kind == 'default':
        return base, 1.0
    f, orig = float(p['factor']), p['original_max_position_embeddings']
    ms = lambda s, m=1.0: 1.0 if s <= 1 else 0.1 * m * math.log(s) + 1.0
    af = p.get('attention_factor')
    if af is None:
        af = ms(f, p['mscale']) / ms(f, p['mscale_all_dim']) if p.get('mscale') and p.get('mscale_all_dim') else ms(f)
    corr = lambda rot: dim * math.log(orig / (rot * 2 * math.pi)) / (2 * math.log(theta))
    lo, hi = corr(p.get('beta_fast') or 32), corr(p.get('beta_slow') or 1)
    if p.get('truncate', True):
        lo, hi = math.floor(lo), math.ceil(hi)
    lo, hi = max(lo, 0), min(hi, dim - 1)
    if lo == hi:
        hi += 0.001
    ramp = np.clip((np.arange(dim // 2) - lo) / (hi - lo), 0, 1)
    return base / f * ramp + base * (1 - ramp), af

# ---------------- numpy forward ----------------


def rms(x, w, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def rope_rotate_half(x, inv, af):  # x [B, S, h, d]
    S, d = x.shape[1], x.shape[-1]
    ang = np.arange(S)[:, None] * inv[None]
    c, s = (np.cos(ang) * af)[None, :, None], (np.sin(ang) * af)[None, :, None]
    a, b = x[..., :d // 2], x[..., d // 2:]
    return np.concatenate([a * c - b * s, b * c + a * s], -1)


def deinterleave(n):
    return np.concatenate([np.arange(0, n, 2), np.arange(1, n, 2)])


def attend(q, k, v, scale, allowed, sinks=None):  # q [B,S,H,d], k/v [B,S,H,*]
    sc = np.einsum('bqhd,bkhd->bhqk', q, k) * scale
    sc = np.where(allowed[:, None], sc, -np.inf)
    if sinks is not None:
        sc = np.concatenate([sc, np.broadcast_to(sinks[None, :, None, None], sc.shape[:3] + (1,))], -1)
    p = np.exp(sc - sc.max(-1, keepdims=True))
    p = p / p.sum(-1, keepdims=True)
    if sinks is not None:
        p = p[..., :-1]
    return np.einsum('bhqk,bkhd->bqhd', p, v)


def swiglu(x, g, u, d):
    a = x @ g
    return (a / (1 + np.exp(-a)) * (x @ u)) @ d


def forward(c, W, ids, mask):
    mt = c['model_type']
    B, S = ids.shape
    L, H, nh = c['num_hidden_layers'], c['hidden_size'], c['num_attention_heads']
    kvh = cfg_get(c, 'num_key_value_heads') or nh
    eps = cfg_get(c, 'rms_norm_eps')
    T = lambda k: W[k].T  # HF [out, in] -> [in, out]
    qi, ki = np.arange(S)[:, None], np.arange(S)[None, :]
    causal = np.broadcast_to(ki <= qi, (B, S, S))
    if mask is not None:
        causal = causal & (mask[:, None, :] == 1)
    h = W['model.embed_tokens.weight'][ids]
    res_mult = 1.0
    if mt in GRANITE:
        h = h * cfg_get(c, 'embedding_multiplier')
        res_mult = cfg_get(c, 'residual_multiplier')
    for i in range(L):
        p = f'model.layers.{i}.'
        x = rms(h, W[p + 'input_layernorm.weight'], eps)
        a = p + 'self_attn.'
        allowed = causal
        window = None
        if mt == 'mixtral':
            window = cfg_get(c, 'sliding_window')
        if mt == 'gpt_oss':
            types = c.get('layer_types') or ['sliding_attention' if i % 2 == 0 else 'full_attention' for i in range(L)]
            window = cfg_get(c, 'sliding_window') if types[i] == 'sliding_attention' else None
        if window:
            allowed = allowed & (qi - ki < window)[None]
        if mt in ('deepseek_v2', 'deepseek_v3'):
            nope, rd, vd, kvr = c['qk_nope_head_dim'], c['qk_rope_head_dim'], c['v_head_dim'], c['kv_lora_rank']
            perm_head = np.concatenate([np.arange(nope), nope + deinterleave(rd)])
            interleaved = mt == 'deepseek_v2' or cfg_get(c, 'rope_interleave')
            qperm = np.concatenate([hh * (nope + rd) + perm_head for hh in range(nh)]) if interleaved else None
            if c.get('q_lora_rank') is None:
                q_in, wq = x, T(a + 'q_proj.weight')
            else:
                q_in = rms(x @ T(a + 'q_a_proj.weight'), W[a + 'q_a_layernorm.weight'], 1e-6)
                wq = T(a + 'q_b_proj.weight')
            wkv_a = T(a + 'kv_a_proj_with_mqa.weight')
            if interleaved:  # permute output columns so that rotate-half applies
                wq = wq[:, qperm]
                wkv_a = wkv_a[:, np.concatenate([np.arange(kvr), kvr + deinterleave(rd)])]
            q = q_in @ wq
            q = q.reshape(B, S, nh, nope + rd)
            kva = x @ wkv_a
            kv = rms(kva[..., :kvr], W[a + 'kv_a_layernorm.weight'], 1e-6) @ T(a + 'kv_b_proj.weight')
            kv = kv.reshape(B, S, nh, nope + vd)
            inv, af = inv_freq_and_factor(c, rd)
            kpe = rope_rotate_half(kva[..., None, kvr:], inv, af)
            qpe = rope_rotate_half(q[..., nope:], inv, af)
            qq = np.concatenate([q[..., :nope], qpe], -1)
            kk = np.concatenate([kv[..., :nope], np.broadcast_to(kpe, (B, S, nh, rd))], -1)
            scale = (nope + rd) ** -0.5
            kind, _, rp = rope_params(c)
            if mt == 'deepseek_v3' and kind != 'default' and rp.get('mscale_all_dim'):
                m = 0.1 * rp['mscale_all_dim'] * math.log(rp['factor']) + 1.0
                scale *= m * m
            o = attend(qq, kk, kv[..., nope:], scale, allowed).reshape(B, S, nh * vd)
        else:
            hd = c.get('head_dim') or H // nh
            bias = lambda n: W.get(a + n + '.bias', 0)
            q = x @ T(a + 'q_proj.weight') + bias('q_proj')
            k = x @ T(a + 'k_proj.weight') + bias('k_proj')
            v = x @ T(a + 'v_proj.weight') + bias('v_proj')
            if mt == 'olmoe':  # norms over the whole projections, then clip
                q, k = rms(q, W[a + 'q_norm.weight'], eps), rms(k, W[a + 'k_norm.weight'], eps)
                clip = cfg_get(c, 'clip_qkv')
                if clip is not None:
                    q, k, v = (np.clip(t, -clip, clip) for t in (q, k, v))
            q, k, v = q.reshape(B, S, nh, hd), k.reshape(B, S, kvh, hd), v.reshape(B, S, kvh, hd)
            if mt == 'qwen3_moe' or (mt == 'glm4_moe' and cfg_get(c, 'use_qk_norm')):
                q, k = rms(q, W[a + 'q_norm.weight'], eps), rms(k, W[a + 'k_norm.weight'], eps)
            rd = int(hd * cfg_get(c, 'partial_rotary_factor')) if mt == 'glm4_moe' else hd  # partial rotary
            inv, af = inv_freq_and_factor(c, rd)
            q = np.concatenate([rope_rotate_half(q[..., :rd], inv, af), q[..., rd:]], -1)
            k = np.concatenate([rope_rotate_half(k[..., :rd], inv, af), k[..., rd:]], -1)
            rep = nh // kvh
            k, v = np.repeat(k, rep, 2), np.repeat(v, rep, 2)
            sinks = W[a + 'sinks'] if mt == 'gpt_oss' else None
            scale = cfg_get(c, 'attention_multiplier') if mt in GRANITE else hd ** -0.5
            o = attend(q, k, v, scale, allowed, sinks).reshape(B, S, nh * hd)
        h = h + (o @ T(a + 'o_proj.weight') + W.get(a + 'o_proj.bias', 0)) * res_mult
        x = rms(h, W[p + 'post_attention_layernorm.weight'], eps).reshape(B * S, H)
        h = h + ffn(c, W, i, x).reshape(B, S, H) * res_mult
    x = rms(h, W['model.norm.weight'], eps)
    head = W['model.embed_tokens.weight'] if c.get('tie_word_embeddings') else W['lm_head.weight']
    return x @ head.T / (cfg_get(c, 'logits_scaling') if mt in GRANITE else 1.0)


def expert_weights(c, W, m, E):
    """-> list of (gate [H,F], up [H,F], down [F,H]) in moec layout, from any of the disk layouts."""
    if m + 'experts.gate_up_proj' in W:  # v5 fused [E, 2F, H] / [E, H, F]
        gu, dn = W[m + 'experts.gate_up_proj'], W[m + 'experts.down_proj']
        F = gu.shape[1] // 2
        return [(gu[e, :F].T, gu[e, F:].T, dn[e].T) for e in range(E)]
    names = ('w1', 'w3', 'w2') if c['model_type'] == 'mixtral' else ('gate_proj', 'up_proj', 'down_proj')
    return [tuple(W[f'{m}experts.{e}.{n}.weight'].T for n in names) for e in range(E)]


def ffn(c, W, i, x):
    mt = c['model_type']
    p = f'model.layers.{i}.'
    Tn = x.shape[0]
    if mt == 'gpt_oss':
        m = p + 'mlp.'
        E, K = c['num_local_experts'], c['num_experts_per_tok']
        logits = x @ W[m + 'router.weight'].T + W[m + 'router.bias']
        idx = np.argsort(-logits, -1, kind='stable')[:, :K]
        top = np.take_along_axis(logits, idx, -1)
        wk = np.exp(top - top.max(-1, keepdims=True))
        wk /= wk.sum(-1, keepdims=True)
        dense_w = np.zeros((Tn, E))
        np.put_along_axis(dense_w, idx, wk, -1)
        gu, gub = W[m + 'experts.gate_up_proj'], W[m + 'experts.gate_up_proj_bias']
        dn, dnb = W[m + 'experts.down_proj'], W[m + 'experts.down_proj_bias']
        y = np.zeros_like(x)
        for e in range(E):
            z = x @ gu[e] + gub[e]
            g, u = np.minimum(z[:, 0::2], 7.0), np.clip(z[:, 1::2], -7.0, 7.0)
            y += dense_w[:, e:e + 1] * (((u + 1) * g / (1 + np.exp(-1.702 * g))) @ dn[e] + dnb[e])
        return y
    if mt in GRANITE:  # top-k on logits, softmax over the k; input_linear [E, 2F, H] gate half first
        m = p + 'block_sparse_moe.'
        E, K = c['num_local_experts'], c['num_experts_per_tok']
        logits = x @ W[m + 'router.layer.weight'].T
        idx = np.argsort(-logits, -1, kind='stable')[:, :K]
        top = np.take_along_axis(logits, idx, -1)
        wk = np.exp(top - top.max(-1, keepdims=True))
        dense_w = np.zeros((Tn, E))
        np.put_along_axis(dense_w, idx, wk / wk.sum(-1, keepdims=True), -1)
        wi, wo = W[m + 'input_linear.weight'], W[m + 'output_linear.weight']
        F = wi.shape[1] // 2
        y = sum(dense_w[:, e:e + 1] * swiglu(x, wi[e, :F].T, wi[e, F:].T, wo[e].T) for e in range(E))
        s = p + 'shared_mlp.'
        if s + 'input_linear.weight' in W:  # granitemoeshared: + a gated shared MLP [2F_s, H] gate half first
            si, so = W[s + 'input_linear.weight'], W[s + 'output_linear.weight']
            Fs = si.shape[0] // 2
            y = y + swiglu(x, si[:Fs].T, si[Fs:].T, so.T)
        return y
    moe_key = p + ('block_sparse_moe.' if mt == 'mixtral' else 'mlp.')
    assert is_moe(c, i) == (moe_key + 'gate.weight' in W), f'layer {i}: MoE rule disagrees with the checkpoint'
    if not is_moe(c, i):
        return swiglu(x, *(W[p + f'mlp.{n}.weight'].T for n in ('gate_proj', 'up_proj', 'down_proj')))
    m = moe_key
    E = c.get('num_local_experts') or c.get('num_experts') or c.get('n_routed_experts')
    K = c['num_experts_per_tok']
    logits = x @ W[m + 'gate.weight'].T
    if mt in ('deepseek_v3', 'glm4_moe'):
        s = 1 / (1 + np.exp(-logits))
        choice = s + W[m + 'gate.e_score_correction_bias']
        G, TG = cfg_get(c, 'n_group'), cfg_get(c, 'topk_group')
        gs = np.sort(choice.reshape(Tn, G, -1), -1)[..., -2:].sum(-1)
        keep = np.argsort(-gs, -1, kind='stable')[:, :TG]
        gmask = np.zeros((Tn, G), bool)
        np.put_along_axis(gmask, keep, True, -1)
        choice = np.where(np.repeat(gmask, E // G, -1), choice, -np.inf)
    else:
        s = np.exp(logits - logits.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        choice = s
        if mt == 'deepseek_v2' and cfg_get(c, 'topk_method') == 'group_limited_greedy':
            G, TG = c['n_group'], c['topk_group']
            keep = np.argsort(-choice.reshape(Tn, G, -1).max(-1), -1, kind='stable')[:, :TG]
            gmask = np.zeros((Tn, G), bool)
            np.put_along_axis(gmask, keep, True, -1)
            choice = np.where(np.repeat(gmask, E // G, -1), choice, -np.inf)
    idx = np.argsort(-choice, -1, kind='stable')[:, :K]
    wk = np.take_along_axis(s, idx, -1)
    renorm = {'mixtral': True, 'deepseek_v2': False}.get(mt, cfg_get(c, 'norm_topk_prob'))
    if renorm:
        wk = wk / (wk.sum(-1, keepdims=True) + (1e-20 if mt in ('deepseek_v3', 'glm4_moe') else 0))
    if mt in ('deepseek_v2', 'deepseek_v3', 'glm4_moe'):
        wk = wk * cfg_get(c, 'routed_scaling_factor')
    dense_w = np.zeros((Tn, E))
    np.put_along_axis(dense_w, idx, wk, -1)
    y = np.zeros_like(x)
    for e, (g, u, d) in enumerate(expert_weights(c, W, m, E)):
        y += dense_w[:, e:e + 1] * swiglu(x, g, u, d)
    if mt == 'qwen2_moe':
        sh = swiglu(x, *(W[m + f'shared_expert.{n}.weight'].T for n in ('gate_proj', 'up_proj', 'down_proj')))
        y += sh / (1 + np.exp(-(x @ W[m + 'shared_expert_gate.weight'].T)))
    if mt in ('deepseek_v2', 'deepseek_v3', 'glm4_moe'):
        y += swiglu(x, *(W[m + f'shared_experts.{n}.weight'].T for n in ('gate_proj', 'up_proj', 'down_proj')))
    return y

# ---------------- moec IR route (test/reference/numpy_reference.py) ----------------


def load_numpy_reference():
    src = open(os.path.join(ROOT, 'test', 'reference', 'numpy_reference.py')).read()
    src = src.split('\ncases = json.load(open(sys.argv[1]))')[0]  # library part only (the file runs a CLI at import)
    ns = {'__name__': 'numpy_reference'}
    exec(compile(src, 'numpy_reference.py', 'exec'), ns)
    return ns


def moec_case(c, W):
    """HF config + tensors -> (IR dict, moec-named weights) for numpy_reference.forward; None when moec's
    current semantics lack a feature the case uses."""
    mt = c['model_type']
    if mt in ('qwen3_moe', 'olmoe', 'gpt_oss', 'glm4_moe') + GRANITE or rope_params(c)[0] != 'default':
        return None
    L, H, nh = c['num_hidden_layers'], c['hidden_size'], c['num_attention_heads']
    kvh = cfg_get(c, 'num_key_value_heads') or nh
    theta = rope_params(c)[1]
    ir = {'hidden': H, 'norm': {'type': 'rmsnorm', 'eps': cfg_get(c, 'rms_norm_eps')}, 'layers': [],
          'tieEmbeddings': bool(c.get('tie_word_embeddings'))}
    w = {'embed_tokens.weight': W['model.embed_tokens.weight'], 'norm.weight': W['model.norm.weight']}
    if not ir['tieEmbeddings']:
        w['lm_head.weight'] = W['lm_head.weight'].T
    mlp_dense = {'kind': 'dense', 'activation': 'swiglu', 'bias': False}
    for i in range(L):
        p, q = f'model.layers.{i}.', f'layers.{i}.'
        w[q + 'input_norm.weight'] = W[p + 'input_layernorm.weight']
        w[q + 'post_attn_norm.weight'] = W[p + 'post_attention_layernorm.weight']
        a = p + 'self_attn.'
        if mt in ('deepseek_v2', 'deepseek_v3'):
            nope, rd, vd, kvr = c['qk_nope_head_dim'], c['qk_rope_head_dim'], c['v_head_dim'], c['kv_lora_rank']
            perm = np.concatenate([hh * (nope + rd) + np.concatenate([np.arange(nope), nope + deinterleave(rd)])
                                   for hh in range(nh)])
            qlr = c.get('q_lora_rank') or 0
            attn = {'kind': 'mla', 'heads': nh, 'qkNorm': False, 'rope': {'scaling': 'none', 'theta': theta},
                    'mla': {'qkNopeHeadDim': nope, 'qkRopeHeadDim': rd, 'vHeadDim': vd, 'qLoraRank': qlr,
                            'kvLoraRank': kvr}, 'sinks': False}
            if qlr:
                w[q + 'attn.q_a_proj.weight'] = W[a + 'q_a_proj.weight'].T
                w[q + 'attn.q_a_norm.weight'] = W[a + 'q_a_layernorm.weight']
                w[q + 'attn.q_b_proj.weight'] = W[a + 'q_b_proj.weight'].T[:, perm]
            else:
                w[q + 'attn.q_proj.weight'] = W[a + 'q_proj.weight'].T[:, perm]
            kvperm = np.concatenate([np.arange(kvr), kvr + deinterleave(rd)])
            w[q + 'attn.kv_a_proj.weight'] = W[a + 'kv_a_proj_with_mqa.weight'].T[:, kvperm]
            w[q + 'attn.kv_a_norm.weight'] = W[a + 'kv_a_layernorm.weight']
            w[q + 'attn.kv_b_proj.weight'] = W[a + 'kv_b_proj.weight'].T
            w[q + 'attn.o_proj.weight'] = W[a + 'o_proj.weight'].T
        else:
            hd = c.get('head_dim') or H // nh
            window = cfg_get(c, 'sliding_window') if mt == 'mixtral' else None
            attn = {'kind': 'gqa', 'heads': nh, 'kvHeads': kvh, 'headDim': hd, 'vHeadDim': hd, 'qkNorm': False,
                    'rope': {'scaling': 'none', 'theta': theta, 'dim': hd}, 'window': window, 'sinks': False}
            for n in ('q_proj', 'k_proj', 'v_proj', 'o_proj'):
                w[q + f'attn.{n}.weight'] = W[a + n + '.weight'].T
                if a + n + '.bias' in W:
                    w[q + f'attn.{n}.bias'] = W[a + n + '.bias']
        m = p + ('block_sparse_moe.' if mt == 'mixtral' else 'mlp.')
        if m + 'gate.weight' not in W:
            f = mlp_dense
            for n in ('gate_proj', 'up_proj', 'down_proj'):
                w[q + f'mlp.{n}.weight'] = W[p + f'mlp.{n}.weight'].T
        else:
            E = c.get('num_local_experts') or c.get('num_experts') or c.get('n_routed_experts')
            grouped = (mt == 'deepseek_v3' and cfg_get(c, 'n_group') > 1) or (
                mt == 'deepseek_v2' and cfg_get(c, 'topk_method') == 'group_limited_greedy')
            router = {'score': 'sigmoid' if mt == 'deepseek_v3' else 'softmax', 'topK': c['num_experts_per_tok'],
                      'bias': False, 'biasUpdate': 1 if mt == 'deepseek_v3' else 0,
                      'groups': (c.get('n_group') or 1) if grouped else 1, 'topGroups': c.get('topk_group'),
                      'groupScore': 'top2sum' if mt == 'deepseek_v3' else 'max',
                      'normTopK': {'mixtral': True, 'deepseek_v2': False}.get(mt, cfg_get(c, 'norm_topk_prob')),
                      'scaling': cfg_get(c, 'routed_scaling_factor') if mt.startswith('deepseek') else 1.0}
            f = {'kind': 'moe', 'experts': E, 'router': router, 'expert': mlp_dense}
            w[q + 'moe.router.weight'] = W[m + 'gate.weight'].T
            if mt == 'deepseek_v3':
                w[q + 'moe.router.score_bias'] = W[m + 'gate.e_score_correction_bias']
            for e, (g, u, d) in enumerate(expert_weights(c, W, m, E)):
                w[q + f'moe.experts.{e}.gate_proj.weight'], w[q + f'moe.experts.{e}.up_proj.weight'] = g, u
                w[q + f'moe.experts.{e}.down_proj.weight'] = d
            shared = {'qwen2_moe': 'shared_expert', 'deepseek_v2': 'shared_experts', 'deepseek_v3': 'shared_experts'}.get(mt)
            if shared:
                f['shared'] = dict(mlp_dense, gate=mt == 'qwen2_moe')
                for n in ('gate_proj', 'up_proj', 'down_proj'):
                    w[q + f'moe.shared.{n}.weight'] = W[m + f'{shared}.{n}.weight'].T
                if mt == 'qwen2_moe':
                    w[q + 'moe.shared.gate.weight'] = W[m + 'shared_expert_gate.weight'].T
        ir['layers'].append({'index': i, 'attention': attn, 'ffn': f})
    return ir, w


def main():
    ref = load_numpy_reference()
    failures = 0
    for name in sorted(os.listdir(FIXTURES)):
        d = os.path.join(FIXTURES, name)
        if not os.path.isdir(d):
            continue
        c = json.load(open(os.path.join(d, 'config.json')))
        e = json.load(open(os.path.join(d, 'expected.json')))
        W = load_tensors(d)
        ids = np.array(e['input_ids'])
        mask = np.array(e['attention_mask']) if 'attention_mask' in e else None
        want = np.array(e['logits'])
        tol = 1e-4 * max(1.0, e['max_abs_logit'])
        got = forward(c, W, ids, mask).reshape(-1)
        d1 = np.abs(got - want).max()
        line = f'{name:34s} dense-numpy {d1:.2e}'
        ok = d1 <= tol
        mc = moec_case(c, W) if mask is None else None
        if mc is not None:
            ir, w = mc
            # numpy_reference reads rope and MLA settings from the spec (to check the IR's
            # resolution independently); these cases use plain RoPE and HF's latent-norm eps.
            spec = {'context': c.get('max_position_embeddings', 4096),
                    'attention': {'rope': {'theta': rope_params(c)[1]}, 'mla': {'norm_eps': 1e-6}}}
            case = {'spec': spec, 'ir': ir, 'ids': ids.tolist(),
                    'weights': {k: {'shape': list(np.shape(v)), 'data': np.asarray(v).reshape(-1).tolist()} for k, v in w.items()}}
            d2 = np.abs(np.array(ref['forward'](case)) - want).max()
            line += f'  moec-ir {d2:.2e}'
            ok = ok and d2 <= tol
        print(line + f'  (tol {tol:.1e}) ' + ('ok' if ok else 'FAIL'))
        failures += not ok
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
