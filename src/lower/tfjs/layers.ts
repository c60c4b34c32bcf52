/**
 * TensorFlow.js target — moec's custom Layers, for the Layers-format artifact that
 * `moec compile --target tfjs` writes (compile-tfjs.ts). Import this module before
 * tf.loadLayersModel so the classes are registered:
 *
 *   import * as tf from '@tensorflow/tfjs';
 *   import 'moec/layers';
 *   const model = await tf.loadLayersModel('file://…/model.json');   // or any IOHandler
 *   model.predict(ids, { batchSize: ids.shape[0] });                  // logits [B, S, V]
 *
 * Each layer owns the IR tensors under its prefix; a weight's name inside the artifact is
 * `<layer name>/<rest of the IR name>`, e.g. `layers.1.moe/experts.3.up_proj.weight` for the IR
 * tensor `layers.1.moe.experts.3.up_proj.weight`. The layers run the same code as the
 * training graph (decoder.ts and its parts), so predict equals TfjsModel.forward.
 * MoecMoE adds its router losses (balance + z, training only) with addLoss, so model.fit
 * optimises the same loss as `moec train` (cross-entropy via `lmLoss` + aux + z); each fit
 * batch is one micro-batch (aux_loss_type global sees that batch alone), every token is real:
 *   model.compile({ optimizer: tf.train.adam(1e-3), loss: lmLoss }); predict() batches by 32
 * unless told otherwise, which changes MoE capacity: pass `batchSize`.
 */
import * as tf from '@tensorflow/tfjs';
import type { AttentionIR, FfnIR, MoeIR } from '../../ir/types.js';
import { attention } from './attention.js';
import { embed } from './embedding.js';
import { ffn } from './ffn.js';
import { matMul2d } from './matmul.js';
import { mlaAttention } from './mla.js';
import { moeBlock } from './moe-block.js';
import { nextRouterBias } from './model.js';
import type { RoutingPlan } from './router.js';
import { modelNorm } from './norm.js';
import { crossEntropy } from './loss.js';

type LayerArgs = ConstructorParameters<typeof tf.layers.Layer>[0];
type Kwargs = { training?: boolean };
type Shape = (number | null)[];

export interface TensorSpec {
  /** IR name relative to the layer's name (`q_proj.weight`). */
  name: string;
  shape: number[];
  /** false for a buffer (router.score_bias); absent means trainable. */
  trainable?: boolean;
}

interface BaseConfig {
  tensors: TensorSpec[];
}

/**
 * The IR's enum values that contain `_`. tf.loadLayersModel camel-cases every string in a
 * layer config (tfjs-layers serialization_utils `convertPythonicToTs`), so a loaded config
 * says `clampedSwiglu`, `top2Sum`, `noDrop`; they are put back before the layer runs.
 */
const SNAKE_VALUES = new Map(['clamped_swiglu', 'top2_sum', 'no_drop'].map((v) => [v.replace(/_+(\w)/g, (_m, c: string) => c.toUpperCase()), v]));

function restoreSnakeValues<T>(value: T): T {
  if (typeof value === 'string') return (SNAKE_VALUES.get(value) ?? value) as T;
  if (Array.isArray(value)) return value.map(restoreSnakeValues) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'name' ? v : restoreSnakeValues(v)])) as T;
  }
  return value;
}

/** A layer whose weights are IR tensors under its name; `get` resolves full IR names. */
abstract class MoecLayer<C extends BaseConfig> extends tf.layers.Layer {
  protected readonly cfg: C;
  private readonly params = new Map<string, tf.LayerVariable>();

  constructor(cfg: C & LayerArgs) {
    super(cfg);
    this.cfg = restoreSnakeValues(cfg);
  }

  override build(): void {
    for (const t of this.cfg.tensors) {
      this.params.set(t.name, this.addWeight(t.name, t.shape, 'float32', tf.initializers.zeros(), undefined, t.trainable !== false));
    }
    this.built = true;
  }

  /** The value of IR tensor `${this.name}.${suffix}`. */
  protected readonly opt = (fullName: string): tf.Tensor | undefined => {
    const suffix = fullName.startsWith(`${this.name}.`) ? fullName.slice(this.name.length + 1) : fullName;
    return this.params.get(suffix)?.read();
  };

  protected readonly get = (fullName: string): tf.Tensor => {
    const v = this.opt(fullName);
    if (!v) throw new Error(`moec: layer ${this.name} has no weight for ${fullName}`);
    return v;
  };

  override getConfig(): tf.serialization.ConfigDict {
    const { name: _n, trainable: _t, ...rest } = this.cfg as unknown as Record<string, unknown>;
    return { ...super.getConfig(), ...(structuredClone(rest) as tf.serialization.ConfigDict) };
  }
}

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs;
}

/** Token embedding; called on a float [B, S, H] tensor it is the tied LM head (· embedᵀ). */
export class MoecEmbedding extends MoecLayer<BaseConfig & { vocab: number; hidden: number }> {
  static readonly className = 'MoecEmbedding';
  override computeOutputShape(s: Shape | Shape[]): Shape {
    const shape = (Array.isArray(s[0]) ? s[0] : s) as Shape;
    return shape.length === 2 ? [...shape, this.cfg.hidden] : [...shape.slice(0, -1), this.cfg.vocab];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const w = this.get(`${this.name}.weight`);
      if (x.rank === 2) return embed(w, x);
      const [b, s, h] = x.shape as number[];
      return tf.reshape(matMul2d(tf.reshape(x, [b! * s!, h!]), tf.transpose(w)), [b!, s!, this.cfg.vocab]);
    });
  }
}

