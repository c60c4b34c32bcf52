/**
 * Hostile input, class 5 — escapes and injection. Imports are confined by real paths (a symlink
 * under the root that leads outside is refused and its target never echoed; a name that only
 * starts with `..` is fine); a model name cannot choose a run directory outside runs/; and no
 * human-readable output carries a raw control character from a name, path or value — a
 * newline cannot forge a `::error` workflow command, an ESC sequence cannot reach the terminal.
 */
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { HAS_BIN, hasRawControl, moec, removeTempDirs, smallSpec, tempDir, write } from './harness.js';

afterAll(removeTempDirs);

const EVIL = 'e\u001b[2J\n::error file=x.moe::pwned\u202e';
/** EVIL as a .moe string literal. */
const EVIL_LITERAL = JSON.stringify(EVIL);

describe.skipIf(!HAS_BIN || process.platform === 'win32')('class 5: imports stay under the root, by real path', () => {
  test('a symlink (file or directory) under the root that leads outside is refused, its content never shown', () => {
    const base = tempDir();
    const outside = join(base, 'outside');
    const root = join(base, 'root');
    mkdirSync(outside);
    mkdirSync(root);
    write(outside, 'secret.moe', 'SECRET_TOKEN_42 {\n');
    symlinkSync(join(outside, 'secret.moe'), join(root, 'link.moe'));
    symlinkSync(outside, join(root, 'dir'));
    for (const target of ['link.moe', 'dir/secret.moe']) {
      write(root, 'spec.moe', `import "${target}"\n` + smallSpec());
      const r = moec(['check', join(root, 'spec.moe')]);
      expect(r.code, target).toBe(1);
      expect(r.stdout).toContain('MOE1042');
      expect(r.stdout).not.toContain('SECRET_TOKEN_42');
    }
  });

  test('`import "..frag.moe"` names a file in the root and is accepted', () => {
    const root = tempDir();
    write(root, '..frag.moe', 'train { steps 10 }\n');
    write(root, 'spec.moe', 'import "..frag.moe"\n' + smallSpec());
    const r = moec(['check', join(root, 'spec.moe')]);
    expect(r.stdout).toContain('no problems');
    expect(r.code).toBe(0);
  });
});

describe.skipIf(!HAS_BIN)('class 5: a model name cannot choose a directory outside runs/', () => {
  test.each([['../../x'], ['/tmp/abs'], ['..'], ['a\nb']])('%j is refused without --out', (name) => {
    const cwd = join(tempDir(), 'a', 'b', 'c');
    mkdirSync(cwd, { recursive: true });
    write(cwd, 'x.moe', smallSpec(name));
    const r = moec(['train', 'x.moe', '--steps', '1', '--progress', 'none'], { cwd, limitS: 90 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MOE6564');
    expect(existsSync(join(cwd, 'runs'))).toBe(false);
    expect(existsSync(join(cwd, '..', '..', 'x'))).toBe(false);
    expect(hasRawControl(r.stderr)).toBe(false);
  });
});

describe.skipIf(!HAS_BIN || process.platform === 'win32')('class 5: no raw control characters in human-readable output', () => {
  test('check (pretty and github): an import path and a file name with ESC and newlines', () => {
    const dir = tempDir();
    const file = write(dir, `spec${EVIL.replace(/[/\\]/g, '_')}.moe`, `import ${EVIL_LITERAL}\n` + smallSpec());
    const pretty = moec(['check', file]);
    expect(pretty.code).toBe(1);
    expect(pretty.stdout).toContain('MOE1040');
    expect(hasRawControl(pretty.stdout)).toBe(false);
    expect(pretty.stdout.split('\n').filter((l) => l.startsWith('::'))).toEqual([]);
    const github = moec(['check', file, '--format', 'github']);
    const lines = github.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('::'))).toHaveLength(1);
    expect(hasRawControl(github.stdout)).toBe(false);
  });

  test('explain and compile summaries print the model name escaped', () => {
    const dir = tempDir();
    const spec = write(dir, 'x.moe', smallSpec(EVIL));
    const explain = moec(['explain', spec], { limitS: 60 });
    expect(explain.code).toBe(0);
    expect(explain.stdout.split('\n')[0]).toMatch(/^e\\x1b\[2J\\n::error file=x\.moe::pwned\\u\{202e\}: vocab 256/);
    expect(hasRawControl(explain.stdout + explain.stderr)).toBe(false);
    const compile = moec(['compile', spec, '--target', 'onnx', '-o', join(dir, 'x.onnx')], { limitS: 90 });
    expect(compile.code).toBe(0);
    expect(compile.stdout).toMatch(/^compiled e\\x1b/);
    expect(hasRawControl(compile.stdout + compile.stderr)).toBe(false);
  });

  test('fmt and usage errors escape what they echo', () => {
    const dir = tempDir();
    const file = write(dir, 'f\u001b[31m.moe', smallSpec('x').replace('  vocab 256', 'vocab    256'));
    const fmt = moec(['fmt', '--check', file]);
    expect(fmt.code).toBe(1);
    expect(fmt.stdout).toContain('would reformat');
    expect(hasRawControl(fmt.stdout + fmt.stderr)).toBe(false);
    const usage = moec(['check', '--format', 'x\u001b[2J']);
    expect(usage.code).toBe(2);
    expect(hasRawControl(usage.stderr)).toBe(false);
  });
});
