/**
 * Hostile input, class 2 — writes that lose data. A full disk is simulated with a file-size
 * limit (`ulimit -f`: write(2) then writes short and fails with EFBIG, as on a full disk); every
 * output must then fail with a diagnostic, keep the previous file and leave no temporary.
 * An output that is an input (by any name) is refused before anything is written, and writes
 * through a symlink keep the link.
 */
import { chmodSync, linkSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { HAS_BIN, moec, removeTempDirs, smallSpec, tempDir, write } from './harness.js';

afterAll(removeTempDirs);

const onPosix = HAS_BIN && process.platform !== 'win32';
const PREVIOUS = 'the previous file\n';
const noTemps = (dir: string) => readdirSync(dir).filter((f) => f.includes('.tmp'));

describe.skipIf(!onPosix)('class 2: a failed write keeps the previous output and leaves nothing behind', () => {
  test('compile --target onnx on a "full disk": MOE9004, old model kept, no temporary', () => {
    const dir = tempDir();
    const spec = write(dir, 'tiny.moe', smallSpec('tiny'));
    const out = write(dir, 'tiny.onnx', PREVIOUS);
    // 256 KiB: the inline model (~1 MB) writes short, then fails.
    const r = moec(['compile', spec, '--target', 'onnx', '-o', out], { cwd: dir, shell: 'ulimit -f 256;', limitS: 60 });
    expect(r.hung).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MOE9004');
    expect(readFileSync(out, 'utf8')).toBe(PREVIOUS);
    expect(noTemps(dir)).toEqual([]);
  });

  test('check -o and fmt --write on a full disk keep the previous file', () => {
    const dir = tempDir();
    const spec = write(dir, 'x.moe', smallSpec('x').replace('  vocab 256', 'vocab    256'));
    const report = write(dir, 'report.txt', PREVIOUS);
    const check = moec(['check', spec, '-o', report], { cwd: dir, shell: 'ulimit -f 0;' });
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('MOE9004');
    expect(readFileSync(report, 'utf8')).toBe(PREVIOUS);
    const before = readFileSync(spec, 'utf8');
    const fmt = moec(['fmt', '--write', spec], { cwd: dir, shell: 'ulimit -f 0;' });
    expect(fmt.code).toBe(1);
    expect(fmt.stderr).toContain('MOE9004');
    expect(readFileSync(spec, 'utf8')).toBe(before);
    expect(noTemps(dir)).toEqual([]);
  });
});

describe.skipIf(!HAS_BIN)('class 2: an output that is an input is refused', () => {
  test('compile x.moe -o x.moe (also as ./x.moe, a hard link, a symlink, an imported file)', () => {
    const dir = tempDir();
    write(dir, 'part.moe', 'train { steps 10 }\n');
    const spec = write(dir, 'x.moe', 'import "part.moe"\n' + smallSpec('x'));
    const text = readFileSync(spec, 'utf8');
    linkSync(spec, join(dir, 'hard.onnx'));
    symlinkSync('x.moe', join(dir, 'soft.onnx'));
    for (const out of ['x.moe', './x.moe', 'hard.onnx', 'soft.onnx', 'part.moe']) {
      const r = moec(['compile', 'x.moe', '--target', 'onnx', '-o', out], { cwd: dir, limitS: 60 });
      expect(r.code, out).toBe(1);
      expect(r.stderr).toContain('MOE9102');
    }
    expect(readFileSync(spec, 'utf8')).toBe(text);
  });

  test('check -o one of the checked files', () => {
    const dir = tempDir();
    const spec = write(dir, 'x.moe', smallSpec('x'));
    const r = moec(['check', dir, '-o', spec]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MOE9102');
    expect(readFileSync(spec, 'utf8')).toBe(smallSpec('x'));
  });

  test('report RUN -o RUN/metrics.jsonl', () => {
    const dir = tempDir();
    const line = JSON.stringify({ step: 1, loss: 5, ce: 5, aux_loss: 0, z_loss: 0, lr: 1e-3, grad_norm: 1, clipped: false, tokens: 64, tokens_per_s: 1, step_s: 1, epoch: 0, expert_load: {}, router_entropy: {}, dropped_fraction: {} });
    const metrics = write(dir, 'metrics.jsonl', line + '\n');
    const r = moec(['report', dir, '-o', metrics], { limitS: 60 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MOE9102');
    expect(readFileSync(metrics, 'utf8')).toBe(line + '\n');
  });

  test('compile --target tfjs never replaces a directory holding the spec or other files', () => {
    const dir = tempDir();
    write(dir, 'x.moe', smallSpec('x'));
    write(dir, 'notes.txt', 'keep me');
    const here = moec(['compile', 'x.moe', '--target', 'tfjs', '-o', '.'], { cwd: dir, limitS: 90 });
    expect(here.code).toBe(1);
    expect(here.stderr).toContain('MOE9102');
    const other = tempDir();
    write(other, 'notes.txt', 'keep me');
    const foreign = moec(['compile', join(dir, 'x.moe'), '--target', 'tfjs', '-o', other], { limitS: 90 });
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('MOE9106');
    expect(readFileSync(join(other, 'notes.txt'), 'utf8')).toBe('keep me');
    expect(readdirSync(dir).sort()).toEqual(['notes.txt', 'x.moe']);
  });
});

describe.skipIf(!onPosix)('class 2: writing through a symlink keeps the link', () => {
  test('fmt --write on a symlink rewrites the target, keeps the link and the mode', () => {
    const dir = tempDir();
    const target = write(dir, 'real.moe', smallSpec('x').replace('  vocab 256', 'vocab    256'));
    chmodSync(target, 0o640);
    symlinkSync('real.moe', join(dir, 'link.moe'));
    const r = moec(['fmt', '--write', join(dir, 'link.moe')]);
    expect(r.code).toBe(0);
    expect(lstatSync(join(dir, 'link.moe')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, 'link.moe'))).toBe('real.moe');
    expect(readFileSync(target, 'utf8')).toContain('  vocab 256\n');
    expect(statSync(target).mode & 0o777).toBe(0o640);
  });

  test('check -o through a symlink writes its target', () => {
    const dir = tempDir();
    const spec = write(dir, 'x.moe', smallSpec('x'));
    const target = write(dir, 'out.txt', PREVIOUS);
    symlinkSync('out.txt', join(dir, 'out-link.txt'));
    const r = moec(['check', spec, '-o', join(dir, 'out-link.txt')]);
    expect(r.code).toBe(0);
    expect(lstatSync(join(dir, 'out-link.txt')).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toContain('1 file checked');
    writeFileSync(target, '');
  });
});
