"""Second, vectorised implementation of docs/semantics.md in NumPy (float64).

Provenance of fixtures/numpy-logits.json: `npx tsx test/reference/dump-cases.ts > .tmp/cases.json`
then `/usr/bin/python3 test/reference/numpy_reference.py .tmp/cases.json > test/reference/fixtures/numpy-logits.json`.
Written separately from the TypeScript reference (matrix style instead of loops) so the two
cross-check each other; the self-test compares them to 1e-9. YaRN is resolved here from the
spec's own rope keys (as transformers' `_compute_yarn_parameters` and `standardize_rope_params`
do, modeling_rope_utils.py), not from moec's IR, so the IR's resolution is cross-checked too.
"""
import json
import math
import sys

import numpy as np
from math import erf

ACT = {
    'silu': lambda x: x / (1 + np.exp(-x)),
    'relu': lambda x: np.maximum(x, 0),
    'gelu': lambda x: 0.5 * x * (1 + np.vectorize(erf)(x / math.sqrt(2))),
}
ACT['swiglu'] = ACT['silu']
ACT['geglu'] = ACT['gelu']


def clamped_swiglu(gate, up, limit, alpha):
    # transformers gpt_oss/modular_gpt_oss.py, GptOssExperts.forward
    gate = np.minimum(gate, limit)
    up = np.clip(up, -limit, limit)
    return (up + 1) * (gate * (1 / (1 + np.exp(-alpha * gate))))


def get_mscale(scale, mscale=1.0):
    return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0


