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

// The ```moe examples themselves are files under docs/examples/, checked (no errors, no
// warnings, fmt-clean) by test/docs/doc-examples.test.ts.
