/**
 * TensorFlow.js target — activation checkpointing (train.checkpointing full / selective).
 *
 * tfjs cannot nest tf.grads inside a customGrad (TFJS-NOTES), so recompute is a manual
 * block-by-block backward: a tape-free forward keeps only each layer's input; then, from the
 * LM head down, each block is run again under the tape and differentiated on its own with
 * the upstream gradient dy folded in as Σ(out ⊙ dy) (+ the block's aux/z terms, whose
 * gradient is 1). Jitter/dropout seeds and the routing plan are functions of the block's
 * input, so the recomputed block is the block of the forward pass and the gradients are the
 * same as without checkpointing. Live memory holds one block's activations at a time.
 *
 * A block input is wrapped in a temporary variable so variableGrads can return its gradient
 * and tolerate parameters that got none (an expert that received no token this step).
 */
import * as tf from '@tensorflow/tfjs';
import { decoderLayer, embedTokens, lmHead, type DecoderContext } from './decoder.js';
import { crossEntropy, sumTerms } from './loss.js';
import type { Batch, LossAndGrads } from './model.js';
import { completeGrads, routingStats } from './model.js';
import type { RoutingPlan } from './router.js';
import type { ModelVariables } from './variables.js';

const H_NAME = 'moec.recompute.block_input';

function accumulate(into: Map<string, tf.Tensor>, name: string, g: tf.Tensor): void {
  const prev = into.get(name);
  if (!prev) {
    into.set(name, g);
    return;
  }
  into.set(name, tf.add(prev, g));
  prev.dispose();
  g.dispose();
}

/**
 * Gradients of `f(h)` (a scalar) with respect to the block input `h` and `params`; parameter
 * gradients are accumulated into `grads`. Returns dL/dh (caller disposes).
 */
function blockGrads(h: tf.Tensor, params: tf.Variable[], grads: Map<string, tf.Tensor>, f: (h: tf.Tensor) => tf.Scalar): tf.Tensor {
  const hv = tf.variable(h, true, H_NAME);
  try {
    const { value, grads: g } = tf.variableGrads(() => f(hv), [hv, ...params]);
    value.dispose();
    for (const p of params) {
      const gp = g[p.name];
      if (gp) accumulate(grads, p.name, gp);
    }
    return g[H_NAME] ?? tf.zerosLike(h);
  } finally {
    hv.dispose();
  }
}

function paramsWithPrefix(vars: ModelVariables, prefix: string): tf.Variable[] {
  return [...vars.entries()].filter(([n, v]) => v.trainable && n.startsWith(prefix)).map(([, v]) => v);
}

/** The embedding's gradient from dL/dh₀ (disposed here); a frozen embedding (LoRA) gets none. */
function embeddingGrads(c: DecoderContext, batch: Batch, embedVar: tf.Variable, dh0: tf.Tensor, grads: Map<string, tf.Tensor>): void {
  if (!embedVar.trainable) {
    dh0.dispose();
    return;
  }
  const { value, grads: ge } = tf.variableGrads(() => tf.sum(tf.mul(embedTokens(c, batch.inputs), dh0)) as tf.Scalar, [embedVar]);
  value.dispose();
  dh0.dispose();
  if (ge[embedVar.name]) accumulate(grads, embedVar.name, ge[embedVar.name]!);
}

export function recomputeLossAndGrads(c: DecoderContext, vars: ModelVariables, batch: Batch): LossAndGrads {
  const ir = c.ir;
  const inputs: tf.Tensor[] = [];
  tf.tidy(() => {
    let h = embedTokens(c, batch.inputs);
    for (const layer of ir.layers) {
      inputs.push(tf.keep(h));
      h = decoderLayer(layer, h, c).h;
    }
    inputs.push(tf.keep(h));
  });

  const grads = new Map<string, tf.Tensor>();
  const plans: { layer: number; plan: RoutingPlan }[] = [];
  const balanceCounts = new Map<number, Float64Array>();
  let ce = 0;
  let auxLoss = 0;
  let zLoss = 0;
  try {
    const headParams = ['norm.weight', 'norm.bias', ir.tieEmbeddings ? 'embed_tokens.weight' : 'lm_head.weight', 'lm_head.bias']
      .map((n) => vars.get(n))
      .filter((v): v is tf.Variable => v !== undefined && v.trainable);
    let dy = blockGrads(inputs[inputs.length - 1]!, headParams, grads, (h) => {
      const loss = crossEntropy(lmHead(c, h), batch.targets);
      ce = loss.dataSync()[0]!;
      return loss as tf.Scalar;
    });
    for (let i = ir.layers.length - 1; i >= 0; i--) {
      const layer = ir.layers[i]!;
      const upstream = dy;
      dy = blockGrads(inputs[i]!, paramsWithPrefix(vars, `layers.${layer.index}.`), grads, (h) => {
        const out = decoderLayer(layer, h, c);
        if (out.plan) plans.push({ layer: layer.index, plan: out.plan });
        if (out.balanceCounts) balanceCounts.set(layer.index, out.balanceCounts);
        const terms = [out.aux, out.z].filter((t): t is tf.Tensor => t !== undefined);
        if (out.aux) auxLoss = Math.fround(auxLoss + out.aux.dataSync()[0]!);
        if (out.z) zLoss = Math.fround(zLoss + out.z.dataSync()[0]!);
        return tf.add(tf.sum(tf.mul(out.h, upstream)), sumTerms(terms)) as tf.Scalar;
      });
      upstream.dispose();
    }
    embeddingGrads(c, batch, vars.get('embed_tokens.weight')!, dy, grads);
  } finally {
    for (const t of inputs) t.dispose();
  }
  plans.sort((a, b) => a.layer - b.layer);
  const loss = Math.fround(Math.fround(ce + auxLoss) + zLoss);
  return { loss, ce, auxLoss, zLoss, grads: completeGrads(vars, grads), stats: routingStats(plans), balanceCounts };
}
