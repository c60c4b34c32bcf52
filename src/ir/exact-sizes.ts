/**
 * IR phase — sizes must be exact. moec counts parameters, bytes and tokens with JavaScript
 * numbers, which are exact integers only up to 2^53; past that a count is silently rounded
 * (and then printed in explain's "exact total" column). Every size a spec can make is bounded
 * here, once: each tensor's element count, the total parameter count and the tokens per
 * training step. No real model comes near 2^53 (DeepSeek-V3: 6.7 × 10^11 parameters), so
 * this only ever catches a typo — and names the key most likely to hold it.
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { spanAt, type SpanMap } from '../spec/spans.js';
import type { ModelSpec } from '../spec/types.js';
import type { TensorIR } from './types.js';

const grouped = (n: number) => n.toLocaleString('en-US');

/** The size keys of a spec with their values: the largest is the likely typo. */
function sizeKeys(spec: ModelSpec): [string, number][] {
  const a = spec.attention;
  const keys: [string, number | undefined][] = [
    ['/vocab', spec.vocab],
    ['/hidden', spec.hidden],
    ['/layers', spec.layers],
    ['/attention/heads', a.heads],
    ['/attention/kv_heads', a.kv_heads],
    ['/attention/head_dim', a.head_dim],
    ['/dense/ffn', spec.dense?.ffn],
    ['/moe/experts/count', spec.moe?.experts.count],
    ['/moe/experts/ffn', spec.moe?.experts.ffn],
    ['/moe/shared/ffn', spec.moe?.shared?.ffn],
    ['/moe/shared/count', spec.moe?.shared?.count],
  ];
  return keys.filter((k): k is [string, number] => typeof k[1] === 'number');
}

function blame(spec: ModelSpec, spans: SpanMap, keys: [string, number][], what: string, value: number): Diagnostic {
  const [ptr] = keys.reduce((a, b) => (b[1] > a[1] ? b : a));
  const key = ptr.slice(1).replace(/\//g, '.');
  return createDiagnostic('MOE1071', { span: spanAt(spans, ptr, 'value') ?? spanAt(spans, ''), args: { what, value: value.toExponential(3), key } });
}

export function checkExactSizes(spec: ModelSpec, tensors: readonly TensorIR[], spans: SpanMap): Diagnostic[] {
  let total = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(count)) return [blame(spec, spans, sizeKeys(spec), `tensor \`${t.name}\` [${t.shape.map(grouped).join(', ')}]`, count)];
    total += count;
  }
  if (!Number.isSafeInteger(total)) return [blame(spec, spans, sizeKeys(spec), 'the parameter count', total)];
  const batch = spec.train?.batch ?? 8;
  const seqLen = spec.train?.seq_len ?? spec.context;
  if (!Number.isSafeInteger(batch * seqLen)) {
    return [blame(spec, spans, [['/train/batch', batch], [spec.train?.seq_len !== undefined ? '/train/seq_len' : '/context', seqLen]], 'tokens per training step (batch × seq_len)', batch * seqLen)];
  }
  return [];
}
