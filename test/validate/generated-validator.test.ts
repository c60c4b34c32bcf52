/** The checked-in standalone validator must be what src/validate/schema.ts compiles to today. */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { GENERATED_PATH, createAjv, generateValidatorSource } from '../../src/validate/generate-validator.js';
import { modelSpecSchema } from '../../src/validate/schema.js';
import { getSchemaValidator } from '../../src/validate/schema-validator.js';
import { baseSpec } from './base-spec.js';

test('generated validator is up to date (regenerate: npm run generate:validator)', () => {
  expect(readFileSync(GENERATED_PATH, 'utf8')).toBe(generateValidatorSource());
});

test('generated validator agrees with a runtime ajv compile', () => {
  const runtime = createAjv().compile(modelSpecSchema);
  const generated = getSchemaValidator();
  const spec = baseSpec() as unknown as Record<string, unknown>;
  const bad = { ...spec, vocab: 'x', extra: 1, attention: { heads: 0 } };
  for (const input of [spec, bad]) {
    expect(generated(input)).toBe(runtime(input));
    expect(generated.errors ?? null).toEqual(runtime.errors ?? null);
  }
});
