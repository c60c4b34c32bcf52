/**
 * src/io/read-file.ts: the one reader of input files — regular files only (FIFOs, devices,
 * directories refused without blocking), capped (a size that lies cannot grow memory).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { readRegularFile } from '../../src/io/read-file.js';

const dir = mkdtempSync(join(tmpdir(), 'moec-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a regular file, and one over its cap', () => {
  writeFileSync(join(dir, 'a.txt'), 'hello');
  const ok = readRegularFile(join(dir, 'a.txt'), 5);
  expect(ok.ok && ok.bytes.toString()).toBe('hello');
  expect(readRegularFile(join(dir, 'a.txt'), 4)).toMatchObject({ ok: false, kind: 'too-large', size: 5, limit: 4 });
  expect(readRegularFile(join(dir, 'none.txt'), 4)).toMatchObject({ ok: false, kind: 'missing' });
  expect(readRegularFile(dir, 4)).toMatchObject({ ok: false, kind: 'directory' });
});

test.skipIf(process.platform === 'win32')('FIFOs and devices are refused without blocking; procfs files (size 0) are read capped', () => {
  expect(spawnSync('mkfifo', [join(dir, 'pipe')]).status).toBe(0);
  expect(readRegularFile(join(dir, 'pipe'), 100)).toMatchObject({ ok: false, kind: 'special', what: 'a FIFO (named pipe)' });
  symlinkSync('/dev/zero', join(dir, 'zero'));
  expect(readRegularFile(join(dir, 'zero'), 100)).toMatchObject({ ok: false, kind: 'special', what: 'a character device' });
  if (process.platform === 'linux') {
    // stat says 0 bytes, the content is longer than 16: the cap still holds.
    expect(readRegularFile('/proc/self/status', 16)).toMatchObject({ ok: false, kind: 'too-large', size: 17, limit: 16 });
  }
});
