/**
 * docs/hf.md "Safetensors and checkpoint directories" stays true: the dtype table is generated
 * from the dtype table in code (UPDATE=1 regenerates it), and the limits it states are the
 * constants the code uses.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import {
  ALIGNMENT_ORDER,
  DEFAULT_MAX_SHARD_SIZE,
  DTYPES,
  MAX_HEADER_BYTES,
  MAX_INDEX_BYTES,
  MAX_OPEN_FILES,
  MAX_PROBLEMS,
} from '../../../src/interop/safetensors/index.js';
import { MAX_JSON_DEPTH } from '../../../src/interop/safetensors/strict-json.js';

const DOC = 'docs/hf.md';
const BEGIN = '<!-- dtypes:begin (generated from src/interop/safetensors/dtypes.ts; UPDATE=1 npx vitest run test/interop/safetensors/docs.test.ts) -->';
const END = '<!-- dtypes:end -->';

function dtypeTable(): string {
  const rows = ALIGNMENT_ORDER.map((d) => `| ${d} | ${DTYPES[d].bits} | ${DTYPES[d].noFloat32 ? `no: ${DTYPES[d].noFloat32}` : 'yes'} |`);
  return ['| dtype | bits | float32 |', '|---|---|---|', ...rows].join('\n');
}

it('the dtype table is generated from the code (UPDATE=1 regenerates)', () => {
  const doc = readFileSync(DOC, 'utf8');
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  expect(start).toBeGreaterThan(0);
  const fresh = `${doc.slice(0, start + BEGIN.length)}\n${dtypeTable()}\n${doc.slice(end)}`;
  if (process.env.UPDATE === '1') writeFileSync(DOC, fresh);
  expect(doc).toBe(fresh);
});

it('the limits table states the constants the code uses', () => {
  const doc = readFileSync(DOC, 'utf8');
  const row = (name: string) => doc.split('\n').find((l) => l.startsWith(`| ${name} |`)) ?? '';
  expect(row('header length')).toContain(`${MAX_HEADER_BYTES.toLocaleString('en-US')} bytes`);
  expect(row('index file')).toContain(`${MAX_INDEX_BYTES.toLocaleString('en-US')} bytes`);
  expect(row('JSON nesting')).toContain(`${MAX_JSON_DEPTH} levels`);
  expect(row('problems listed per file')).toContain(`${MAX_PROBLEMS}, then a count`);
  expect(row('shards open at once')).toContain(`| ${MAX_OPEN_FILES} |`);
  expect(DEFAULT_MAX_SHARD_SIZE).toBe(5e9);
  expect(doc).toContain('default 5 GB = 5·10⁹ bytes');
});
