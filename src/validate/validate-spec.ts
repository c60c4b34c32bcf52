/** STUB (owned by the validation work): JSON Schema (ajv) then semantic rules. */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { SpanMap } from '../spec/spans.js';
import type { ModelSpec } from '../spec/types.js';

export function validateSpec(spec: unknown, _spans: SpanMap): { spec?: ModelSpec; diagnostics: Diagnostic[] } {
  return { spec: spec as ModelSpec, diagnostics: [] };
}