export class MoecNorm extends MoecLayer<BaseConfig & { normType: 'rmsnorm' | 'layernorm'; eps: number }> {
  static readonly className = 'MoecNorm';
  override computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
    return s;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => modelNorm(this.cfg.normType, this.cfg.eps, single(inputs), this.get, this.name, this.opt));
  }
}

export class MoecAttention extends MoecLayer<BaseConfig & { attention: AttentionIR; eps: number }> {
  static readonly className = 'MoecAttention';
  override computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
    return s;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const a = this.cfg.attention;
    return tf.tidy(() =>
      a.kind === 'mla'
        ? mlaAttention(a, single(inputs), this.get, this.opt, this.name)
        : attention(a, single(inputs), this.get, this.opt, this.name, this.cfg.eps),
    );
  }
}

export class MoecFfn extends MoecLayer<BaseConfig & { ffn: FfnIR }> {
  static readonly className = 'MoecFfn';
  override computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
    return s;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => ffn(this.cfg.ffn, single(inputs), this.get, this.opt, this.name));
  }
}

/**
 * Router + sparse expert dispatch + shared experts; aux and z losses via addLoss while training.
 * `rankSequences` = parallel.micro_batch, the balance groups (balance-loss.ts); older artifacts
 * without it use 1.
 */
export class MoecMoE extends MoecLayer<BaseConfig & { moe: MoeIR; seed: number; rankSequences?: number }> {
  static readonly className = 'MoecMoE';
  private terms: tf.Tensor | undefined;
  private calls = 0;
  override build(): void {
    super.build();
    this.addLoss((() => this.terms ?? tf.scalar(0)) as () => tf.Scalar);
  }
  override computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
    return s;
  }
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = single(inputs);
    const [b, s, h] = x.shape as number[];
    const training = kwargs.training === true;
    const out = moeBlock(this.cfg.moe, tf.reshape(x, [b! * s!, h!]), this.get, this.opt, this.name, {
      training,
      seed: this.cfg.seed + this.calls++,
      dispatch: 'sparse',
      layout: { sequences: b!, rankSequences: this.cfg.rankSequences ?? 1 },
    });
    if (training && this.cfg.moe.router.biasUpdate > 0) this.balance(out.plan);
    const terms = [out.aux, out.z].filter((t): t is tf.Tensor => t !== undefined);
    // Read by the addLoss closure inside the same model.fit step (same tape scope).
    this.terms = training && terms.length > 0 ? tf.addN(terms) : undefined;
    return tf.reshape(out.y, [b!, s!, h!]);
  }

  /**
   * Aux-loss-free balancing in model.fit: after each training batch's routing, score_bias
   * moves by bias_update · sign(mean load − load), loads counted after capacity dropping, as
   * `moec train` does after each step.
   */
  private balance(plan: RoutingPlan): void {
    const bias = this.opt(`${this.name}.router.score_bias`) as tf.Variable | undefined;
    if (!bias) return;
    const next = nextRouterBias(bias.dataSync() as Float32Array, Array.from(plan.keptLoad), this.cfg.moe.router.biasUpdate);
    tf.tidy(() => bias.assign(tf.tensor1d(next)));
  }
}

/**
 * The LM head's own tensors: x · lm_head.weight (+ lm_head.bias). With tied embeddings it has
 * only the bias and is applied to the embedding layer's logits.
 */
export class MoecLmHead extends MoecLayer<BaseConfig & { vocab: number }> {
  static readonly className = 'MoecLmHead';
  override computeOutputShape(s: Shape | Shape[]): Shape {
    const shape = (Array.isArray(s[0]) ? s[0] : s) as Shape;
    return [...shape.slice(0, -1), this.cfg.vocab];
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const [b, s, h] = x.shape as number[];
      const w = this.opt(`${this.name}.weight`);
      const logits = w ? tf.reshape(matMul2d(tf.reshape(x, [b! * s!, h!]), w), [b!, s!, this.cfg.vocab]) : x;
      const bias = this.opt(`${this.name}.bias`);
      return bias ? tf.add(logits, bias) : logits;
    });
  }
}

/**
 * A constant factor, no weights: Granite's multipliers (scaling.*) — x · factor, or x / factor
 * with `divide` (logits / logits_scaling, a division as transformers does it).
 */
export class MoecScale extends MoecLayer<BaseConfig & { factor: number; divide?: boolean }> {
  static readonly className = 'MoecScale';
  override computeOutputShape(s: Shape | Shape[]): Shape | Shape[] {
    return s;
  }
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => (this.cfg.divide ? tf.div(single(inputs), this.cfg.factor) : tf.mul(single(inputs), this.cfg.factor)));
  }
}

export { fileHandler } from './artifact-io.js';

/**
 * The LM loss for model.compile: mean next-token cross-entropy of logits [B, S, V]. model.fit
 * requires targets shaped like the output, so there they are one-hot [B, S, V]; in a loop of
 * your own, int ids [B, S] or [B, S, 1] work too (negative ids ignored). tfjs's built-in
 * categorical losses expect probabilities, not logits.
 */
export function lmLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const vocab = yPred.shape[yPred.rank - 1]!;
  if (yTrue.rank === yPred.rank && yTrue.shape[yTrue.rank - 1] === vocab && vocab !== 1) {
    const nll = tf.neg(tf.sum(tf.mul(yTrue, tf.logSoftmax(yPred)), -1));
    return tf.mean(nll);
  }
  const ids = yTrue.rank === yPred.rank ? tf.squeeze(yTrue, [-1]) : yTrue;
  return crossEntropy(yPred, ids);
}

for (const cls of [MoecEmbedding, MoecNorm, MoecAttention, MoecFfn, MoecMoE, MoecLmHead, MoecScale]) {
  tf.serialization.registerClass(cls as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
}
