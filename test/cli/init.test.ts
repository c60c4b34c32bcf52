/**
 * `moec init`, in process: every preset (every shipped spec) gives a commented spec that checks
 * without errors, is `moec fmt` clean and carries the new name; an existing file is never
 * overwritten without --force.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { PRESETS, PRESET_NAMES } from '../../src/cli/init/presets.js';
import { checkFiles } from '../../src/cli/check/check-files.js';
import { formatMoe } from '../../src/fmt/format-moe.js';

const dir = mkdtempSync(join(tmpdir(), 'moec-init-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let stdout = '';
let stderr = '';
beforeEach(() => {
  stdout = stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
});
afterEach(() => vi.restoreAllMocks());
const moec = (...args: string[]) => main(['node', 'moec', ...args]);

describe('moec init', () => {
  test('the presets are exactly the shipped specs', () => {
    const shipped = readdirSync('specs').filter((f) => f.endsWith('.moe')).map((f) => f.replace(/\.moe$/, '')).sort();
    expect(PRESETS.map((p) => p.file).sort()).toEqual(shipped);
    expect(new Set(PRESET_NAMES).size).toBe(PRESET_NAMES.length);
  });

  test.each(PRESETS.map((p) => p.file))('--from %s: a commented spec that checks and is fmt clean', async (preset) => {
    const file = join(dir, `from-${preset}.moe`);
    expect(await moec('init', `from-${preset}`, '--from', preset, '-o', file)).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`model "from-${preset}" {`);
    expect(text).toMatch(/\n {2}vocab [\d_]+ \/\/ Vocabulary size\.\n/);
    expect(formatMoe(text, file).output).toBe(text);
    const report = checkFiles([file]);
    expect(report.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    // The preset's own notes (provenance of its numbers) are kept.
    expect(text).toContain(readFileSync(`specs/${preset}.moe`, 'utf8').split('\n')[0]);
  });

  test('default name and preset; an existing file is refused unless --force; -o - prints', async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(await moec('init')).toBe(0);
      expect(readFileSync('my-moe.moe', 'utf8')).toContain('model "my-moe" {');
      writeFileSync('my-moe.moe', 'mine');
      expect(await moec('init')).toBe(1);
      expect(stderr).toContain('error MOE9012: `my-moe.moe` already exists');
      expect(readFileSync('my-moe.moe', 'utf8')).toBe('mine');
      expect(await moec('init', '--force')).toBe(0);
      expect(readFileSync('my-moe.moe', 'utf8')).toContain('model "my-moe"');
      expect(await moec('init', 'x', '--from', 'mixtral', '-o', '-')).toBe(0);
      expect(stdout).toContain('model "x" {');
      expect(readdirSync('.').filter((f) => f.includes('tmp'))).toEqual([]);
    } finally {
      process.chdir(cwd);
    }
  });

  test('usage errors: unknown preset, a name that is not a file name', async () => {
    expect(await moec('init', 'a', '--from', 'llama')).toBe(2);
    expect(await moec('init', '../escape')).toBe(2);
  });
});
