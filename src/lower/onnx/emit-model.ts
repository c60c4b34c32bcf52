/**
 * ONNX lowering — the whole decoder LM from the resolved IR (docs/semantics.md §Decoder):
 * input_ids [batch, seq] (int64, dynamic) → token embedding → per layer
 * h += Attn(Norm(h)); h += FFN(Norm(h)) → final norm → LM head → logits [batch, seq, vocab].
 * Default-domain opset 21 (blocked DequantizeLinear, INT4, Gelu) and com.microsoft 1 when
 * MatMulNBits or MoE is used; IR version 10. MTP modules are training-only and not emitted.
 * The output is a pure function of (ir, weights, options): no clocks, no random names.
 * metadata_props are left to the caller (compile-onnx.ts).
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { ModelIR } from '../../ir/types.js';
import { VERSION } from '../../version.js';
import { attention, causalMask, type AttentionEnv } from './attention.js';
import { createEmbedding } from './embedding.js';
import { ffn } from './ffn.js';
import { DT, GraphBuilder, onnx, type ModelProto, type OperatorSetIdProto, type ValueInfoProto } from './graph-builder.js';
import type { EmitContext } from './linear.js';
import { mlaAttention } from './mla.js';
import { moeBlock, type MoeDispatch } from './moe-block.js';
import { modelNorm } from './norm.js';
import { checkLowering } from './check-lowering.js';

export const DEFAULT_OPSET = 21;
export const IR_VERSION = 10;

export interface EmitOptions {
  /** MoE dispatch: sparse (default), dense-masked (baseline), fused com.microsoft.MoE where it fits. */
  moe?: MoeDispatch;
  /** Default-domain opset (21 ≤ opset ≤ 26). */
  opset?: number;
  /** Warnings found while lowering (e.g. fused MoE falling back to sparse) are appended here. */
  diagnostics?: Diagnostic[];
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): ValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

export function emitOnnxModel(ir: ModelIR, weights: Map<string, Float32Array>, options: EmitOptions = {}): ModelProto {
  const b = new GraphBuilder();
  const ctx: EmitContext = { b, ir, weights, tensors: new Map(ir.tensors.map((t) => [t.name, t])) };
  const dispatch = options.moe ?? 'sparse';
  const diagnostics = checkLowering(ir, dispatch);
  options.diagnostics?.push(...diagnostics);

  const ids = 'input_ids';
  const emb = createEmbedding(ctx);
  let h = emb.embed(ids);
  const positions = b.scope('positions', () =>
    b.op('Range', [b.i64([0], []), b.squeeze(b.shape(ids, 1, 2), [0]), b.i64([1], [])]),
  );
  const masks = new Map<number, string>();
  const env: AttentionEnv = {
    rope: { positions: b.scope('positions', () => b.cast(positions, DT.FLOAT)), tables: new Map() },
    mask: (window) => {
      const key = window ?? 0;
      if (!masks.has(key)) masks.set(key, causalMask(ctx, positions, window));
      return masks.get(key)!;
    },
  };
  for (const layer of ir.layers) {
    const p = `layers.${layer.index}`;
    const a = layer.attention;
    const normed = modelNorm(ctx, h, `${p}.input_norm`);
    const attn = a.kind === 'mla' ? mlaAttention(ctx, env, normed, `${p}.attn`, a) : attention(ctx, env, normed, `${p}.attn`, a);
    h = b.scope(p, () => b.add(h, attn));
    const normed2 = modelNorm(ctx, h, `${p}.post_attn_norm`);
    const f = layer.ffn;
    const out = f.kind === 'dense' ? ffn(ctx, normed2, `${p}.mlp`, f) : moeBlock(ctx, normed2, `${p}.moe`, f, dispatch);
    h = b.scope(p, () => b.add(h, out));
  }
  const logits = emb.head(modelNorm(ctx, h, 'norm'));
  b.op('Identity', [logits], {}, { names: ['logits'] });

  const opsetImport: OperatorSetIdProto[] = [{ domain: '', version: options.opset ?? DEFAULT_OPSET }];
  for (const domain of [...b.domains].sort()) opsetImport.push({ domain, version: 1 });
  return onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport,
    producerName: 'moec',
    producerVersion: VERSION,
    graph: {
      name: ir.name,
      node: b.nodes,
      initializer: b.initializers,
      input: [valueInfo(ids, DT.INT64, ['batch', 'seq'])],
      output: [valueInfo('logits', DT.FLOAT, ['batch', 'seq', ir.vocab])],
    },
  });
}
