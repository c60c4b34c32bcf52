/**
 * Analysis phase — parameter counts from the IR's tensor list (docs/explain.md).
 *
 * Convention (stated, because vendors differ):
 * - total: every parameter tensor of the main model — embedding, untied LM head, norms,
 *   routers (weights, biases and the aux-loss-free correction bias, which Hugging Face also
 *   stores and counts), biases, sinks. MTP modules are excluded and reported separately.
 * - active (per token): every non-expert tensor, plus top_k routed experts of each MoE layer
 *   (shared experts always run). The embedding and the LM head ARE included, as Mixtral and
 *   DeepSeekMoE publish it; `nonEmbedding` gives the figure without them (Kaplan et al.'s N),
 *   `activeExcludingInputEmbedding` without the input embedding only (DeepSeek-V2/V3, gpt-oss);
 *   with tied embeddings the shared matrix stays in it once, as the LM head.
 * Counts are exact integers (every model here is far below 2^53).
 */
import type { ModelIR, TensorGroup, TensorIR } from '../ir/types.js';

export const GROUPS: readonly TensorGroup[] = ['embeddings', 'attention', 'dense', 'experts', 'shared', 'router', 'norms', 'lm_head'];

export type GroupCounts = Record<TensorGroup, number>;

export interface ParamSplit {
  total: number;
  active: number;
  byGroup: { total: GroupCounts; active: GroupCounts };
}

export interface ParamCounts extends ParamSplit {
  /** Without the embedding and LM head. */
  nonEmbedding: { total: number; active: number };
  /**
   * Active without the input embedding only (a lookup, not compute), LM head kept: the
   * convention of DeepSeek-V2/V3 and OpenAI's gpt-oss model cards.
   */
  activeExcludingInputEmbedding: number;
  /** Parameters not trained by gradient (the routing correction bias). */
  frozen: number;
  /** Multi-token-prediction modules, beyond the main model (they share its embedding and head). */
  mtp: ParamSplit;
}

export function numel(t: Pick<TensorIR, 'shape'>): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

export function zeroGroups(): GroupCounts {
  return Object.fromEntries(GROUPS.map((g) => [g, 0])) as GroupCounts;
}

/** top_k of the MoE layer a tensor belongs to (main or MTP), keyed by layer index. */
function topKByLayer(ir: ModelIR): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of [...ir.layers, ...ir.mtpLayers]) if (l.ffn.kind === 'moe') m.set(l.index, l.ffn.router.topK);
  return m;
}

/** Whether a tensor runs for a given token: expert e of a layer runs for top_k of its experts. */
export function isActive(t: TensorIR, topK: ReadonlyMap<number, number>): boolean {
  // Experts are identical in shape, so counting experts 0..k-1 counts exactly k experts.
  return t.expert === undefined || t.expert < (topK.get(t.layer ?? -1) ?? 0);
}

function split(tensors: readonly TensorIR[], topK: ReadonlyMap<number, number>): ParamSplit {
  const total = zeroGroups();
  const active = zeroGroups();
  for (const t of tensors) {
    const n = numel(t);
    total[t.group] += n;
    if (isActive(t, topK)) active[t.group] += n;
  }
  const sum = (g: GroupCounts): number => GROUPS.reduce((a, k) => a + g[k], 0);
  return { total: sum(total), active: sum(active), byGroup: { total, active } };
}

export function countParams(ir: ModelIR): ParamCounts {
  const topK = topKByLayer(ir);
  const main = split(
    ir.tensors.filter((t) => !t.mtp),
    topK,
  );
  const mtp = split(
    ir.tensors.filter((t) => t.mtp),
    topK,
  );
  const edge = (g: GroupCounts): number => g.embeddings + g.lm_head;
  return {
    ...main,
    nonEmbedding: { total: main.total - edge(main.byGroup.total), active: main.active - edge(main.byGroup.active) },
    // A tied embedding is also the LM head, which is compute: only its lookup use is left out.
    activeExcludingInputEmbedding: main.active - (ir.tieEmbeddings ? 0 : main.byGroup.active.embeddings),
    frozen: ir.tensors.filter((t) => !t.trainable && !t.mtp).reduce((a, t) => a + numel(t), 0),
    mtp,
  };
}
