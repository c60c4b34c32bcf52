/**
 * Front end — `--lora key=value` (repeatable; `moec train`, `compile`, `export hf`, `explain`):
 * the spec's `train.lora` block written on the command line, as PEFT's LoraConfig arguments are
 * passed to a training script, so an imported spec fine-tunes without editing it. Each pair sets
 * one key over the spec's block (creating it when the spec has none); the values then go through
 * the schema and the LoRA rules like the spec's own, and their diagnostics point into the option
 * text (`--lora:1:6 - error …`), as `--quantize` does.
 *
 * Values: `rank=16`, `alpha=32`, `dropout=0.05`, `rslora=true`, `targets=q_proj,v_proj,experts`,
 * `layers=0..3` or `layers=0,2,5` (a layer selection, as the spec's `layers`).
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Span } from '../diagnostics/span.js';
import type { SpanMap } from './spans.js';

/** The pseudo file name diagnostics about the option carry. */
export const LORA_OPTION_FILE = '--lora';

export const LORA_OPTION_KEYS = ['rank', 'alpha', 'dropout', 'rslora', 'targets', 'layers'] as const;

export interface LoraOption {
  /** The pairs joined by spaces, registered as the source of LORA_OPTION_FILE for the renderer. */
  text: string;
  /** Key → value as the spec would hold it (the schema checks types and ranges). */
  values: Record<string, unknown>;
  spans: SpanMap;
  diagnostics: Diagnostic[];
}

function span(from: number, to: number): Span {
  return { file: LORA_OPTION_FILE, offset: from, line: 1, column: from + 1, endOffset: to, endLine: 1, endColumn: to + 1 };
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** A scalar as the spec's own syntax would read it: numbers, true/false, else the text. */
function scalar(text: string): unknown {
  if (NUMBER.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

function valueOf(key: string, text: string): unknown {
  if (key === 'targets') return text.split(',').map((t) => t.trim());
  if (key === 'layers') return text.includes(',') ? text.split(',').map((t) => scalar(t.trim())) : /^\d+$/.test(text) ? [Number(text)] : text;
  return scalar(text);
}

/** Parse the pairs; a pair without `=` or a repeated key is MOE6654 at its place in the text. */
export function parseLoraOption(pairs: readonly string[]): LoraOption {
  const text = pairs.join(' ');
  const spans: SpanMap = new Map([['/train/lora', { value: span(0, text.length) }]]);
  const values: Record<string, unknown> = {};
  const diagnostics: Diagnostic[] = [];
  let at = 0;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    if (eq <= 0 || !key) {
      diagnostics.push(createDiagnostic('MOE6654', { span: span(at, at + pair.length), args: { text: pair, reason: 'it is not key=value' } }));
    } else if (key in values) {
      diagnostics.push(createDiagnostic('MOE6654', { span: span(at, at + pair.length), args: { text: pair, reason: `\`${key}\` is set twice` } }));
    } else {
      values[key] = valueOf(key, pair.slice(eq + 1).trim());
      spans.set(`/train/lora/${key}`, { key: span(at, at + eq), value: span(at + eq + 1, at + pair.length) });
      if (Array.isArray(values[key])) (values[key] as unknown[]).forEach((_, i) => spans.set(`/train/lora/${key}/${i}`, { value: span(at + eq + 1, at + pair.length) }));
    }
    at += pair.length + 1;
  }
  return { text, values, spans, diagnostics };
}

/** The spec with the option's keys laid over its `train.lora` (spans of the replaced keys point into the option). */
export function withLoraOption(spec: unknown, spans: SpanMap, option: LoraOption): { spec: unknown; spans: SpanMap } {
  const s = spec as { train?: { lora?: Record<string, unknown> } };
  const lora = { ...(s.train?.lora ?? {}), ...option.values };
  const merged: SpanMap = new Map(spans);
  for (const key of Object.keys(option.values)) for (const ptr of [...merged.keys()]) if (ptr === `/train/lora/${key}` || ptr.startsWith(`/train/lora/${key}/`)) merged.delete(ptr);
  for (const [ptr, v] of option.spans) if (ptr !== '/train/lora' || !merged.has(ptr)) merged.set(ptr, v);
  return { spec: { ...(spec as object), train: { ...(s.train ?? {}), lora } }, spans: merged };
}
