/** Schema errors → diagnostics: spans, did-you-mean, one report per failed layer selection. */
import { expect, test } from 'vitest';
import { validateSpec } from '../../src/validate/validate-spec.js';
import { renderGithubLine } from '../../src/cli/render/github.js';
import { baseSpec } from './base-spec.js';
import { fakeSpans } from './fake-spans.js';

function run(mutate: (s: any) => void) {
  const spec: any = baseSpec();
  mutate(spec);
  const { spans, lineOf } = fakeSpans(spec);
  return { ...validateSpec(spec, spans), lineOf };
}

test('a valid spec passes with no diagnostics', () => {
  const r = run(() => {});
  expect(r.diagnostics).toEqual([]);
  expect(r.spec).toBeDefined();
});

test('unknown key: at the key, with a suggestion', () => {
  const r = run((s) => (s.moe.router.topk = 2));
  expect(r.diagnostics).toHaveLength(1);
  expect(r.diagnostics[0]).toMatchObject({ code: 'MOE2001', message: 'unknown key `topk` in `moe.router`', hint: 'did you mean `top_k`?' });
  expect(r.diagnostics[0].span!.line).toBe(r.lineOf.get('/moe/router/topk'));
});

test('a bad layer list reports the element, once', () => {
  const r = run((s) => (s.moe.layers = [1, 'x']));
  expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([['MOE2006', '`moe.layers[1]` is not a layer selection: got "x" (a string)']]);
});

test('schema errors do not hide semantic errors elsewhere in the spec (one run reports both)', () => {
  const r = run((s) => {
    s.vocab = 'big';
    s.moe.router.top_k = 99; // MOE3201: top_k exceeds the 8 experts
  });
  expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE2003', 'MOE3201']);
  expect(r.spec).toBeUndefined();
});

test('a rule that would read a rejected value is skipped, not fed garbage', () => {
  const r = run((s) => {
    s.hidden = 'wide'; // rejected: the attention rule (hidden ÷ heads) must not run on it
    s.attention.heads = 7;
    s.attention.kv_heads = 7;
  });
  expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE2003']);
});

test('unknown keys are invisible to the rules, which still check the rest of the block', () => {
  const r = run((s) => {
    s.quantize = { experts: { dtype: 'int4', block: 48 }, expertz: { dtype: 'int8' } };
  });
  // MOE2001 for the typo, and the block-size rule still sees `experts` (48 does not divide 64).
  expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE2001', 'MOE3501']);
});

test('NaN and Infinity are not numbers', () => {
  const r = run((s) => {
    s.hidden = Number.NaN;
    s.train.optimizer.lr = Infinity;
  });
  expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE2003', 'MOE2003']);
});

test('github annotation escapes newlines and property separators', () => {
  const line = renderGithubLine({
    code: 'MOE3201',
    severity: 'error',
    message: 'a, b: 100%',
    hint: 'x',
    span: { file: 'a,b:c.moe', offset: 0, line: 2, column: 3, endOffset: 4, endLine: 2, endColumn: 7 },
  });
  expect(line).toBe('::error file=a%2Cb%3Ac.moe,line=2,col=3,endLine=2,endColumn=7,title=MOE3201::a, b: 100%25%0Ahint: x');
});

test('control characters in values and keys from a spec are escaped in messages', () => {
  const r = run((s) => {
    s.norm = { type: '\u001b[2Jlayer\nnorm' };
    s.attention['kv\u001bheads\n'] = 2;
  });
  const messages = r.diagnostics.map((d) => d.message);
  expect(messages).toContain('`norm.type` cannot be "\\u001b[2Jlayer\\nnorm" (a string); allowed: rmsnorm, layernorm');
  expect(messages).toContain('unknown key `kv\\u001bheads\\u000a` in `attention`');
  for (const m of messages) expect(m).not.toMatch(/[\u0000-\u001f]/);
});
