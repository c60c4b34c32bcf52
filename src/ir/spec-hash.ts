/**
 * IR phase — the spec hash: sha256 (hex) of the canonical JSON of the spec object, with
 * object keys sorted at every level and `undefined` members dropped. Checkpoints record it,
 * and a weights reader refuses a checkpoint whose hash differs from the spec being compiled.
 * Formatting, comments and key order in the source do not change it; any value change does.
 */
import { createHash } from 'node:crypto';

/** Canonical JSON: sorted keys, no whitespace, undefined members omitted (as JSON.stringify does). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  const entries = Object.keys(value as Record<string, unknown>)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => JSON.stringify(k) + ':' + canonicalJson((value as Record<string, unknown>)[k]));
  return '{' + entries.join(',') + '}';
}

export function specHash(spec: unknown): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}
