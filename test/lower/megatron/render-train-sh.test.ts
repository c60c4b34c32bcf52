/**
 * train.sh rendering: spec text that reaches a shell comment (the model name) cannot start a
 * new shell line, and bash reads the script as written (`bash -n`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { commentText } from '../../../src/lower/megatron/render-train-sh.js';
import { baseSpec } from '../../validate/base-spec.js';
import { compileSpec } from './helpers.js';

test('a line break in the model name stays inside the comment', () => {
  const spec = baseSpec();
  spec.name = 'm\necho INJECTED\r\u2028x';
  const sh = compileSpec(spec).artifacts!.files['train.sh'];
  const lines = sh.split('\n');
  expect(lines.filter((l) => l.includes('INJECTED'))).toEqual(['# Megatron-Core launch for `m\\u000aecho INJECTED\\u000d\\u2028x`, written by `moec compile --target megatron`']);
  const dir = mkdtempSync(join(tmpdir(), 'moec-train-sh-'));
  try {
    writeFileSync(join(dir, 'train.sh'), sh);
    execFileSync('bash', ['-n', join(dir, 'train.sh')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('commentText leaves ordinary text alone', () => {
  expect(commentText('Mixtral-8x7B — «MoE»')).toBe('Mixtral-8x7B — «MoE»');
});
