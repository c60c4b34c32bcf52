/**
 * IR phase — the spec hash: sha256 (hex) of the canonical JSON of the spec object, with
 * object keys sorted at every level and `undefined` members dropped. Checkpoints record it,
 * and a weights reader refuses a checkpoint whose hash differs from the spec being compiled.
 * Formatting, comments and key order in the source do not change it; any value change does.
 */
import { createHash } from 'node:crypto';

/**
 * Canonical JSON: sorted keys, no whitespace, undefined members omitted (as JSON.stringify does).
 * A YAML spec can alias a value into itself (`c: &c [*c]`); a cycle is written as the string
 * `"[cycle]"` instead of recursing without end (only an invalid spec has one).
 */
export function canonicalJson(value: unknown, open: Set<object> = new Set()): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (open.has(value)) return '"[cycle]"';
  open.add(value);
  let out: string;
  if (Array.isArray(value)) out = '[' + value.map((v) => canonicalJson(v, open)).join(',') + ']';
  else {
    const entries = Object.keys(value as Record<string, unknown>)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => JSON.stringify(k) + ':' + canonicalJson((value as Record<string, unknown>)[k], open));
    out = '{' + entries.join(',') + '}';
  }
  open.delete(value);
  return out;
}

export function specHash(spec: unknown): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}
