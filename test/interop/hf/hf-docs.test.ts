/**
 * docs/hf.md cannot go stale: its per-model_type field and key tables, the refused model_types
 * and the not-architecture fields are generated from the bridge's data (hf-docs.ts; `UPDATE=1`
 * rewrites them), and its example spec is exactly what `moec import` prints for Mixtral-8x7B's
 * real config.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importSpec } from '../../../src/interop/hf/import-spec.js';
import { generateHfTables } from './hf-docs.js';

const DOC = 'docs/hf.md';
const EXAMPLE = 'docs/examples/hf/mixtral-8x7b.moe';
const update = process.env.UPDATE === '1';

describe('docs/hf.md', () => {
  it('the generated tables match the bridge', () => {
    let doc = readFileSync(DOC, 'utf8');
    for (const [name, body] of Object.entries(generateHfTables())) {
      const begin = `<!-- hf-${name}:begin (generated: UPDATE=1 npx vitest run test/interop/hf/hf-docs.test.ts) -->`;
      const end = `<!-- hf-${name}:end -->`;
      const a = doc.indexOf(begin);
      const b = doc.indexOf(end);
      expect(a, `${DOC} has the ${name} markers`).toBeGreaterThanOrEqual(0);
      const fresh = `${begin}\n${body}\n${end}`;
      if (update) doc = doc.slice(0, a) + fresh + doc.slice(b + end.length);
      else expect(doc.slice(a, b + end.length)).toBe(fresh);
    }
    if (update) writeFileSync(DOC, doc);
  });

  it(`${EXAMPLE} is what moec import prints for Mixtral-8x7B-v0.1`, () => {
    const text = importSpec('test/fixtures/hf-configs/mistralai--Mixtral-8x7B-v0.1', 'mixtral-8x7b.moe').value!.text;
    if (update) writeFileSync(EXAMPLE, text);
    expect(readFileSync(EXAMPLE, 'utf8')).toBe(text);
    expect(readFileSync(DOC, 'utf8')).toContain('```moe docs/examples/hf/mixtral-8x7b.moe\n' + text + '```');
  });
});
