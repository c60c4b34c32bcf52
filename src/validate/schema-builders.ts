/**
 * Validation phase: small builders for the JSON Schema in schema.ts, so each key reads as one
 * line (type, constraint, default, description). Every object is closed
 * (`additionalProperties: false`): an unknown key is always a diagnostic, never ignored.
 */

export type JsonSchema = { [key: string]: unknown };

interface Doc {
  description: string;
  default?: unknown;
  $comment?: string;
}

/**
 * `default` holds literal defaults only (editors insert them); a default computed from other
 * values ("hidden / heads") goes to `$comment` as `default: …`, which validators ignore.
 */
function doc(description: string, dflt: unknown, isLiteral: (v: unknown) => boolean): Doc {
  if (dflt === undefined) return { description };
  return isLiteral(dflt) ? { description, default: dflt } : { description, $comment: `default: ${String(dflt)}` };
}
const notString = (v: unknown) => typeof v !== 'string';

/** A closed object: `required` keys must appear, no other keys than `properties`. */
export function object(description: string, properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema {
  const schema: JsonSchema = { type: 'object', description, properties, additionalProperties: false };
  if (required.length) schema.required = required;
  return schema;
}

/** An integer ≥ `min`. */
export function int(min: number, description: string, dflt?: unknown, max?: number): JsonSchema {
  const schema: JsonSchema = { type: 'integer', minimum: min, ...doc(description, dflt, notString) };
  if (max !== undefined) schema.maximum = max;
  return schema;
}

/** A number > `above` (exclusive) — for rates and coefficients that must be positive. */
export function positive(description: string, dflt?: unknown): JsonSchema {
  return { type: 'number', exclusiveMinimum: 0, ...doc(description, dflt, notString) };
}

/** A number ≥ 0, optionally < `below`. */
export function nonNegative(description: string, dflt?: unknown, below?: number): JsonSchema {
  const schema: JsonSchema = { type: 'number', minimum: 0, ...doc(description, dflt, notString) };
  if (below !== undefined) schema.exclusiveMaximum = below;
  return schema;
}

export function bool(description: string, dflt?: unknown): JsonSchema {
  return { type: 'boolean', ...doc(description, dflt, notString) };
}

export function string(description: string, dflt?: unknown): JsonSchema {
  return { type: 'string', minLength: 1, ...doc(description, dflt, () => true) };
}

export function oneOfValues(values: readonly (string | number)[], description: string, dflt?: unknown): JsonSchema {
  return { enum: [...values], ...doc(description, dflt, (v) => values.includes(v as string)) };
}

/** Layer selection: `all`, `none`, `"a..b"`, or a list of indices and ranges (see LayerSelection in types.ts). */
export const LAYER_SELECTION_TITLE = 'layer selection';
export const RANGE_PATTERN = '^[0-9]+\\.\\.[0-9]+$';
export function layerSelection(description: string, dflt?: unknown): JsonSchema {
  return {
    anyOf: [
      { enum: ['all', 'none'] },
      { type: 'string', pattern: RANGE_PATTERN },
      {
        type: 'array',
        minItems: 1,
        items: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: RANGE_PATTERN }] },
      },
    ],
    title: LAYER_SELECTION_TITLE,
    ...doc(description, dflt, (v) => v === 'all' || v === 'none'),
  };
}
