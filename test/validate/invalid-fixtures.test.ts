/**
 * Golden test over test/fixtures/invalid: each fixture's diagnostics (position, severity,
 * code) must match the expectations recorded with it. Regenerate with `UPDATE=1`. Also fails
 * on an orphaned `.expected` file, a fixture that expects nothing, and a schema or semantic
 * code that no fixture exercises.
 */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkFiles } from '../../src/cli/check/check-files.js';
import { diagnosticTable } from '../../src/diagnostics/codes/index.js';
import { formatExpectations, readExpectations, writeExpectations } from './golden.js';

const DIR = 'test/fixtures/invalid';
const SPEC = /\.moe(\.json|\.ya?ml)?$/;
const fixtures = readdirSync(DIR)
  .filter((f) => SPEC.test(f))
  .sort()
  .map((f) => join(DIR, f));
const update = process.env.UPDATE === '1';

describe('invalid fixtures', () => {
  test.each(fixtures)('%s', (file) => {
    const report = checkFiles([file]);
    const actual = formatExpectations(file, DIR, report.diagnostics);
    if (update) writeExpectations(file, actual);
    expect(actual).toEqual(readExpectations(file));
    expect(actual.length, `${file} should produce at least one diagnostic`).toBeGreaterThan(0);
  });

  test('no orphaned .expected files', () => {
    const orphans = readdirSync(DIR)
      .filter((f) => f.endsWith('.expected'))
      .filter((f) => !existsSync(join(DIR, f.replace(/\.expected$/, ''))));
    expect(orphans).toEqual([]);
  });

  test('every schema and semantic code is exercised by a fixture', () => {
    const seen = new Set(fixtures.flatMap((f) => readExpectations(f).map((l) => l.split(' ')[2])));
    const missing = Object.keys(diagnosticTable).filter((c) => /^MOE[23]/.test(c) && !seen.has(c));
    expect(missing).toEqual([]);
  });
});
