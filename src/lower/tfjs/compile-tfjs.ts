/**
 * TensorFlow.js target — `moec compile --target tfjs`: the training graph as a Layers-format
 * artifact (model.json with moec's registered custom layers + weight shards) that a user loads
 * with tf.loadLayersModel after importing moec's layers module (layers.ts), and trains with
 * model.fit or their own loop. The graph is the one `moec train` runs: embedding, per layer
 * input norm → attention → residual add → post-attention norm → FFN or MoE → residual add,
 * final norm, LM head (tied: the embedding layer applied to the hidden state); Granite's
 * multipliers (scaling.*) are weightless MoecScale layers on the embedding, each branch, the logits.
 * Same IR + seed → same bytes.
 */
import * as tf from '@tensorflow/tfjs';
import { createDiagnostic, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import type { DenseIR, FfnIR, ModelIR } from '../../ir/types.js';
import { initWeights } from '../../weights/init-weights.js';
import { fileHandler } from './artifact-io.js';
import { checkReplaceableDir } from '../../io/output-guard.js';
import { silenceCpuBanner } from './backend.js';
import { MoecAttention, MoecEmbedding, MoecFfn, MoecLmHead, MoecMoE, MoecNorm, MoecScale, type TensorSpec } from './layers.js';

function tensorsUnder(ir: ModelIR, prefix: string): TensorSpec[] {
  return ir.tensors
    .filter((t) => !t.mtp && t.name.startsWith(`${prefix}.`))
    // Buffers (router.score_bias) are non-trainable weights: model.fit must not optimise them.
    .map((t) => ({ name: t.name.slice(prefix.length + 1), shape: [...t.shape], ...(t.trainable ? {} : { trainable: false }) }));
}

/** A dense layer's FFN settings for the layer config (serialised into model.json). */
function ffnConfig(f: DenseIR): FfnIR {
  const { kind: _kind, ...rest } = f;
  return rest;
}

/** The functional LayersModel for `ir` (weights zero until set). Input: int32 ids [batch, seq]. */
export function buildLayersModel(ir: ModelIR, seed = ir.train.seed): tf.LayersModel {
  const norm = (name: string) => new MoecNorm({ name, normType: ir.norm.type, eps: ir.norm.eps, tensors: tensorsUnder(ir, name) });
  const ids = tf.input({ shape: [null], dtype: 'int32', name: 'input_ids' });
  const embedding = new MoecEmbedding({ name: 'embed_tokens', vocab: ir.vocab, hidden: ir.hidden, tensors: tensorsUnder(ir, 'embed_tokens') });
  // Granite's multipliers (scaling.*) as weightless MoecScale layers; none when they are 1.
  const scale = (x: tf.SymbolicTensor, name: string, factor: number, divide = false): tf.SymbolicTensor =>
    factor === 1 ? x : (new MoecScale({ name, factor, ...(divide ? { divide } : {}), tensors: [] }).apply(x) as tf.SymbolicTensor);
  const residual = ir.scaling?.residual ?? 1;
  let h = scale(embedding.apply(ids) as tf.SymbolicTensor, 'embed_scale', ir.scaling?.embedding ?? 1);
  for (const layer of ir.layers) {
    const p = `layers.${layer.index}`;
    const attn = new MoecAttention({ name: `${p}.attn`, attention: layer.attention, eps: ir.norm.eps, tensors: tensorsUnder(ir, `${p}.attn`) });
    const a = attn.apply(norm(`${p}.input_norm`).apply(h)) as tf.SymbolicTensor;
    h = tf.layers.add({ name: `${p}.attn_residual` }).apply([h, scale(a, `${p}.attn_scale`, residual)]) as tf.SymbolicTensor;
    const x = norm(`${p}.post_attn_norm`).apply(h) as tf.SymbolicTensor;
    const f = layer.ffn;
    const block = f.kind === 'dense'
      ? new MoecFfn({ name: `${p}.mlp`, ffn: ffnConfig(f), tensors: tensorsUnder(ir, `${p}.mlp`) })
      : new MoecMoE({ name: `${p}.moe`, moe: f, seed: seed + layer.index, rankSequences: ir.parallel.microBatch, tensors: tensorsUnder(ir, `${p}.moe`) });
    h = tf.layers.add({ name: `${p}.ffn_residual` }).apply([h, scale(block.apply(x) as tf.SymbolicTensor, `${p}.ffn_scale`, residual)]) as tf.SymbolicTensor;
  }
  const final = norm('norm').apply(h) as tf.SymbolicTensor;
  const head = new MoecLmHead({ name: 'lm_head', vocab: ir.vocab, tensors: tensorsUnder(ir, 'lm_head') });
  // Tied: the embedding layer gives the logits; the head layer then only adds lm_head.bias, if any.
  const logits = ir.tieEmbeddings
    ? ir.lmHeadBias ? (head.apply(embedding.apply(final)) as tf.SymbolicTensor) : (embedding.apply(final) as tf.SymbolicTensor)
    : (head.apply(final) as tf.SymbolicTensor);
  return tf.model({ inputs: ids, outputs: scale(logits, 'logits_scale', ir.scaling?.logitsDivisor ?? 1, true), name: ir.name });
}

/** IR name of a Layers weight: `layers.1.moe/experts.3.up_proj.weight` → `layers.1.moe.experts.3.up_proj.weight`. */
export function irNameOf(weight: tf.LayerVariable): string {
  return weight.originalName.replace('/', '.');
}

/** Copy IR-named values into the model's weights. */
export function setLayersWeights(model: tf.LayersModel, weights: Map<string, Float32Array>): void {
  for (const w of model.weights) {
    const name = irNameOf(w);
    const data = weights.get(name);
    if (!data) throw new Error(`moec: no value for ${name}`);
    tf.tidy(() => {
      w.write(tf.tensor(data, w.shape as number[], 'float32'));
    });
  }
}

function checkWeights(ir: ModelIR, weights: Map<string, Float32Array>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const t of ir.tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    const data = weights.get(t.name);
    if (!data) out.push(createDiagnostic('MOE6007', { args: { name: t.name, reason: 'is missing' } }));
    else if (data.length !== size) out.push(createDiagnostic('MOE6007', { args: { name: t.name, reason: `has ${data.length} values; shape [${t.shape.join(', ')}] needs ${size}` } }));
  }
  return out;
}

