/**
 * Validation phase: the spec object from the front end → a ModelSpec, or diagnostics.
 * Two gated steps: the JSON Schema (shape: keys, types, enums, ranges) and then, only on a
 * spec that passed it, the semantic rules in ./checks (relations between values). A semantic
 * rule can therefore trust every type in ModelSpec.
 */
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { SpanMap } from '../spec/spans.js';
import type { ModelSpec } from '../spec/types.js';
import { getSchemaValidator } from './schema-validator.js';
import { mapSchemaErrors } from './map-schema-errors.js';
import { runChecks } from './checks/index.js';

/** Schema errors only (also what a fragment file can be checked against, key by key). */
export function validateSchema(spec: unknown, spans: SpanMap): Diagnostic[] {
  const validate = getSchemaValidator();
  if (validate(spec)) return [];
  return mapSchemaErrors(validate.errors ?? [], spec, spans);
}

export function validateSpec(spec: unknown, spans: SpanMap): { spec?: ModelSpec; diagnostics: Diagnostic[] } {
  const diagnostics = validateSchema(spec, spans);
  if (hasErrors(diagnostics)) return { diagnostics };
  diagnostics.push(...runChecks(spec as ModelSpec, spans));
  return hasErrors(diagnostics) ? { diagnostics } : { spec: spec as ModelSpec, diagnostics };
}
