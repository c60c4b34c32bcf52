/**
 * Golden launches: every shipped spec (specs/*.moe) compiles to a Megatron launch whose train.sh
 * is pinned in golden/<spec>.train.sh, or is refused, with the refusals pinned in
 * golden/<spec>.refused.txt. `UPDATE=1` rewrites them; a stale or orphaned golden fails. Also
 * checks that args.json carries the same arguments as train.sh and that output is deterministic.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { compileFile } from './helpers.js';

const SPECS = 'specs';
const GOLDEN = 'test/lower/megatron/golden';
const update = process.env.UPDATE === '1';
const specs = readdirSync(SPECS)
  .filter((f) => f.endsWith('.moe'))
  .sort()
  .map((f) => join(SPECS, f));

function golden(path: string, actual: string): void {
  if (update) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(path, actual);
  }
  expect(existsSync(path), `${path} is missing: run with UPDATE=1`).toBe(true);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('shipped specs → Megatron launches', () => {
  test.each(specs)('%s', (file) => {
    const name = basename(file, '.moe');
    const r = compileFile(file);
    const launch = join(GOLDEN, `${name}.train.sh`);
    const refused = join(GOLDEN, `${name}.refused.txt`);
    if (r.artifacts) {
      if (update) rmSync(refused, { force: true });
      expect(existsSync(refused), `${refused} is stale: the spec compiles now`).toBe(false);
      golden(launch, r.artifacts.files['train.sh']);
      const json = JSON.parse(r.artifacts.files['args.json']);
      const shArgs = r.artifacts.files['train.sh'].split('\n').filter((l) => /^ {2}--/.test(l) && !l.includes('"$'));
      expect(json.argv.filter((w: string) => w.startsWith('--'))).toEqual(shArgs.map((l) => l.trim().split(/\s+/)[0]));
      expect(compileFile(file).artifacts!.files).toEqual(r.artifacts.files);
    } else {
      if (update) rmSync(launch, { force: true });
      expect(existsSync(launch), `${launch} is stale: the spec is refused now`).toBe(false);
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      expect(errors.length).toBeGreaterThan(0);
      golden(refused, errors.map((d) => `${d.span?.line}:${d.span?.column} ${d.code} ${d.message}\n  hint: ${d.hint}\n`).join(''));
    }
  });

  test('no orphaned goldens', () => {
    const names = new Set(specs.map((f) => basename(f, '.moe')));
    const orphans = readdirSync(GOLDEN).filter((f) => !names.has(f.replace(/\.(train\.sh|refused\.txt)$/, '')));
    expect(orphans).toEqual([]);
  });
});
