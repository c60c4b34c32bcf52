/**
 * Validation phase: questions about the schema itself that error messages need — the keys a
 * block allows (for "did you mean"), where else a key is allowed ("`top_k` belongs in
 * `moe.router`"), and the schema node an ajv `schemaPath` names.
 */
import { closest, distance } from 'fastest-levenshtein';
import { modelSpecSchema } from './schema.js';
import type { JsonSchema } from './schema-builders.js';
import { splitPointer } from './json-pointer.js';

/** The schema node at an ajv schemaPath like `#/properties/moe/properties/router/additionalProperties`. */
export function schemaAt(schemaPath: string): JsonSchema | undefined {
  let cur: unknown = modelSpecSchema;
  for (const seg of splitPointer(schemaPath.replace(/^#/, ''))) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur as JsonSchema | undefined;
}

/** The keys allowed in the object schema that owns `schemaPath`'s last keyword. */
export function allowedKeysAt(schemaPath: string): string[] {
  const owner = schemaAt(schemaPath.slice(0, schemaPath.lastIndexOf('/')));
  const props = owner?.properties as Record<string, unknown> | undefined;
  return props ? Object.keys(props) : [];
}

let keyHomes: Map<string, string[]> | undefined;

/** Every block (display path) in which `key` is allowed. */
export function blocksAllowing(key: string): string[] {
  if (!keyHomes) {
    keyHomes = new Map();
    const walk = (node: JsonSchema, path: string) => {
      const props = node.properties as Record<string, JsonSchema> | undefined;
      if (!props) return;
      for (const [k, child] of Object.entries(props)) {
        const list = keyHomes!.get(k) ?? [];
        list.push(path === '' ? 'model' : path);
        keyHomes!.set(k, list);
        walk(child, path === '' ? k : `${path}.${k}`);
      }
    };
    walk(modelSpecSchema, '');
  }
  return keyHomes.get(key) ?? [];
}

/**
 * The allowed word closest to `word`, if it is close enough to be a typo: at most a third of
 * the word's length in edits (`topk` → `top_k`, `softmx` → `softmax`), never a wild guess.
 */
export function suggest(word: string, allowed: readonly string[]): string | undefined {
  if (allowed.length === 0 || word.length === 0) return undefined;
  const folded = allowed.find((a) => a.toLowerCase() === word.toLowerCase().replace(/-/g, '_'));
  if (folded) return folded;
  // A shortened key (`capacity` for `capacity_factor`) is far in edits but plainly meant.
  const prefixed = allowed.filter((a) => word.length >= 3 && a.startsWith(word));
  if (prefixed.length === 1) return prefixed[0];
  const best = closest(word, allowed as string[]);
  const limit = Math.max(1, Math.floor(Math.max(word.length, best.length) / 3));
  return distance(word, best) <= limit ? best : undefined;
}