def rope_params(spec, dim):
    """(inv_freq, cos/sin factor) for `dim` rotary dims, from the spec's rope block."""
    r = spec['attention'].get('rope') or {}
    base = r.get('theta', 10000)
    inv = 1.0 / base ** (np.arange(0, dim, 2) / dim)
    scaling = r.get('scaling', 'none')
    if scaling == 'linear':
        return inv / r.get('factor', 1), 1.0
    if scaling != 'yarn':
        return inv, 1.0
    L0 = r.get('original_context', spec['context'])
    factor = r.get('factor', spec['context'] / L0)
    att = r.get('attention_factor')
    if att is None:
        m, mall = r.get('mscale'), r.get('mscale_all_dim')
        att = get_mscale(factor, m) / get_mscale(factor, mall) if m and mall else get_mscale(factor)
    corr = lambda rot: dim * math.log(L0 / (rot * 2 * math.pi)) / (2 * math.log(base))
    low, high = corr(r.get('beta_fast', 32)), corr(r.get('beta_slow', 1))
    if r.get('truncate', True):
        low, high = math.floor(low), math.ceil(high)
    low, high = max(low, 0), min(high, dim - 1)
    if low == high:
        high += 0.001
    ramp = np.clip((np.arange(dim // 2) - low) / (high - low), 0, 1)
    extrap_weight = 1 - ramp
    return (inv / factor) * (1 - extrap_weight) + inv * extrap_weight, att


def softmax_scale(spec, head_dim):
    a, r = spec['attention'], spec['attention'].get('rope') or {}
    if 'softmax_scale' in a:  # Granite's attention_multiplier replaces the scale
        return a['softmax_scale']
    scale = 1 / math.sqrt(head_dim)
    if 'mla' in a and r.get('scaling') == 'yarn' and r.get('mscale_all_dim'):
        L0 = r.get('original_context', spec['context'])
        scale *= get_mscale(r.get('factor', spec['context'] / L0), r['mscale_all_dim']) ** 2
    return scale


def rms(x, w, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def ln(x, w, b, eps):
    m = x.mean(-1, keepdims=True)
    y = (x - m) / np.sqrt(((x - m) ** 2).mean(-1, keepdims=True) + eps) * w
    return y + b if b is not None else y


def rope(x, dim, params):
    # x [B, S, heads, dim]: rotate-half over the whole last axis; cos/sin times the factor.
    S = x.shape[1]
    inv, att = params
    ang = np.arange(S)[:, None] * inv[None, :]
    c, s = att * np.cos(ang)[None, :, None, :], att * np.sin(ang)[None, :, None, :]
    x1, x2 = x[..., : dim // 2], x[..., dim // 2 :]
    return np.concatenate([x1 * c - x2 * s, x2 * c + x1 * s], -1)


def attention(x, a, W, p, eps, B, S, spec):
    g = lambda n: W.get(p + '.' + n)
    H = a['heads']
    if a['kind'] == 'mla':
        m = a['mla']
        nope, rp, dv = m['qkNopeHeadDim'], m['qkRopeHeadDim'], m['vHeadDim']
        leps = spec['attention']['mla'].get('norm_eps', 1e-6)  # transformers: RMSNorm default, not rms_norm_eps
        if m['qLoraRank'] > 0:
            q = rms(x @ g('q_a_proj.weight'), g('q_a_norm.weight'), leps) @ g('q_b_proj.weight')
        else:
            q = x @ g('q_proj.weight')
        q = q.reshape(B, S, H, nope + rp)
        kva = x @ g('kv_a_proj.weight')
        c, kpe = kva[..., : m['kvLoraRank']], kva[..., m['kvLoraRank'] :]
        kv = (rms(c, g('kv_a_norm.weight'), leps) @ g('kv_b_proj.weight')).reshape(B, S, H, nope + dv)
        k = np.concatenate([kv[..., :nope], np.broadcast_to(kpe[:, :, None, :], (B, S, H, rp))], -1)
        v = kv[..., nope:]
        params = rope_params(spec, rp)
        q = np.concatenate([q[..., :nope], rope(q[..., nope:], rp, params)], -1)
        k = np.concatenate([k[..., :nope], rope(k[..., nope:], rp, params)], -1)
        KV, D = H, nope + rp
    else:
        D, KV, dv = a['headDim'], a['kvHeads'], a['vHeadDim']
        bias = lambda n: g(n) if g(n) is not None else 0
        sa = spec['attention']
        qk_norm = {False: None, True: 'head', 'head': 'head', 'full': 'full'}[sa.get('qk_norm', False)]
        clip = (lambda t: np.clip(t, -sa['clip_qkv'], sa['clip_qkv'])) if 'clip_qkv' in sa else (lambda t: t)
        q = x @ g('q_proj.weight') + bias('q_proj.bias')
        k = x @ g('k_proj.weight') + bias('k_proj.bias')
        v = clip(x @ g('v_proj.weight') + bias('v_proj.bias')).reshape(B, S, KV, dv)
        if qk_norm == 'full':  # OLMoE: norm the whole projection, then clamp (modular_olmoe.py)
            q, k = clip(rms(q, g('q_norm.weight'), eps)), clip(rms(k, g('k_norm.weight'), eps))
        else:
            q, k = clip(q), clip(k)
        q, k = q.reshape(B, S, H, D), k.reshape(B, S, KV, D)
        if qk_norm == 'head':
            q, k = rms(q, g('q_norm.weight'), eps), rms(k, g('k_norm.weight'), eps)
        r = a['rope']['dim']
        if r > 0:
            params = rope_params(spec, r)
            q = np.concatenate([rope(q[..., :r], r, params), q[..., r:]], -1)
            k = np.concatenate([rope(k[..., :r], r, params), k[..., r:]], -1)
    rep = H // KV
    k = np.repeat(k, rep, axis=2)
    v = np.repeat(v, rep, axis=2)
    sc = np.einsum('bqhd,bkhd->bhqk', q, k) * softmax_scale(spec, D)
    qi, ki = np.arange(S)[:, None], np.arange(S)[None, :]
    allowed = ki <= qi
    if a.get('window') is not None:
        allowed &= (qi - ki) < a['window']
    sc = np.where(allowed[None, None], sc, -np.inf)
    if a['sinks']:
        sink = np.broadcast_to(g('sinks')[None, :, None, None], (B, H, S, 1))
        full = np.concatenate([sc, sink], -1)
        pr = np.exp(full - full.max(-1, keepdims=True))
        pr = (pr / pr.sum(-1, keepdims=True))[..., :-1]
    else:
        pr = np.exp(sc - sc.max(-1, keepdims=True))
        pr = pr / pr.sum(-1, keepdims=True)
    o = np.einsum('bhqk,bkhd->bqhd', pr, v).reshape(B, S, H * dv)
    out = o @ g('o_proj.weight')
    if g('o_proj.bias') is not None:
        out = out + g('o_proj.bias')
    return out


def mlp(x, f, W, p):
    g = lambda n: W[p + '.' + n]
    b = lambda n: W[p + '.' + n + '.bias'] if f['bias'] else 0
    up = x @ g('up_proj.weight') + b('up_proj')
    if f['activation'] == 'clamped_swiglu':
        hmid = clamped_swiglu(x @ g('gate_proj.weight') + b('gate_proj'), up, f['swigluLimit'], f['swigluAlpha'])
    elif f['activation'] in ('swiglu', 'geglu'):
        hmid = ACT[f['activation']](x @ g('gate_proj.weight') + b('gate_proj')) * up
    else:
        hmid = ACT[f['activation']](up)
    return hmid @ g('down_proj.weight') + b('down_proj')


def moe(x, f, W, p):
    r = f['router']
    T, E, K = x.shape[0], f['experts'], r['topK']
    logits = x @ W[p + '.router.weight'] + (W[p + '.router.bias'] if r['bias'] else 0)
    if r['score'] == 'softmax':
        e = np.exp(logits - logits.max(-1, keepdims=True))
        s = e / e.sum(-1, keepdims=True)
    else:
        s = 1 / (1 + np.exp(-logits))
    sel = s + (W[p + '.router.score_bias'] if r['biasUpdate'] > 0 else 0)
    if r['groups'] > 1:
        G = r['groups']
        grouped = np.sort(sel.reshape(T, G, E // G), -1)[..., ::-1]
        gs = grouped[..., 0] if r['groupScore'] == 'max' else grouped[..., :2].sum(-1)
        keep = np.argsort(-gs, axis=-1, kind='stable')[:, : r['topGroups']]
        mask = np.zeros((T, G), bool)
        np.put_along_axis(mask, keep, True, -1)
        sel = np.where(np.repeat(mask, E // G, -1), sel, -np.inf)
    idx = np.argsort(-sel, axis=-1, kind='stable')[:, :K]
    w = np.take_along_axis(s, idx, -1)
    if r['normTopK']:
        w = w / (w.sum(-1, keepdims=True) + 1e-20)
    w = w * r['scaling']
    if r.get('capacityFactor') is not None and r['overflow'] == 'drop':
        C = math.ceil(T * K / E * r['capacityFactor'])  # Megatron get_capacity order
        t_major = np.arange(T * K)  # assignment a = t*K + k
        if r['dropPolicy'] == 'gshard':  # all first choices, then all second ...
            order = (np.arange(T)[None, :] * K + np.arange(K)[:, None]).reshape(-1)
        elif r['dropPolicy'] == 'position':  # earliest token first
            order = t_major
        else:  # probs: highest combine weight first, ties to the earlier assignment
            order = np.lexsort((t_major, -w.reshape(-1)))
        experts = idx.reshape(-1)[order]
        onehot = np.eye(E)[experts]
        pos_sorted = (np.cumsum(onehot, 0) - 1)[np.arange(order.size), experts]
        pos = np.empty(T * K)
        pos[order] = pos_sorted
        w = np.where(pos.reshape(T, K) < C, w, 0)
    y = np.zeros_like(x)
    for e in range(E):
        coef = (w * (idx == e)).sum(-1)
        y += coef[:, None] * mlp(x, f['expert'], W, f'{p}.experts.{e}')
    if f.get('shared'):
        sh = f['shared']
        out = mlp(x, sh, W, p + '.shared')
        if sh['gate']:
            out = out / (1 + np.exp(-(x @ W[p + '.shared.gate.weight'])))
        y += out
    return y


def forward(case):
    spec, ir, W = case['spec'], case['ir'], {k: np.array(v['data'], np.float64).reshape(v['shape']) for k, v in case['weights'].items()}
    ids = np.array(case['ids'])
    B, S = ids.shape
    eps, Hd = ir['norm']['eps'], ir['hidden']
    norm = (lambda x, p: rms(x, W[p + '.weight'], eps)) if ir['norm']['type'] == 'rmsnorm' else (lambda x, p: ln(x, W[p + '.weight'], W.get(p + '.bias'), eps))
    sc = spec.get('scaling') or {}  # Granite's multipliers (modeling_granitemoe.py)
    me, mr, d = sc.get('embedding', 1.0), sc.get('residual', 1.0), sc.get('logits_divisor', 1.0)
    h = W['embed_tokens.weight'][ids] * me
    for layer in ir['layers']:
        p = 'layers.%d' % layer['index']
        h = h + mr * attention(norm(h, p + '.input_norm'), layer['attention'], W, p + '.attn', eps, B, S, spec)
        x = norm(h, p + '.post_attn_norm').reshape(B * S, Hd)
        f = layer['ffn']
        out = mlp(x, f, W, p + '.mlp') if f['kind'] == 'dense' else moe(x, f, W, p + '.moe')
        h = h + mr * out.reshape(B, S, Hd)
    x = norm(h, 'norm')
    head = W['embed_tokens.weight'].T if ir['tieEmbeddings'] else W['lm_head.weight']
    return ((x @ head + W.get('lm_head.bias', 0)) / d).reshape(-1)


cases = json.load(open(sys.argv[1]))
json.dump({name: [float('%.12g' % v) for v in forward(c)] for name, c in cases.items()}, sys.stdout, indent=0)
