/**
 * Validation phase: the semantic rules, one file per concern, registered in one list (run in
 * this order, each seeing the whole schema-valid spec). A rule that throws is a compiler bug.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { SpanMap } from '../../spec/spans.js';
import type { ModelSpec, Target } from '../../spec/types.js';
import { createCheckContext, targetsInEffect, type Check } from './context.js';
import { guardRejected, REJECTED_VALUE_READ, type Rejected } from './guard-invalid.js';
import { checkAttention } from './attention.js';
import { checkExperts } from './experts.js';
import { checkRouter } from './router.js';
import { checkLayers } from './layers.js';
import { checkParallel } from './parallel.js';
import { checkQuantize } from './quantize.js';
import { checkTrain } from './train.js';
import { checkTargets } from './targets.js';
import { checkRouterTargets } from './router-targets.js';
import { checkRope } from './rope.js';
import { checkOptions } from './options.js';
import { checkMegatron } from './megatron.js';
import { checkHf } from './hf.js';

export const CHECKS: readonly Check[] = [checkAttention, checkRope, checkOptions, checkExperts, checkRouter, checkLayers, checkParallel, checkQuantize, checkTrain, checkTargets, checkRouterTargets, checkMegatron, checkHf];

/**
 * Run every rule. `rejected`: JSON pointers the schema rejected (see guard-invalid.ts); a rule
 * that reads one is abandoned together with what it found, the others report as usual.
 */
export function runChecks(spec: ModelSpec, spans: SpanMap, rejected?: Rejected, commandTargets?: readonly Target[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!rejected) {
    const ctx = createCheckContext(spec, spans, out, targetsInEffect(spec, commandTargets));
    for (const check of CHECKS) check(ctx);
    return out;
  }
  // A rejected `targets` value reads as none declared.
  const targetsRejected = [...rejected.values].some((p) => p === '/targets' || p.startsWith('/targets/'));
  const targets = targetsRejected ? new Set<Target>(commandTargets ?? []) : targetsInEffect(spec, commandTargets);
  for (const check of CHECKS) {
    const found: Diagnostic[] = [];
    try {
      check(createCheckContext(guardRejected(spec, rejected), spans, found, targets));
    } catch (err) {
      if (err === REJECTED_VALUE_READ) continue;
      throw err;
    }
    out.push(...found);
  }
  return out;
}
