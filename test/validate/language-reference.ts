/**
 * Generates the reference tables of docs/language.md (every key of every block: type, default,
 * constraints, meaning) from the JSON Schema, so the docs cannot drift from what moec accepts.
 * Written between the `<!-- reference:start -->` / `<!-- reference:end -->` markers by
 * test/validate/language-reference.test.ts with `UPDATE=1`.
 */
import { modelSpecSchema } from '../../src/validate/schema.js';
import { LAYER_SELECTION_TITLE, type JsonSchema } from '../../src/validate/schema-builders.js';
import { PRIMARY_FIELDS } from '../../src/spec/types.js';

export const START = '<!-- reference:start -->';
export const END = '<!-- reference:end -->';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function typeOf(s: JsonSchema): string {
  if (s.title === LAYER_SELECTION_TITLE) return 'layers';
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map(String).join(' \\| ');
  if (s.type === 'object') return 'block';
  return String(s.type);
}

function constraints(s: JsonSchema, required: boolean): string {
  const out: string[] = [];
  if (required) out.push('required');
  if (s.minimum !== undefined) out.push(`≥ ${s.minimum}`);
  if (s.exclusiveMinimum !== undefined) out.push(`> ${s.exclusiveMinimum}`);
  if (s.maximum !== undefined) out.push(`≤ ${s.maximum}`);
  if (s.exclusiveMaximum !== undefined) out.push(`< ${s.exclusiveMaximum}`);
  if (s.minLength) out.push('non-empty');
  return out.join(', ');
}

function defaultOf(s: JsonSchema): string {
  if (s.default !== undefined) return `\`${String(s.default)}\``;
  const comment = typeof s.$comment === 'string' ? /^default: (.*)$/.exec(s.$comment) : null;
  return comment ? comment[1] : '';
}

function primaryOf(path: string[]): string | undefined {
  const joined = path.join('.');
  for (const [pattern, field] of PRIMARY_FIELDS) {
    const parts = pattern.split('.');
    if (pattern === joined || (parts.length === path.length && parts.every((p, i) => p === '*' || p === path[i]))) return field;
  }
  return undefined;
}

export function generateLanguageReference(): string {
  const out: string[] = [START, '', '## Reference', '', 'Generated from src/validate/schema.ts. `layers` is a layer selection: `all`, `none`, `a..b` or a list such as `[0, 3..5]`. Defaults in plain text are computed from other values.', ''];
  const walk = (node: JsonSchema, path: string[]) => {
    const props = node.properties as Record<string, JsonSchema>;
    const required = new Set((node.required as string[] | undefined) ?? []);
    const name = path.length ? path.join('.') : 'model';
    const primary = path.length ? primaryOf(path) : 'name';
    out.push(`### \`${name}\``, '', `${cell(String(node.description ?? ''))}${primary ? ` Header value: \`${primary}\` (\`${path.at(-1) ?? 'model'} VALUE { ... }\`).` : ''}`, '');
    out.push('| Key | Type | Default | Constraints | Meaning |', '|---|---|---|---|---|');
    for (const [key, child] of Object.entries(props)) {
      out.push(`| \`${key}\` | ${typeOf(child)} | ${cell(defaultOf(child))} | ${constraints(child, required.has(key))} | ${cell(String(child.description ?? ''))} |`);
    }
    out.push('');
    for (const [key, child] of Object.entries(props)) if (child.type === 'object' && !(path[0] === 'quantize' && path.length === 1 && key !== 'default')) walk(child, [...path, key]);
  };
  walk(modelSpecSchema, []);
  out.push('Every group of `quantize` (`embeddings`, `attention`, `dense`, `experts`, `shared`, `router`, `lm_head`, `activations`) has the keys of `quantize.default`.', '', END);
  return out.join('\n');
}
