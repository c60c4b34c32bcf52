/**
 * ONNX lowering — the whole decoder LM from the resolved IR (docs/semantics.md §Decoder):
 * input_ids [batch, seq] (int64, dynamic) → token embedding → per layer
 * h += Attn(Norm(h)); h += FFN(Norm(h)) → final norm → LM head → logits [batch, seq, vocab].
 * By default with the KV-cache interface (decoder-interface.ts: attention_mask, position_ids,
 * past_key_values.* in, present.* out); `cache: false` gives the full-sequence graph.
 * Default-domain opset 21 (blocked DequantizeLinear, INT4, Gelu) and com.microsoft 1 when
 * MatMulNBits or MoE is used; IR version 10. MTP modules are training-only and not emitted.
 * The output is a pure function of (ir, weights, options): no clocks, no random names.
 * metadata_props are left to the caller (compile-onnx.ts).
 *
 * `emitOnnxGraph` builds the graph without reading a weight: weight initializers are deferred
 * (initializer-data.ts) and computed by the writer one at a time (write-model.ts), which is how
 * `moec compile` writes models larger than memory. `emitOnnxModel` fills them in at once from a
 * Map of weights, for small models held whole (tests, `moec eval`).
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { ModelIR } from '../../ir/types.js';
import { VERSION } from '../../version.js';
import { attention } from './attention.js';
import { createDecoderEnv } from './attention-env.js';
import { decoderInterface, INPUT_IDS, LOGITS } from './decoder-interface.js';
import { createEmbedding } from './embedding.js';
import { ffn } from './ffn.js';
import { GraphBuilder, onnx, type ModelProto, type OperatorSetIdProto, type TensorProto } from './graph-builder.js';
import type { EmitContext } from './linear.js';
import { mlaAttention } from './mla.js';
import { moeBlock, type MoeDispatch } from './moe-block.js';
import { modelNorm } from './norm.js';
import { checkLowering } from './check-lowering.js';
import type { DataContext, DeferredData } from './initializer-data.js';

export const DEFAULT_OPSET = 21;
export const IR_VERSION = 10;

export interface EmitOptions {
  /** MoE dispatch: sparse (default), dense-masked (baseline), fused com.microsoft.MoE where it fits. */
  moe?: MoeDispatch;
  /** Default-domain opset (21 ≤ opset ≤ 26). */
  opset?: number;
  /** Warnings found while lowering (e.g. fused MoE falling back to sparse) are appended here. */
  diagnostics?: Diagnostic[];
  /** KV-cache interface (default true); false: input_ids → logits over whole sequences. */
  cache?: boolean;
}

/** A graph whose weight initializers are computed when written. */
export interface EmittedGraph {
  /** The model; initializers named in `deferred` have no data yet. */
  model: ModelProto;
  deferred: Map<string, DeferredData>;
}

/** The whole model with every initializer's bytes, from weights held in memory. */
export function emitOnnxModel(ir: ModelIR, weights: Map<string, Float32Array>, options: EmitOptions = {}): ModelProto {
  const graph = emitOnnxGraph(ir, options);
  fillDeferred(graph.model.graph!.initializer!, graph.deferred, mapDataContext(ir, weights));
  return graph.model;
}

/** Give every deferred initializer its bytes, in initializer order. */
export function fillDeferred(initializers: TensorProto[], deferred: Map<string, DeferredData>, ctx: DataContext): void {
  for (const t of initializers) {
    const d = deferred.get(t.name!);
    // Copied: the model must not change when the caller's weight arrays do.
    if (d) t.rawData = d.conversion.take(d.index, ctx).slice();
  }
}

/** Conversions reading a Map of weights (IR names and shapes checked). */
export function mapDataContext(ir: Pick<ModelIR, 'tensors'>, weights: Map<string, Float32Array>): DataContext {
  const sizes = new Map(ir.tensors.map((t) => [t.name, t.shape.reduce((a, b) => a * b, 1)]));
  return {
    read: (name) => {
      const w = weights.get(name);
      if (!w) throw new Error(`weights are missing tensor ${name}`);
      if (w.length !== sizes.get(name)) throw new Error(`weight ${name} has ${w.length} values, expected ${sizes.get(name)}`);
      return w;
    },
  };
}

/** The graph, its weight initializers deferred: no weight is read. */
export function emitOnnxGraph(ir: ModelIR, options: EmitOptions = {}): EmittedGraph {
  const b = new GraphBuilder();
  const ctx: EmitContext = { b, ir, tensors: new Map(ir.tensors.map((t) => [t.name, t])) };
  const dispatch = options.moe ?? 'sparse';
  const diagnostics = checkLowering(ir, dispatch);
  options.diagnostics?.push(...diagnostics);

  const cache = options.cache ?? true;
  const emb = createEmbedding(ctx);
  let h = emb.embed(INPUT_IDS);
  const decoder = createDecoderEnv(ctx, cache);
  // Granite: residual + branch * residual_multiplier, after attention and after the FFN/MoE.
  const residual = ir.scaling?.residual ?? 1;
  const branch = (x: string) => (residual !== 1 ? b.mul(x, b.f32([residual])) : x);
  for (const layer of ir.layers) {
    const p = `layers.${layer.index}`;
    const a = layer.attention;
    const env = decoder.forLayer(layer.index);
    const normed = modelNorm(ctx, h, `${p}.input_norm`);
    const attn = a.kind === 'mla' ? mlaAttention(ctx, env, normed, `${p}.attn`, a) : attention(ctx, env, normed, `${p}.attn`, a);
    h = b.scope(p, () => b.add(h, branch(attn)));
    const normed2 = modelNorm(ctx, h, `${p}.post_attn_norm`);
    const f = layer.ffn;
    const out = f.kind === 'dense' ? ffn(ctx, normed2, `${p}.mlp`, f) : moeBlock(ctx, normed2, `${p}.moe`, f, dispatch);
    h = b.scope(p, () => b.add(h, branch(out)));
  }
  const logits = emb.head(modelNorm(ctx, h, 'norm'));
  b.op('Identity', [logits], {}, { names: [LOGITS] });
  const io = decoderInterface(ir, cache);

  const opsetImport: OperatorSetIdProto[] = [{ domain: '', version: options.opset ?? DEFAULT_OPSET }];
  for (const domain of [...b.domains].sort()) opsetImport.push({ domain, version: 1 });
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport,
    producerName: 'moec',
    producerVersion: VERSION,
    graph: {
      name: ir.name,
      node: b.nodes,
      initializer: b.initializers,
      input: io.inputs,
      output: io.outputs,
    },
  });
  return { model, deferred: b.deferred };
}
