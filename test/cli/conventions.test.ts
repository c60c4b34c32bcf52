/**
 * The CLI conventions of docs/cli.md, across every command with the built CLI: a missing input is
 * the same diagnostic and exit 2 everywhere (no fake `file:1:1`), stdin (`-` with
 * --stdin-filepath) works for check and fmt, and `--help` states the exit codes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const BIN = 'dist/cli/bin.js';

function moec(args: string[], input?: string, cwd?: string) {
  const r = spawnSync(process.execPath, [join(process.cwd(), BIN), ...args], { encoding: 'utf8', input, cwd });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const UNFORMATTED = 'model "s" {\n vocab 256 hidden 64 layers 2 context 128\n attention { heads 4 }\n moe { experts 4 { ffn 64 } router { top_k 2 } }\n}\n';

describe.skipIf(!existsSync(BIN))('CLI conventions (built CLI)', () => {
  test('a missing input: MOE9001 without a position, exit 2, for every command', () => {
    const missing = 'no/such.moe';
    const runs = {
      check: moec(['check', missing]),
      fmt: moec(['fmt', missing]),
      explain: moec(['explain', missing]),
      compile: moec(['compile', missing, '-o', join(tmpdir(), 'never.onnx')]),
      train: moec(['train', missing]),
      run: moec(['run', 'no/such.onnx', '--ids', '1']),
      report: moec(['report', 'no/such-run']),
    };
    for (const [command, r] of Object.entries(runs)) {
      expect([command, r.code]).toEqual([command, 2]);
      expect(r.stdout + r.stderr, command).toMatch(/(^|\n)error MOE9001: no such file or directory: `no\/such/);
      expect(r.stdout + r.stderr, command).not.toContain('such.moe:1:1');
    }
  });

  test('check -: the spec from stdin, named by --stdin-filepath, imports relative to it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'moec-stdin-'));
    mkdirSync(join(dir, 'specs'));
    writeFileSync(join(dir, 'specs', 'cluster.moe'), 'parallel {\n  data 2\n}\n');
    const spec = 'import "cluster.moe"\nmodel "s" {\n  vocab 256  hiden 64  layers 2  context 128\n  attention { heads 4 }\n  moe { experts 4 { ffn 64 }  router { top_k 2 } }\n}\n';
    const r = moec(['check', '-', '--stdin-filepath', 'specs/buffer.moe'], spec, dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('specs/buffer.moe:3:14 - error MOE2001: unknown key `hiden` in `model`');
    expect(r.stdout).not.toContain('MOE1040'); // the import resolved next to specs/buffer.moe
    expect(moec(['check', '-'], spec.replace('hiden', 'hidden').replace('import "cluster.moe"\n', ''), dir).code).toBe(0);
    const unnamed = moec(['check', '-'], 'model "s" { vocab 0 }\n', dir);
    expect(unnamed.stdout).toMatch(/^<stdin>:1:/m);
    expect(moec(['check', '-', 'specs'], '', dir).code).toBe(2);
    expect(moec(['check', '--stdin-filepath', 'x.moe'], spec.replace('hiden', 'hidden'), dir).stdout).toContain('x.moe:1:8 - error MOE1040');
  });

  test('fmt -: formatted text on stdout; --check exits 1 when stdin is not formatted', () => {
    const r = moec(['fmt', '-', '--stdin-filepath', 'specs/s.moe'], UNFORMATTED);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('model "s" {\n  vocab 256\n  hidden 64\n');
    expect(moec(['fmt', '-', '--check'], r.stdout).code).toBe(0);
    const check = moec(['fmt', '-', '--check', '--stdin-filepath', 'specs/s.moe'], UNFORMATTED);
    expect([check.code, check.stdout]).toEqual([1, 'would reformat specs/s.moe\n']);
    expect(moec(['fmt', '-', '--write'], UNFORMATTED).code).toBe(2);
    const broken = moec(['fmt', '-', '--stdin-filepath', 'b.moe'], 'model "s" {\n');
    expect([broken.code, broken.stdout]).toEqual([1, '']);
    expect(broken.stderr).toMatch(/^b\.moe:\d+:\d+ - error MOE10/m);
  });

  test('stdin is read up to the spec size limit, then refused', () => {
    const r = moec(['check', '-'], 'x'.repeat(1024 * 1024 + 10));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('error MOE1002: `<stdin>` is more than 1048576 bytes');
  });

  test('every command states its exit codes in --help', () => {
    for (const command of ['check', 'fmt', 'explain', 'compile', 'run', 'train', 'report', 'init', 'schema']) {
      const r = moec([command, '--help']);
      expect([command, r.code]).toEqual([command, 0]);
      expect(r.stdout, command).toMatch(/Exit codes:\n\s+0 {2}\S/);
    }
    expect(moec(['compile', '--help']).stdout).not.toContain('(ONNX: model.onnx)');
  });
});
