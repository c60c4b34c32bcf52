/**
 * CLI (`moec init`): the one-line meaning of each key of a spec, from the JSON Schema's
 * descriptions (the same text as docs/language.md's reference tables), so the comments
 * `moec init` writes never disagree with the language.
 */
import { modelSpecSchema } from '../../validate/schema.js';
import type { JsonSchema } from '../../validate/schema-builders.js';

/** The description of the key at `path` (`['moe', 'router', 'top_k']`), if the schema has one. */
export function describeKey(path: readonly string[]): string | undefined {
  let node: JsonSchema | undefined = modelSpecSchema;
  for (const key of path) {
    const props = node?.properties as Record<string, JsonSchema> | undefined;
    node = props?.[key];
    if (!node) return undefined;
  }
  return typeof node?.description === 'string' ? node.description : undefined;
}
