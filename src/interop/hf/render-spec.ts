/**
 * HF bridge (import) — a spec object printed as a `.moe` file: keys in the order of the
 * language reference (the JSON Schema's), the block primary values (`experts 8 {`, `norm
 * rmsnorm {`, `mtp 1`), layer ranges as ranges, integers with digit groups (`32_000`), the
 * context as `128k` where it is a multiple of 1024, small decimals in exponent form; each key
 * followed by the comment naming the config field it came from. The text then goes through
 * `moec fmt`'s printer, so it is exactly what `moec fmt` would write.
 */
import { quoteString } from '../../../grammar/literals.js';
import { formatMoe } from '../../fmt/format-moe.js';
import { primaryField } from '../../spec/types.js';
import { modelSpecSchema } from '../../validate/schema.js';
import type { JsonSchema } from '../../validate/schema-builders.js';

export function formatSpecNumber(x: number, key = ''): string {
  if (Number.isInteger(x)) {
    if (key === 'context' && x >= 1024 && x % 1024 === 0) return `${x / 1024}k`;
    return Math.abs(x) > 10_000 ? String(x).replace(/\B(?=(\d{3})+(?!\d))/g, '_') : String(x);
  }
  return Math.abs(x) < 1e-3 ? x.toExponential().replace('e+', 'e') : String(x);
}

function formatValue(v: unknown, key: string): string {
  if (typeof v === 'number') return formatSpecNumber(v, key);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => formatValue(x, key)).join(', ')}]`;
  const s = String(v);
  if (/^\d+\.\.\d+$/.test(s) || /^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) return s;
  return quoteString(s);
}

function orderedKeys(obj: Record<string, unknown>, schema: JsonSchema | undefined): string[] {
  const order = Object.keys((schema?.properties as Record<string, unknown> | undefined) ?? {});
  return Object.keys(obj).sort((a, b) => (order.indexOf(a) + 1 || 1e9) - (order.indexOf(b) + 1 || 1e9));
}

function printBlock(obj: Record<string, unknown>, path: string[], schema: JsonSchema | undefined, comments: ReadonlyMap<string, string>, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  const primary = primaryField(path);
  for (const key of orderedKeys(obj, schema)) {
    if (key === primary) continue;
    const value = obj[key];
    const ptr = `/${[...path, key].join('/')}`;
    const comment = comments.get(ptr);
    const tail = (text: string) => (comment ? `${text} // ${comment}` : text);
    const sub = (schema?.properties as Record<string, JsonSchema> | undefined)?.[key];
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const child = value as Record<string, unknown>;
      const p = primaryField([...path, key]);
      const head = p !== undefined && child[p] !== undefined ? `${key} ${formatValue(child[p], p)}` : key;
      const rest = Object.keys(child).filter((k) => k !== p);
      const headComment = p !== undefined ? comments.get(`${ptr}/${p}`) : undefined;
      if (rest.length === 0) {
        out.push(`${pad}${head}${headComment ? ` // ${headComment}` : comment ? ` // ${comment}` : ''}`);
        continue;
      }
      out.push(`${pad}${head} {${headComment ? ` // ${headComment}` : comment ? ` // ${comment}` : ''}`);
      printBlock(child, [...path, key], sub, comments, depth + 1, out);
      out.push(`${pad}}`);
    } else {
      out.push(`${pad}${tail(`${key} ${formatValue(value, key)}`)}`);
    }
  }
}

/** `.moe` text of `spec`, with `header` lines as a leading comment and per-key comments. */
export function renderSpec(spec: Record<string, unknown>, comments: ReadonlyMap<string, string>, header: readonly string[], file: string): string {
  const lines = header.map((l) => (l ? `// ${l}` : '//'));
  lines.push(`model ${quoteString(String(spec.name))} {`);
  const { name: _name, ...body } = spec;
  printBlock(body, [], modelSpecSchema, comments, 1, lines);
  lines.push('}');
  const formatted = formatMoe(lines.join('\n') + '\n', file);
  if (formatted.output === undefined) throw new Error(`renderSpec: the printed spec does not parse: ${formatted.diagnostics.map((d) => d.message).join('; ')}`);
  return formatted.output;
}
