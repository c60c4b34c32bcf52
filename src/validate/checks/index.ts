/**
 * Validation phase: the semantic rules, one file per concern, registered in one list (run in
 * this order, each seeing the whole schema-valid spec). A rule that throws is a compiler bug.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { SpanMap } from '../../spec/spans.js';
import type { ModelSpec } from '../../spec/types.js';
import { createCheckContext, type Check } from './context.js';
import { checkAttention } from './attention.js';
import { checkExperts } from './experts.js';
import { checkRouter } from './router.js';
import { checkLayers } from './layers.js';
import { checkParallel } from './parallel.js';
import { checkQuantize } from './quantize.js';
import { checkTrain } from './train.js';
import { checkTargets } from './targets.js';

export const CHECKS: readonly Check[] = [checkAttention, checkExperts, checkRouter, checkLayers, checkParallel, checkQuantize, checkTrain, checkTargets];

export function runChecks(spec: ModelSpec, spans: SpanMap): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ctx = createCheckContext(spec, spans, out);
  for (const check of CHECKS) check(ctx);
  return out;
}
