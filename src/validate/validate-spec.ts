/**
 * Validation phase: the spec object from the front end → a ModelSpec, or diagnostics.
 * Two steps: the JSON Schema (shape: keys, types, enums, ranges), then the semantic rules in
 * ./checks (relations between values). A semantic rule trusts every type in ModelSpec, so on
 * a spec the schema rejected in places, each rule runs behind a guard (checks/guard-invalid.ts)
 * and is abandoned if it reads a rejected value — the rest still report, so one run shows
 * every error it can.
 */
import { hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { SpanMap } from '../spec/spans.js';
import type { ModelSpec, Target } from '../spec/types.js';
import { getSchemaValidator } from './schema-validator.js';
import { mapSchemaErrors } from './map-schema-errors.js';
import { runChecks } from './checks/index.js';
import { rejectedPointers } from './checks/guard-invalid.js';

export interface ValidateOptions {
  /** The targets the command compiles to; when empty, the spec's own `targets` declare them. */
  targets?: readonly Target[];
}

export function validateSpec(spec: unknown, spans: SpanMap, options: ValidateOptions = {}): { spec?: ModelSpec; diagnostics: Diagnostic[] } {
  const validate = getSchemaValidator();
  if (validate(spec)) {
    const diagnostics = runChecks(spec as ModelSpec, spans, undefined, options.targets);
    return hasErrors(diagnostics) ? { diagnostics } : { spec: spec as ModelSpec, diagnostics };
  }
  const errors = validate.errors ?? [];
  const diagnostics = mapSchemaErrors(errors, spec, spans);
  if (spec !== null && typeof spec === 'object' && !Array.isArray(spec)) {
    diagnostics.push(...runChecks(spec as ModelSpec, spans, rejectedPointers(errors), options.targets));
  }
  return { diagnostics };
}
