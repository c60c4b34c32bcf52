/** STUB (owned by the IR/analysis work): per-device memory fit diagnostics. */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { SpanMap } from '../spec/spans.js';
import type { ModelIR } from '../ir/types.js';

export function checkMemoryFit(_ir: ModelIR, _spans: SpanMap): Diagnostic[] {
  return [];
}
