"""Second, vectorised implementation of docs/semantics.md in NumPy (float64).

Provenance of fixtures/numpy-logits.json: `npx tsx test/reference/dump-cases.ts > .tmp/cases.json`
then `python3 test/reference/numpy_reference.py .tmp/cases.json > test/reference/fixtures/numpy-logits.json`.
Written separately from the TypeScript reference (matrix style instead of loops) so the two
cross-check each other; the self-test compares them to 1e-9.
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


def rms(x, w, eps):
    return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w


def ln(x, w, b, eps):
    m = x.mean(-1, keepdims=True)
    return (x - m) / np.sqrt(((x - m) ** 2).mean(-1, keepdims=True) + eps) * w + b


def rope(x, dim, theta, factor):
    # x [B, S, heads, dim]: rotate-half over the whole last axis.
    S = x.shape[1]
    inv = theta ** (-2 * np.arange(dim // 2) / dim)
    ang = (np.arange(S)[:, None] / factor) * inv[None, :]
    c, s = np.cos(ang)[None, :, None, :], np.sin(ang)[None, :, None, :]
    x1, x2 = x[..., : dim // 2], x[..., dim // 2 :]
    return np.concatenate([x1 * c - x2 * s, x2 * c + x1 * s], -1)


def attention(x, a, W, p, eps, B, S):
    g = lambda n: W.get(p + '.' + n)
    H = a['heads']
    factor = a['rope']['factor'] if a['rope']['scaling'] == 'linear' else 1.0
    if a['kind'] == 'mla':
        m = a['mla']
        nope, rp, dv = m['qkNopeHeadDim'], m['qkRopeHeadDim'], m['vHeadDim']
        if m['qLoraRank'] > 0:
            q = rms(x @ g('q_a_proj.weight'), g('q_a_norm.weight'), eps) @ g('q_b_proj.weight')
        else:
            q = x @ g('q_proj.weight')
        q = q.reshape(B, S, H, nope + rp)
        kva = x @ g('kv_a_proj.weight')
        c, kpe = kva[..., : m['kvLoraRank']], kva[..., m['kvLoraRank'] :]
        kv = (rms(c, g('kv_a_norm.weight'), eps) @ g('kv_b_proj.weight')).reshape(B, S, H, nope + dv)
        k = np.concatenate([kv[..., :nope], np.broadcast_to(kpe[:, :, None, :], (B, S, H, rp))], -1)
        v = kv[..., nope:]
        if a['qkNorm']:
            q, k = rms(q, g('q_norm.weight'), eps), rms(k, g('k_norm.weight'), eps)
        q = np.concatenate([q[..., :nope], rope(q[..., nope:], rp, a['rope']['theta'], factor)], -1)
        k = np.concatenate([k[..., :nope], rope(k[..., nope:], rp, a['rope']['theta'], factor)], -1)
        KV, D = H, nope + rp
    else:
        D, KV, dv = a['headDim'], a['kvHeads'], a['vHeadDim']
        bias = lambda n: g(n) if g(n) is not None else 0
        q = (x @ g('q_proj.weight') + bias('q_proj.bias')).reshape(B, S, H, D)
        k = (x @ g('k_proj.weight') + bias('k_proj.bias')).reshape(B, S, KV, D)
        v = (x @ g('v_proj.weight') + bias('v_proj.bias')).reshape(B, S, KV, dv)
        if a['qkNorm']:
            q, k = rms(q, g('q_norm.weight'), eps), rms(k, g('k_norm.weight'), eps)
        r = a['rope']['dim']
        if r > 0:
            q = np.concatenate([rope(q[..., :r], r, a['rope']['theta'], factor), q[..., r:]], -1)
            k = np.concatenate([rope(k[..., :r], r, a['rope']['theta'], factor), k[..., r:]], -1)
    rep = H // KV
    k = np.repeat(k, rep, axis=2)
    v = np.repeat(v, rep, axis=2)
    sc = np.einsum('bqhd,bkhd->bhqk', q, k) / math.sqrt(D)
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
    if f['activation'] in ('swiglu', 'geglu'):
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
    ir, W = case['ir'], {k: np.array(v['data'], np.float64).reshape(v['shape']) for k, v in case['weights'].items()}
    ids = np.array(case['ids'])
    B, S = ids.shape
    eps, Hd = ir['norm']['eps'], ir['hidden']
    norm = (lambda x, p: rms(x, W[p + '.weight'], eps)) if ir['norm']['type'] == 'rmsnorm' else (lambda x, p: ln(x, W[p + '.weight'], W[p + '.bias'], eps))
    h = W['embed_tokens.weight'][ids]
    for layer in ir['layers']:
        p = 'layers.%d' % layer['index']
        h = h + attention(norm(h, p + '.input_norm'), layer['attention'], W, p + '.attn', eps, B, S)
        x = norm(h, p + '.post_attn_norm').reshape(B * S, Hd)
        f = layer['ffn']
        out = mlp(x, f, W, p + '.mlp') if f['kind'] == 'dense' else moe(x, f, W, p + '.moe')
        h = h + out.reshape(B, S, Hd)
    x = norm(h, 'norm')
    head = W['embed_tokens.weight'].T if ir['tieEmbeddings'] else W['lm_head.weight']
    return (x @ head).reshape(-1)


cases = json.load(open(sys.argv[1]))
json.dump({name: [float('%.12g' % v) for v in forward(c)] for name, c in cases.items()}, sys.stdout, indent=0)
