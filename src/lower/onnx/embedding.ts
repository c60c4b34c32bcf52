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
import { DT, rawBytes } from './graph-builder.js';
import { floatParam, linear, linearMaybeBias, tensorOf, weightOf, type EmitContext } from './linear.js';
import { packNibbles, quantizeMatrix, toBFloat16, toFloat16 } from './quantize.js';

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
  const q = quantizeMatrix(weightOf(ctx, EMBED), vocab, hidden, t.quant, bits);
  const width = q.blocks * q.block; // padded row length
  const codes = new Int32Array(vocab * width);
  for (let r = 0; r < vocab; r++) {
    for (let c = 0; c < width; c++) {
      const g = q.perTensor ? 0 : r * q.blocks + Math.floor(c / q.block);
      const code = c < hidden ? q.codes[r * hidden + c] : q.zeroPoints[g];
      codes[r * width + c] = bits === 4 && q.symmetric ? code + 8 : code;
    }
  }
  if (bits === 8) {
    const raw = rawBytes(q.symmetric ? Int8Array.from(codes) : Uint8Array.from(codes));
    b.initializer(EMBED, q.symmetric ? DT.INT8 : DT.UINT8, [vocab, width], raw);
  } else {
    b.initializer(EMBED, DT.UINT8, [vocab, width / 2], packNibbles(codes));
  }
  const scaleDims = q.perTensor ? [] : [vocab, q.blocks];
  const scale = b.floatInit(`${EMBED}_scale`, scaleDims, q.scales);
  // Asymmetric zero points are kept as float: they are subtracted after the Cast.
  const zp = q.symmetric ? undefined : b.floatInit(`${EMBED}_zero_point`, scaleDims, Float32Array.from(q.zeroPoints));
  return {
    rows: (ids) => {
      const gather = (name: string): string => (ids ? b.op('Gather', [name, ids], { axis: 0 }) : name);
      const lead = ids ? [0, 0] : [0];
      let x = gather(EMBED);
      if (bits === 4) {
        const lo = b.op('BitwiseAnd', [x, b.u8([0x0f])]);
        const hi = b.op('BitShift', [x, b.u8([4])], { direction: 'RIGHT' });
        x = b.reshape(b.concat([b.unsqueeze(lo, [-1]), b.unsqueeze(hi, [-1])], -1), [...lead, width]);
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
  const t = tensorOf(ctx, EMBED);
  const dtype = t.quant.dtype;
  if (dtype === 'int8' || dtype === 'int4') return quantizedTable(ctx);
  const w = weightOf(ctx, EMBED);
  if (dtype === 'fp16' || dtype === 'bf16') {
    const half = dtype === 'fp16' ? toFloat16(w) : toBFloat16(w);
    b.initializer(EMBED, dtype === 'fp16' ? DT.FLOAT16 : DT.BFLOAT16, t.shape, rawBytes(half));
    return { rows: (ids) => b.cast(ids ? b.op('Gather', [EMBED, ids], { axis: 0 }) : EMBED, DT.FLOAT) };
  }
  b.floatInit(EMBED, t.shape, w);
  return { rows: (ids) => (ids ? b.op('Gather', [EMBED, ids], { axis: 0 }) : EMBED) };
}

/** Embedding lookup for ids [batch, seq] → [batch, seq, hidden], and the LM head emitter. */
export function createEmbedding(ctx: EmitContext): { embed: (ids: string) => string; head: (h: string) => string } {
  const tab = ctx.b.scope('embed_tokens', () => table(ctx));
  return {
    embed: (ids) => ctx.b.scope('embed_tokens', () => tab.rows(ids)),
    head: (h) =>
      ctx.b.scope('lm_head', () => {
        if (!ctx.ir.tieEmbeddings) return linearMaybeBias(ctx, h, 'lm_head');
        const logits = ctx.b.matmul(h, ctx.b.transpose(tab.rows(), [1, 0]));
        return ctx.ir.lmHeadBias ? ctx.b.add(logits, floatParam(ctx, 'lm_head.bias')) : logits;
      }),
  };
}

