/** src/io/escape-text.ts: every control character in human-readable output made visible. */
import { expect, test } from 'vitest';
import { escapeControls, escapeControlsKeepLines } from '../../src/io/escape-text.js';

test('C0 (newline and tab included), DEL, C1, separators and bidi overrides are escaped; the rest is kept', () => {
  expect(escapeControls('a\nb\r\tc\u001b[31md\u007f\u009b\u2028\u202e\u2066é😀')).toBe('a\\nb\\r\\tc\\x1b[31md\\x7f\\x9b\\u{2028}\\u{202e}\\u{2066}é😀');
  expect(escapeControls('::error file=x::y')).toBe('::error file=x::y');
});

test('multi-line text keeps newline and tab only', () => {
  expect(escapeControlsKeepLines('a\n\tb\u001b\r')).toBe('a\n\tb\\x1b\\r');
});
