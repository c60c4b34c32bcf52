/**
 * Training phase — what a metrics.jsonl line must look like before `moec report` (or a resume)
 * uses it. The file is plain text anyone can edit or append to; a line with a field of the
 * wrong type (an `expert_load` that is a string, a `step` of 1e300) is skipped with a reason,
 * never allowed to throw in the middle of a chart.
 */
import type { StepMetrics } from './metrics.js';

const NUMBERS = ['loss', 'ce', 'aux_loss', 'z_loss', 'lr', 'grad_norm', 'tokens', 'tokens_per_s', 'step_s', 'epoch'] as const;
const PER_LAYER = ['router_entropy', 'dropped_fraction'] as const;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** MoE layer keys are layer indices: bounded, so they cannot allocate a chart row per 1e9 layers. */
const LAYER_KEY = /^\d{1,5}$/;
/** A chart row per expert: DeepSeek-V3 has 256; more than this is not a metrics line moec wrote. */
export const MAX_EXPERTS_PER_LAYER = 65_536;

/** Why `v` is not a StepMetrics record, or undefined when it is one. */
export function checkMetricsRecord(v: unknown): string | undefined {
  if (!isRecord(v)) return 'not a JSON object';
  if (!Number.isSafeInteger(v.step) || (v.step as number) < 0) return '`step` is not a whole number';
  for (const key of NUMBERS) if (!finite(v[key])) return `\`${key}\` is not a finite number`;
  if (typeof v.clipped !== 'boolean') return '`clipped` is not true or false';
  if (!isRecord(v.expert_load)) return '`expert_load` is not an object';
  for (const [layer, loads] of Object.entries(v.expert_load)) {
    if (!LAYER_KEY.test(layer)) return `\`expert_load\` has the key ${JSON.stringify(layer.slice(0, 20))}, not a layer index`;
    if (!Array.isArray(loads) || loads.length > MAX_EXPERTS_PER_LAYER || !loads.every(finite)) return `\`expert_load.${layer}\` is not a list of numbers`;
  }
  for (const key of PER_LAYER) {
    const per = v[key];
    if (!isRecord(per)) return `\`${key}\` is not an object`;
    for (const [layer, value] of Object.entries(per)) if (!LAYER_KEY.test(layer) || !finite(value)) return `\`${key}.${layer.slice(0, 20)}\` is not a number`;
  }
  return undefined;
}