export async function compileTfjs(
  ir: ModelIR,
  opts: { out: string; seed: number; weights?: Map<string, Float32Array> },
): Promise<Result<{ files: string[] }>> {
  // The artifact directory is replaced whole: refuse one that holds anything else (`-o .`).
  const foreign = checkReplaceableDir(opts.out, (f) => f === 'model.json' || /^weights(\.\d+-of-\d+)?\.bin$/.test(f), 'a TensorFlow.js artifact (model.json, weights*.bin)');
  if (foreign) return { value: { files: [] }, diagnostics: [foreign] };
  const weights = opts.weights ?? initWeights(ir, opts.seed);
  const diagnostics = checkWeights(ir, weights);
  if (diagnostics.length) return { value: { files: [] }, diagnostics };
  for (const [group, q] of Object.entries(ir.quantize)) {
    if (group !== 'activations' && q.dtype !== 'fp32') diagnostics.push(createDiagnostic('MOE6005', { args: { group, dtype: q.dtype } }));
  }
  if (ir.mtpDepth > 0) diagnostics.push(createDiagnostic('MOE6004', { args: { depth: ir.mtpDepth } }));
  await tf.ready();
  silenceCpuBanner();
  const model = buildLayersModel(ir, opts.seed);
  try {
    setLayersWeights(model, weights);
    const handler = fileHandler(opts.out, { moec: { model: ir.name, specHash: ir.specHash, seed: opts.seed } });
    await model.save(handler);
    return { value: { files: handler.written }, diagnostics };
  } catch (err) {
    diagnostics.push(createDiagnostic('MOE6006', { args: { path: opts.out, reason: (err as Error).message } }));
    return { value: { files: [] }, diagnostics };
  } finally {
    model.dispose();
  }
}
