/**
 * Phase: reading JSON/YAML spec files — the bounds checked before and while the `yaml` parser
 * runs (docs/security.md § Limits). The parser recurses once per nesting level, matches
 * anchors and aliases in quadratic time, and expands aliases without limit in `toJS`; these
 * cheap linear scans refuse such input first. Offsets are into the file text.
 */
import { MAX_NESTING } from '../../grammar/parse-source.js';
import { isNonZero } from '../../grammar/literals.js';

/** Bracket depth of a JSON/flow-YAML text, ignoring brackets inside quotes (a cheap pre-check). */
export function bracketDepth(text: string): { depth: number; at: number } {
  let depth = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') {
      if (++depth > MAX_NESTING) return { depth, at: i };
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return { depth, at: -1 };
}

/**
 * Nesting depth of block-style YAML, which bracketDepth cannot see: a stack of indentation
 * levels (as Python's tokenizer keeps), each `- ` starting a line one level more. The yaml
 * parser recurses per level and overflows the stack near a thousand; this refuses at
 * MAX_NESTING first. Returns the offset of the first line past the limit, or -1.
 */
export function blockDepth(text: string): number {
  const indents: number[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    const start = offset;
    offset += line.length + 1;
    const indent = /^ */.exec(line)![0].length;
    const rest = line.slice(indent);
    if (rest === '' || rest.startsWith('#')) continue;
    while (indents.length && indents[indents.length - 1]! >= indent) indents.pop();
    indents.push(indent);
    // `- - x` and `key: - x` open one level per dash.
    const dashes = /^(?:[^\s:#"'\[{]+:\s+)?((?:[-?]\s+)*)/.exec(rest)![1]!.replace(/\s/g, '').length;
    if (indents.length + dashes > MAX_NESTING) return start + indent;
  }
  return -1;
}

/**
 * Anchors (`&a`) and aliases (`*a`) outside quotes and comments. The yaml parser matches them
 * in time quadratic in their number (40,000 of them in a 1 MiB file: 20 s), so they are counted
 * — a spec needs a handful — before it parses. Returns the offset of the first one past `limit`.
 */
export function anchorsPast(text: string, limit: number): number {
  let count = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
      continue;
    }
    if (c === '"' || c === "'") {
      if (i === 0 || /[\s:,[{-]/.test(text[i - 1]!)) quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
    } else if ((c === '&' || c === '*') && (i === 0 || /[\s,[{:-]/.test(text[i - 1]!)) && /[^\s,[\]{}]/.test(text[i + 1] ?? ' ')) {
      if (++count > limit) return i;
    }
  }
  return -1;
}

/** Anchors and aliases one file may hold: a spec uses a handful. */
export const MAX_YAML_ANCHORS = 1_000;

/** Values the walk below may visit: a spec has hundreds; aliases could make it 10^12. */
export const MAX_YAML_VALUES = 10_000;

const PLAIN_INTEGER = /^[-+]?[0-9][0-9_]*$/;

/** MOE1015/MOE1070/MOE1014 for a parsed number that does not mean what its text says. */
export function numberProblem(value: number, source: string): 'MOE1015' | 'MOE1070' | 'MOE1014' | undefined {
  if (Number.isNaN(value)) return 'MOE1014';
  if (!Number.isFinite(value)) return 'MOE1015';
  if (PLAIN_INTEGER.test(source) && !Number.isSafeInteger(value)) return 'MOE1015';
  if (value === 0 && isNonZero(source)) return 'MOE1070';
  return undefined;
}
