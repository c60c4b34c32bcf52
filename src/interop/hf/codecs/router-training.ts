/**
 * HF bridge codec (router, training side) — the balance-loss and jitter fields a model_type
 * reads (router-losses-hf.ts's table), in moec's units: transformers pools all MoE layers'
 * router logits and multiplies by top_k, so `router_aux_loss_coef` c becomes the per-layer
 * α = c · top_k / L_moe (exact only when every layer routes equal shares; MOE7008 says so);
 * DeepSeek's remote-code `aux_loss_alpha` / `seq_aux` are read as moec's sequence-wise loss.
 * None of these change what the model computes.
 */
import { formatNumber, HF_ROUTER_TYPES } from '../../router-losses.js';
import type { ConfigReader } from '../config-reader.js';
import type { SpecDraft } from '../spec-draft.js';

const R = '/moe/router';

export function readTraining(c: ConfigReader, s: SpecDraft, topK: number | undefined): void {
  const t = HF_ROUTER_TYPES[c.modelType];
  if (!t) return;
  const moeLayers = s.moeLayers.length;
  if (t.auxCoef) {
    const coef = c.num(t.auxCoef, true);
    if (coef && topK && moeLayers) {
      const alpha = Number(((coef * topK) / moeLayers).toPrecision(6)); // a unit conversion, exact only for equal shares anyway
      s.set(`${R}/aux_loss`, alpha, `${t.auxCoef} ${coef} × top_k ${topK} / ${moeLayers} MoE layers`);
      c.converted(t.auxCoef, coef, 'router.aux_loss', formatNumber(alpha), `transformers pools all ${moeLayers} MoE layers' router logits and multiplies by top_k; moec sums a per-layer loss (docs/semantics.md §Router losses)`);
    }
  }
  if (t.jitter) {
    const j = c.num(t.jitter, true);
    if (j) s.set(`${R}/jitter`, j, t.jitter);
  }
  if (t.remoteAux) {
    const alpha = c.value('aux_loss_alpha');
    const seq = c.value('seq_aux');
    if (typeof alpha === 'number' && alpha > 0) {
      s.set(`${R}/aux_loss`, alpha, 'aux_loss_alpha (DeepSeek remote code; native transformers computes no balance loss)');
      if (seq === true) s.set(`${R}/aux_loss_type`, 'sequence', 'seq_aux');
    }
  }
}

/** Training-only router fields the model_type reads (router-losses-hf.ts). */
export function trainingFields(modelType: string): string[] {
  const t = HF_ROUTER_TYPES[modelType];
  if (!t) return [];
  return [...(t.auxCoef ? [t.auxCoef] : []), ...(t.jitter ? [t.jitter] : []), ...(t.remoteAux ? ['aux_loss_alpha', 'seq_aux'] : [])];
}

