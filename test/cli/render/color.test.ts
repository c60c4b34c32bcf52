/**
 * Colour in the pretty diagnostics: on for a terminal, off for pipes and files, NO_COLOR and
 * FORCE_COLOR honoured as tsc/eslint/Node do; the text is the same with the escapes removed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { colorEnabled, COLOR_PAINTER } from '../../../src/cli/render/color.js';
import { renderPretty } from '../../../src/cli/render/pretty.js';
import { createDiagnostic } from '../../../src/diagnostics/diagnostic.js';

const tty = { isTTY: true };
const pipe = { isTTY: false };
const ESC = /\u001b\[[0-9;]*m/g;

describe('colorEnabled', () => {
  test('a terminal gets colour, a pipe does not', () => {
    expect(colorEnabled(tty, {})).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
  });
  test('NO_COLOR (non-empty), NODE_DISABLE_COLORS and TERM=dumb turn it off', () => {
    expect(colorEnabled(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '' })).toBe(true); // no-color.org: present *and* not empty
    expect(colorEnabled(tty, { NODE_DISABLE_COLORS: '1' })).toBe(false);
    expect(colorEnabled(tty, { TERM: 'dumb' })).toBe(false);
  });
  test('FORCE_COLOR wins either way', () => {
    expect(colorEnabled(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(colorEnabled(pipe, { FORCE_COLOR: '' })).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(colorEnabled(tty, { FORCE_COLOR: 'false' })).toBe(false);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(true);
  });
});

describe('coloured rendering', () => {
  const source = 'model "m" {\n  hiden 64\n}\n';
  const d = createDiagnostic('MOE2001', {
    span: { file: 'm.moe', offset: 14, line: 2, column: 3, endOffset: 19, endLine: 2, endColumn: 8 },
    args: { key: 'hiden', block: 'model' },
    hint: 'did you mean `hidden`?',
  });
  test('the same text as plain output once the escapes are removed', () => {
    const sources = new Map([['m.moe', source]]);
    const coloured = renderPretty([d], sources, COLOR_PAINTER);
    expect(coloured).toContain('\u001b[31m');
    expect(coloured.replace(ESC, '')).toBe(renderPretty([d], sources));
  });

  test.skipIf(!existsSync('dist/cli/bin.js'))('the built CLI: FORCE_COLOR colours a pipe, NO_COLOR and plain pipes do not', () => {
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['dist/cli/bin.js', 'check', 'test/fixtures/invalid/router-top-k.moe'], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined, ...env } }).stdout;
    const forced = run({ FORCE_COLOR: '1' });
    expect(forced).toMatch(ESC);
    expect(forced.replace(ESC, '')).toBe(run({}));
    expect(run({})).not.toMatch(ESC);
    expect(run({ NO_COLOR: '1' })).not.toMatch(ESC);
    const json = spawnSync(process.execPath, ['dist/cli/bin.js', 'check', 'specs/tiny.moe', '--format', 'json'], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '1' } }).stdout;
    expect(json).not.toMatch(ESC);
  });
});
