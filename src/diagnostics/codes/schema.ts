/**
 * Diagnostic codes MOE2xxx (schema). Codes are stable: never renumber or reuse one;
 * retire a code by leaving it here with `retired: why`. Each is documented in docs/diagnostics.md.
 *
 * These come from the JSON Schema (src/validate/schema.ts) checked by ajv; src/validate/
 * map-schema-errors.ts turns each ajv error into one of them with the span of the value.
 */
import { defineCodes } from './entry.js';

export const schemaCodes = defineCodes({
  MOE2001: {
    severity: 'error',
    title: 'unknown key',
    message: 'unknown key `{key}` in `{block}`',
  },
  MOE2002: {
    severity: 'error',
    title: 'missing required key',
    message: '`{block}` is missing the required key `{key}`',
  },
  MOE2003: {
    severity: 'error',
    title: 'wrong value type',
    message: '`{path}` must be {expected}, got {actual}',
  },
  MOE2004: {
    severity: 'error',
    title: 'value not allowed',
    message: '`{path}` cannot be {actual}; allowed: {allowed}',
  },
  MOE2005: {
    severity: 'error',
    title: 'number out of range',
    message: '`{path}` must be {limit}, got {actual}',
  },
  MOE2006: {
    severity: 'error',
    title: 'invalid layer selection',
    message: '`{path}` is not a layer selection: got {actual}',
    hint: 'write `all`, `none`, a range like `1..27` (inclusive, 0-based), or a list like `[0, 3..5]`',
  },
  MOE2007: {
    severity: 'error',
    title: 'invalid value',
    message: '`{path}` is invalid: {reason}',
  },
});
