/**
 * src/io/write-file.ts and src/io/atomic-file.ts: checked writes (a short write on a "full
 * disk" is an error, never a hole), atomic replacement (previous file intact, no temporary left,
 * dead writers' temporaries removed), writes through symlinks keeping the link and the mode.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { createAtomicFile } from '../../src/io/atomic-file.js';
import { writeFileAtomicSync, writeTarget } from '../../src/io/write-file.js';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'moec-io-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('atomic writes', () => {
  test('replace a file, keeping its mode; write through a symlink chain, keeping the links', () => {
    const dir = temp();
    const real = join(dir, 'real.txt');
    writeFileSync(real, 'old');
    chmodSync(real, 0o600);
    symlinkSync('real.txt', join(dir, 'a'));
    symlinkSync('a', join(dir, 'b'));
    expect(writeTarget(join(dir, 'b'))).toBe(real);
    writeFileAtomicSync(join(dir, 'b'), 'new');
    expect(readFileSync(real, 'utf8')).toBe('new');
    expect(lstatSync(join(dir, 'b')).isSymbolicLink()).toBe(true);
    expect(statSync(real).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['a', 'b', 'real.txt']);
  });

  test("a dead writer's temporary is removed by the next write; a live one's is left", () => {
    const dir = temp();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dir, `.out.txt.tmp-${dead}`), 'partial');
    writeFileSync(join(dir, `.out.txt.tmp-${process.ppid}`), 'in progress');
    writeFileAtomicSync(join(dir, 'out.txt'), 'done');
    expect(readdirSync(dir).sort()).toEqual([`.out.txt.tmp-${process.ppid}`, 'out.txt']);
  });

  test('createAtomicFile: positioned and appended writes, commit; abort leaves the old file', async () => {
    const dir = temp();
    const file = join(dir, 'shard.bin');
    const out = await createAtomicFile(file);
    await out.write(Uint8Array.of(1, 2));
    await out.write(Uint8Array.of(9), 8);
    expect(existsSync(file)).toBe(false);
    await out.commit();
    expect([...readFileSync(file)]).toEqual([1, 2, 0, 0, 0, 0, 0, 0, 9]);
    const again = await createAtomicFile(file);
    await again.write(Uint8Array.of(5));
    await again.abort();
    expect([...readFileSync(file)]).toEqual([1, 2, 0, 0, 0, 0, 0, 0, 9]);
    expect(readdirSync(dir)).toEqual(['shard.bin']);
    await expect(again.write(Uint8Array.of(1))).rejects.toThrow(/after commit or abort/);
  });

  test.skipIf(process.platform === 'win32')('on a full disk every writer fails, keeps the old file and leaves no temporary', () => {
    const dir = temp();
    writeFileSync(join(dir, 'sync.bin'), 'previous');
    const r = spawnSync('bash', ['-c', `ulimit -f 64; exec "${process.execPath}" test/io/fixtures/write-under-limit.mjs "${dir}"`], { encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(r.stdout)).toEqual({ sync: 'EFBIG', async: 'EFBIG' });
    expect(readFileSync(join(dir, 'sync.bin'), 'utf8')).toBe('previous');
    expect(readdirSync(dir)).toEqual(['sync.bin']);
  });
});
