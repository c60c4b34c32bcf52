/**
 * docs/megatron.md stays true: its mapping table has exactly the mapping rows of the code and
 * names only flags of the pinned table, it states the pinned release, it mentions every refusal
 * and launch-check code, and its example spec and `--megatron` settings compile.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { megatronCodes } from '../../../src/diagnostics/codes/megatron.js';
import { FLAGS, MEGATRON_CORE } from '../../../src/lower/megatron/flags-core_v0.19.0.js';
import { applyCliSettings } from '../../../src/lower/megatron/launch-options.js';
import { MAPPING } from '../../../src/lower/megatron/mapping/index.js';
import { compileFile } from './helpers.js';

const doc = readFileSync('docs/megatron.md', 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'moec-megatron-docs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const table = doc.slice(doc.indexOf('<!-- mapping:start -->'), doc.indexOf('<!-- mapping:end -->'));
const rows = table.split('\n').filter((l) => /^\| `/.test(l));

describe('docs/megatron.md', () => {
  test('the mapping table lists every mapping row, once, in order', () => {
    expect(rows.map((r) => /^\| `([^`]+)`/.exec(r)![1])).toEqual(MAPPING.map((r) => r.key));
  });

  test('every flag the table names is in the pinned flag table', () => {
    const flags = new Set(rows.flatMap((r) => [...r.matchAll(/(--[a-z0-9-]+)/g)].map((m) => m[1])));
    expect([...flags].filter((f) => !(f in FLAGS))).toEqual([]);
  });

  test('it states the pinned release', () => {
    expect(doc).toContain(`\`${MEGATRON_CORE.tag}\``);
    expect(doc).toContain(MEGATRON_CORE.commit);
  });

  test('it explains every refusal and launch-check code', () => {
    const codes = Object.keys(megatronCodes).filter((c) => /^MOE8[01]/.test(c));
    expect(codes.filter((c) => !doc.includes(c))).toEqual([]);
  });

  test('the example spec compiles, with the example --megatron settings', () => {
    const spec = /```moe[^\n]*\n([\s\S]*?)```/.exec(doc)![1];
    const file = join(dir, 'run.moe');
    writeFileSync(file, spec);
    const r = compileFile(file);
    expect(r.diagnostics).toEqual([]);
    expect(r.argv).toContain('--data-path');
    const cli = /moec compile run\.moe[^\n]*/.exec(doc)![0];
    const pairs = [...cli.matchAll(/--megatron (\S+)/g)].map((m) => m[1]);
    expect(pairs.length).toBeGreaterThan(0);
    expect(applyCliSettings(undefined, pairs).diagnostics).toEqual([]);
  });
});
