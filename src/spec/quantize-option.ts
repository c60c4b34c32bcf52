/**
 * Front end — the `--quantize` option (`moec compile --quantize int4-block32`,
 * `--quantize experts=int4,attention=int8`): a spec's `quantize` block written on the command
 * line, as optimum-cli's `--quantize` lets one export choose a precision without editing the
 * model's config. It becomes a QuantizeSpec plus a SpanMap into the option text itself, so the
 * semantic rules (a block size must divide hidden, …) report at the option with a caret like any
 * spec error: `--quantize:1:9 - error MOE3501 …`.
 *
 * Grammar: `item ("," item)*`; `item = [group "="] scheme`; `scheme = dtype ("-" modifier)*`;
 * modifiers `tensor`, `channel`, `block<N>`, `asym`. A bare scheme sets `default`.
 */
import { closest } from 'fastest-levenshtein';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Span } from '../diagnostics/span.js';
import type { SpanMap } from './spans.js';
import type { DType, QuantGroupSpec, QuantizeSpec } from './types.js';

/** The pseudo file name diagnostics about the option carry. */
export const QUANTIZE_OPTION_FILE = '--quantize';

const DTYPES: readonly DType[] = ['fp32', 'fp16', 'bf16', 'int8', 'int4'];
const GROUPS: readonly (keyof QuantizeSpec)[] = ['default', 'embeddings', 'attention', 'dense', 'experts', 'shared', 'router', 'lm_head', 'activations'];
const MODIFIERS = ['tensor', 'channel', 'block32', 'asym'];

export interface QuantizeOption {
  /** The option text, registered as the source of QUANTIZE_OPTION_FILE for the renderer. */
  text: string;
  quantize?: QuantizeSpec;
  spans: SpanMap;
  diagnostics: Diagnostic[];
}

function span(text: string, from: number, to: number): Span {
  return { file: QUANTIZE_OPTION_FILE, offset: from, line: 1, column: from + 1, endOffset: to, endLine: 1, endColumn: to + 1 };
}

/** Parse one `dtype-mod-mod` scheme starting at `at`; records spans under `ptr`. */
function parseScheme(text: string, scheme: string, at: number, ptr: string, spans: SpanMap, out: Diagnostic[]): QuantGroupSpec | undefined {
  const parts = scheme.split('-');
  const dtype = parts[0]!;
  let pos = at;
  const bad = (part: string, what: string, choices: readonly string[]): undefined => {
    const hint = part ? `did you mean \`${closest(part, [...choices])}\`? (${what}: ${choices.join(', ')})` : `${what}: ${choices.join(', ')}`;
    out.push(createDiagnostic('MOE5620', { span: span(text, pos, pos + part.length), args: { part: part || '(empty)', what }, hint }));
    return undefined;
  };
  if (!DTYPES.includes(dtype as DType)) return bad(dtype, 'a dtype', DTYPES);
  const q: QuantGroupSpec = { dtype: dtype as DType };
  spans.set(`${ptr}/dtype`, { value: span(text, pos, pos + dtype.length) });
  pos += dtype.length + 1;
  for (const part of parts.slice(1)) {
    const s = span(text, pos, pos + part.length);
    const block = /^block([0-9]+)$/.exec(part);
    if (part === 'tensor' || part === 'channel') {
      q.granularity = part;
      spans.set(`${ptr}/granularity`, { value: s });
    } else if (block) {
      q.block = Number(block[1]);
      spans.set(`${ptr}/block`, { value: s });
      if (!Number.isSafeInteger(q.block) || q.block < 2) return bad(part, 'a block size of at least 2, e.g.', ['block32', 'block64', 'block128']);
    } else if (part === 'asym') {
      q.symmetric = false;
      spans.set(`${ptr}/symmetric`, { value: s });
    } else {
      return bad(part, 'a modifier', MODIFIERS);
    }
    pos += part.length + 1;
  }
  return q;
}

/** Parse the option; every problem is a diagnostic with a span into the option text. */
export function parseQuantizeOption(text: string): QuantizeOption {
  const spans: SpanMap = new Map();
  const diagnostics: Diagnostic[] = [];
  const quantize: QuantizeSpec = {};
  spans.set('/quantize', { value: span(text, 0, text.length) });
  let at = 0;
  for (const item of text.split(',')) {
    const eq = item.indexOf('=');
    const group = eq < 0 ? 'default' : item.slice(0, eq).trim();
    const lead = item.length - item.trimStart().length;
    const schemeAt = eq < 0 ? at + lead : at + eq + 1 + (item.slice(eq + 1).length - item.slice(eq + 1).trimStart().length);
    const scheme = (eq < 0 ? item : item.slice(eq + 1)).trim();
    if (!GROUPS.includes(group as keyof QuantizeSpec)) {
      diagnostics.push(
        createDiagnostic('MOE5620', {
          span: span(text, at + lead, at + lead + group.length),
          args: { part: group || '(empty)', what: 'a tensor group' },
          hint: group ? `did you mean \`${closest(group, [...GROUPS])}\`? (groups: ${GROUPS.join(', ')})` : `groups: ${GROUPS.join(', ')}`,
        }),
      );
    } else if (quantize[group as keyof QuantizeSpec] !== undefined) {
      diagnostics.push(createDiagnostic('MOE5621', { span: span(text, at + lead, at + item.trimEnd().length), args: { group } }));
    } else {
      const ptr = `/quantize/${group}`;
      spans.set(ptr, { key: span(text, at + lead, at + lead + (eq < 0 ? scheme.length : eq - lead)), value: span(text, schemeAt, schemeAt + scheme.length) });
      const q = parseScheme(text, scheme, schemeAt, ptr, spans, diagnostics);
      if (q) quantize[group as keyof QuantizeSpec] = q;
    }
    at += item.length + 1;
  }
  return { text, spans, diagnostics, ...(diagnostics.length ? {} : { quantize }) };
}
