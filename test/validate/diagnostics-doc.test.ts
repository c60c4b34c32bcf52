/** docs/diagnostics.md documents every code of the table and is what the generator writes. */
import { readFileSync, writeFileSync } from 'node:fs';
import { globSync } from 'tinyglobby';
import { expect, test } from 'vitest';
import { diagnosticTable } from '../../src/diagnostics/codes/index.js';
import { generateDiagnosticsDoc } from './diagnostics-doc.js';

const DOC = 'docs/diagnostics.md';

test('docs/diagnostics.md is up to date (UPDATE=1 regenerates)', () => {
  const fresh = generateDiagnosticsDoc();
  if (process.env.UPDATE === '1') writeFileSync(DOC, fresh);
  expect(readFileSync(DOC, 'utf8')).toBe(fresh);
});

test('every diagnostic code has a section in docs/diagnostics.md', () => {
  const doc = readFileSync(DOC, 'utf8');
  const missing = Object.keys(diagnosticTable).filter((code) => !doc.includes(`\n### ${code}\n`));
  expect(missing).toEqual([]);
});

test('every code is raised somewhere in src/ or grammar/, or marked retired (and then raised nowhere)', () => {
  const sources = globSync(['src/**/*.ts', 'grammar/**/*.ts'], { ignore: ['src/diagnostics/codes/**'] })
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  const wrong = Object.entries(diagnosticTable)
    .filter(([code, e]) => sources.includes(`'${code}'`) === ('retired' in e && e.retired !== undefined))
    .map(([code]) => code);
  expect(wrong).toEqual([]);
});
