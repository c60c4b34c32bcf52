/**
 * ONNX lowering — token embedding and LM head (docs/semantics.md §Decoder).
 * Quantized embedding tables are stored per row (docs/onnx-graph.md §Quantization): row v of
 * `embed_tokens.weight` is split into blocks along hidden (channel: one block per row; tensor:
 * one scale for the table). The graph gathers the rows' codes and scales first and dequantizes
 * only the gathered rows, so a large vocabulary is never expanded to float per request.
 * int4 rows are packed two codes per byte (low nibble first, unsigned, zero point 8 when
 * symmetric) and unpacked in-graph with BitwiseAnd / BitShift.
 * A tied LM head reuses the same initializers (dequantized whole; ORT folds that at load).
 * `lm_head.bias` (Phi-3.5-MoE), when the IR has it, is added to the logits, tied or not.
 */
import { DT } from './graph-builder.js';
import { Conversion, deferAll, floatBytes } from './initializer-data.js';
import { floatInit, floatParam, halfInit, linearMaybeBias, tensorOf, type EmitContext } from './linear.js';
import { quantizeTensor, quantLayout } from './quantize-tensor.js';

const EMBED = 'embed_tokens.weight';

interface Table {
  /** Float tensor [..rows, hidden] from gathered (or all) rows. */
  rows: (ids?: string) => string;
}

function quantizedTable(ctx: EmitContext): Table {
  const b = ctx.b;
  const t = tensorOf(ctx, EMBED);
  const [vocab, hidden] = t.shape;
  const bits = t.quant.dtype === 'int8' ? 8 : 4;
  const q = quantLayout(vocab, hidden, t.quant, bits);
  const width = q.blocks * q.block; // padded row length
  // Stored row length: int4 rows padded (with zero-point codes) to a whole byte, so that
  // Gather takes each row's codes whole (an odd width would split a byte between two rows).
  const stored = bits === 4 ? width + (width % 2) : width;
  const codeBytes = bits === 8 ? vocab * stored : (vocab * stored) / 2;
  const conversion = new Conversion([EMBED], [codeBytes, 4 * q.groups, ...(q.symmetric ? [] : [4 * q.groups])], (d) => {
    const codes = quantizeTensor(d.read(EMBED, true), q, { vectorsAreRows: true, vectorMajor: true, stride: stored, add: bits === 4 && q.symmetric ? 8 : 0 }, d.pool);
    // Asymmetric zero points are kept as float: they are subtracted after the Cast.
    return [codes.codes, floatBytes(codes.scales), ...(q.symmetric ? [] : [floatBytes(Float32Array.from(codes.zeroPoints))])];
  });
  const [codes, scales, zps] = deferAll(conversion);
  if (bits === 8) b.initializer(EMBED, q.symmetric ? DT.INT8 : DT.UINT8, [vocab, width], codes);
  else b.initializer(EMBED, DT.UINT8, [vocab, stored / 2], codes);
  const scaleDims = q.perTensor ? [] : [vocab, q.blocks];
  const scale = b.initializer(`${EMBED}_scale`, DT.FLOAT, scaleDims, scales);
  const zp = q.symmetric ? undefined : b.initializer(`${EMBED}_zero_point`, DT.FLOAT, scaleDims, zps);
  return {
    rows: (ids) => {
      const gather = (name: string): string => (ids ? b.op('Gather', [name, ids], { axis: 0 }) : name);
      const lead = ids ? [0, 0] : [0];
      let x = gather(EMBED);
      if (bits === 4) {
        const lo = b.op('BitwiseAnd', [x, b.u8([0x0f])]);
        const hi = b.op('BitShift', [x, b.u8([4])], { direction: 'RIGHT' });
        x = b.reshape(b.concat([b.unsqueeze(lo, [-1]), b.unsqueeze(hi, [-1])], -1), [...lead, stored]);
        if (stored !== width) x = b.slice(x, -1, 0, width);
      }
      let v = b.cast(x, DT.FLOAT);
      if (zp) v = b.sub(b.reshape(v, [...lead, q.blocks, q.block]), q.perTensor ? zp : b.unsqueeze(gather(zp), [-1]));
      else if (bits === 4) v = b.reshape(b.sub(v, b.f32([8])), [...lead, q.blocks, q.block]);
      else v = b.reshape(v, [...lead, q.blocks, q.block]);
      const s = q.perTensor ? scale : b.unsqueeze(gather(scale), [-1]);
      const out = b.reshape(b.mul(v, s), [...lead, width]);
      return width === hidden ? out : b.slice(out, -1, 0, hidden);
    },
  };
}

function table(ctx: EmitContext): Table {
  const b = ctx.b;
  const dtype = tensorOf(ctx, EMBED).quant.dtype;
  if (dtype === 'int8' || dtype === 'int4') return quantizedTable(ctx);
  if (dtype === 'fp16' || dtype === 'bf16') {
    halfInit(ctx, EMBED, dtype);
    return { rows: (ids) => b.cast(ids ? b.op('Gather', [EMBED, ids], { axis: 0 }) : EMBED, DT.FLOAT) };
  }
  floatInit(ctx, EMBED);
  return { rows: (ids) => (ids ? b.op('Gather', [EMBED, ids], { axis: 0 }) : EMBED) };
}

/** Embedding lookup for ids [batch, seq] → [batch, seq, hidden], and the LM head emitter. */
export function createEmbedding(ctx: EmitContext): { embed: (ids: string) => string; head: (h: string) => string } {
  const tab = ctx.b.scope('embed_tokens', () => table(ctx));
  const scaling = ctx.ir.scaling;
  // Granite (modeling_granitemoe.py): inputs_embeds * embedding_multiplier; logits / logits_scaling,
  // a division as there (not a multiplication by the reciprocal), after the head's bias.
  const scaled = (x: string) => (scaling && scaling.embedding !== 1 ? ctx.b.mul(x, ctx.b.f32([scaling.embedding])) : x);
  const divided = (x: string) => (scaling && scaling.logitsDivisor !== 1 ? ctx.b.div(x, ctx.b.f32([scaling.logitsDivisor])) : x);
  return {
    embed: (ids) => ctx.b.scope('embed_tokens', () => scaled(tab.rows(ids))),
    head: (h) =>
      ctx.b.scope('lm_head', () => {
        if (!ctx.ir.tieEmbeddings) return divided(linearMaybeBias(ctx, h, 'lm_head'));
        const logits = ctx.b.matmul(h, ctx.b.transpose(tab.rows(), [1, 0]));
        return divided(ctx.ir.lmHeadBias ? ctx.b.add(logits, floatParam(ctx, 'lm_head.bias')) : logits);
      }),
  };
}

