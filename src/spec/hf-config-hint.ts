/**
 * Phase: reading (.json / .yaml spec files). A Hugging Face `config.json` given where a spec is
 * expected would otherwise produce a wall of schema errors (every HF field "unknown", every moec
 * key "missing"); it is recognised instead — an object with a string `model_type`, transformer
 * fields and no spec `name` — and reported once (MOE7010) with the `moec import` command that
 * turns it into a spec.
 */
import { basename, dirname } from 'node:path';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { fileSpan } from '../diagnostics/span.js';
import { spanAt, type SpanMap } from './spans.js';

const HF_FIELDS = ['architectures', 'hidden_size', 'num_hidden_layers', 'vocab_size', 'num_attention_heads'];

export function hfConfigDiagnostic(value: unknown, display: string, spans: SpanMap): Diagnostic | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.model_type !== 'string' || 'name' in v || !HF_FIELDS.some((f) => f in v)) return undefined;
  const dir = basename(dirname(display));
  const name = (basename(display) === 'config.json' && dir && dir !== '.' ? dir : basename(display).replace(/\.(moe\.)?(json|ya?ml)$/i, '')) || 'model';
  return createDiagnostic('MOE7010', { span: spanAt(spans, '/model_type') ?? fileSpan(display), args: { path: display, modelType: v.model_type, name } });
}
