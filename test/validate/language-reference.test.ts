/** The reference tables in docs/language.md match the JSON Schema (UPDATE=1 rewrites them). */
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { END, START, generateLanguageReference } from './language-reference.js';

const DOC = 'docs/language.md';

test('docs/language.md reference tables are up to date', () => {
  const doc = readFileSync(DOC, 'utf8');
  const fresh = generateLanguageReference();
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  const current = start >= 0 && end > start ? doc.slice(start, end + END.length) : '';
  if (process.env.UPDATE === '1' && current !== fresh) {
    const next = current ? doc.replace(current, fresh) : `${doc.trimEnd()}\n\n${fresh}\n`;
    writeFileSync(DOC, next);
    return;
  }
  expect(current).toBe(fresh);
});

test('the ```moe examples of docs/language.md check without errors', async () => {
  const { checkFiles } = await import('../../src/cli/check/check-files.js');
  const { mkdtempSync, writeFileSync: write } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const blocks = [...readFileSync(DOC, 'utf8').matchAll(/```moe\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThan(0);
  const dir = mkdtempSync(join(tmpdir(), 'moec-lang-doc-'));
  blocks.forEach((text, i) => {
    const file = join(dir, `example-${i}.moe`);
    write(file, text);
    const errors = checkFiles([file]).diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => `${d.code} ${d.message}`)).toEqual([]);
  });
});
