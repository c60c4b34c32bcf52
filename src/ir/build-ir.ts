/** STUB (owned by the IR work): resolve a validated spec into the ModelIR. */
import type { Result } from '../diagnostics/diagnostic.js';
import type { SpanMap } from '../spec/spans.js';
import type { ModelSpec } from '../spec/types.js';
import type { ModelIR } from './types.js';

export function buildIR(_spec: ModelSpec, _spans?: SpanMap): Result<ModelIR> {
  throw new Error('buildIR: not implemented yet');
}
