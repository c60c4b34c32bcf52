/**
 * Analysis phase — KV-cache size at inference (docs/explain.md §KV cache): bytes per token and
 * per sequence at the full context, for the whole model and per device of the parallel layout.
 * Per layer and token, in elements:
 *   MHA / GQA / MQA   2 · kv_heads · head_dim                         (keys and values)
 *   MLA as exported   heads · (qk_nope + qk_rope) + heads · v_head_dim (per-head K and V: the
 *                     cache the ONNX graph and HF's DeepseekV3Attention keep)
 *   MLA latent        kv_lora_rank + qk_rope_head_dim                 (the compressed c_kv and
 *                     the shared rope key: what DeepSeek's own inference and vLLM's MLA keep)
 * A sliding-window layer needs only its window (`windowed`, what a ring-buffer engine holds); the
 * exported ONNX graph keeps every past position (its cache grows to the context).
 * Bytes: 4 per element for the ONNX export's float32 cache, 2 for a 16-bit serving cache.
 * Per device: a pipeline stage holds its own layers; tensor ranks split the heads (a rank keeps at
 * least one kv head: with fewer kv heads than ranks, heads are replicated, as Megatron does; the
 * MLA latent is one vector per token, replicated on every tensor rank); context ranks split the
 * sequence. Data-parallel replicas each serve their own sequences.
 */
import type { AttentionIR, ModelIR } from '../ir/types.js';

export interface KvCacheSizes {
  /** Elements per token, whole model. */
  perToken: number;
  /** With each windowed layer capped at its window (differs only when a layer has a window). */
  windowedAtContext: number;
  atContext: number;
}

export interface KvCacheStage {
  stage: number;
  layers: number;
  /** Elements per token and per full-context sequence held by one device of this stage. */
  perToken: number;
  atContext: number;
  latentPerToken?: number;
  latentAtContext?: number;
}

export interface KvCachePlan {
  attention: AttentionIR['kind'];
  context: number;
  /** Bytes per element of the exported cache (float32) and of a 16-bit serving cache. */
  bytes: { exported: 4; half: 2 };
  /** The cache the exported model keeps (elements). */
  exported: KvCacheSizes;
  /** MLA only: the compressed latent cache (elements). */
  latent?: KvCacheSizes;
  perDevice: KvCacheStage[];
}

/** Elements per token of one layer: the exported cache and (MLA) the latent one. */
function layerElements(a: AttentionIR): { exported: number; latent?: number; heads: number } {
  if (a.kind === 'mla' && a.mla) {
    return { exported: a.heads * (a.headDim + a.vHeadDim), latent: a.mla.kvLoraRank + a.mla.qkRopeHeadDim, heads: a.heads };
  }
  return { exported: 2 * a.kvHeads * a.headDim, heads: a.kvHeads };
}

function sizes(ir: ModelIR, perLayer: (a: AttentionIR) => number): KvCacheSizes {
  let perToken = 0;
  let windowed = 0;
  for (const l of ir.layers) {
    const n = perLayer(l.attention);
    perToken += n;
    windowed += n * Math.min(ir.context, l.attention.window ?? ir.context);
  }
  return { perToken, windowedAtContext: windowed, atContext: perToken * ir.context };
}

export function createKvCachePlan(ir: ModelIR): KvCachePlan {
  const p = ir.parallel;
  const a = ir.layers[0].attention;
  const mla = a.kind === 'mla';
  const perDevice: KvCacheStage[] = Array.from({ length: p.pipeline }, (_, stage) => {
    const layers = ir.layers.filter((l) => l.stage === stage);
    let perToken = 0;
    let latent = 0;
    for (const l of layers) {
      const e = layerElements(l.attention);
      // A rank holds max(1, heads / tensor) heads' worth of the per-head cache.
      const share = Math.max(1, e.heads / p.tensor) / e.heads;
      perToken += e.exported * share;
      latent += e.latent ?? 0;
    }
    const atContext = (n: number) => (n * ir.context) / p.context;
    return {
      stage,
      layers: layers.length,
      perToken,
      atContext: atContext(perToken),
      ...(mla ? { latentPerToken: latent, latentAtContext: atContext(latent) } : {}),
    };
  });
  return {
    attention: a.kind,
    context: ir.context,
    bytes: { exported: 4, half: 2 },
    exported: sizes(ir, (x) => layerElements(x).exported),
    ...(mla ? { latent: sizes(ir, (x) => layerElements(x).latent ?? 0) } : {}),
    perDevice,
  };
}
