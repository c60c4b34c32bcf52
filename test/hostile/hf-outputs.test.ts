/**
 * Hostile input, class 2 (writes that lose data) for the Hugging Face bridge: `moec export hf`
 * writes its directory whole and `--force` removes the previous one, so an output that is an
 * input, holds an input, or holds unrelated files is refused before anything is written; and
 * `moec import -o` never writes over the config it reads.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { HAS_BIN, hasRawControl, moec, removeTempDirs, tempDir } from './harness.js';

afterAll(removeTempDirs);

const FIXTURE = resolve('test/fixtures/hf/mixtral-gqa');

/** A copy of the small Mixtral checkpoint (plus a file of the user's) and its imported spec. */
function setup(): { dir: string; model: string; spec: string } {
  const dir = tempDir();
  const model = join(dir, 'model');
  cpSync(FIXTURE, model, { recursive: true });
  writeFileSync(join(model, 'README.md'), 'the user’s notes\n');
  const spec = join(dir, 'm.moe');
  expect(moec(['import', model, '-o', spec]).code).toBe(0);
  return { dir, model, spec };
}

describe.skipIf(!HAS_BIN)('export hf: an output that would destroy an input or other files is refused', () => {
  test('-o the --weights directory, with --force: MOE9102, the checkpoint untouched', () => {
    const { model, spec } = setup();
    const before = readdirSync(model).sort();
    const r = moec(['export', 'hf', spec, '--weights', model, '-o', model, '--force']);
    expect(r.hung).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MOE9102');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(model).sort()).toEqual(before);
  });

  test('-o a directory holding the weights, or the spec file itself, with --force: MOE9102', () => {
    const { dir, model, spec } = setup();
    const parent = moec(['export', 'hf', spec, '--weights', model, '-o', dir, '--force']);
    expect(parent.code).toBe(1);
    expect(parent.stderr).toContain('MOE9102');
    expect(existsSync(join(model, 'model.safetensors'))).toBe(true);
    const text = readFileSync(spec, 'utf8');
    const self = moec(['export', 'hf', spec, '-o', spec, '--force']);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('MOE9102');
    expect(readFileSync(spec, 'utf8')).toBe(text);
  });

  test('-o a directory of unrelated files with --force: MOE9106; -o a plain file: MOE7202, no crash', () => {
    const { dir, spec } = setup();
    const other = join(dir, 'other');
    cpSync(FIXTURE, other, { recursive: true }); // expected.json is not an export's file
    const r = moec(['export', 'hf', spec, '-o', other, '--force']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MOE9106');
    expect(existsSync(join(other, 'expected.json'))).toBe(true);
    const file = join(dir, 'notes.txt');
    writeFileSync(file, 'keep\n');
    const plain = moec(['export', 'hf', spec, '-o', file]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('MOE7202');
    expect(plain.stderr).not.toContain('MOE9005');
    expect(readFileSync(file, 'utf8')).toBe('keep\n');
  });

  test('a previous export is still replaced with --force', () => {
    const { dir, spec } = setup();
    const out = join(dir, 'out');
    expect(moec(['export', 'hf', spec, '-o', out]).code).toBe(0);
    const again = moec(['export', 'hf', spec, '-o', out, '--force', '--seed', '3']);
    expect(again.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors']);
  });
});

describe.skipIf(!HAS_BIN)('import -o: never over the config it reads, never a .moe text under a data-spec name', () => {
  test('import c.moe -o c.moe --force (the config under a .moe name, or a link to it): MOE9102, the config kept', () => {
    const dir = tempDir();
    const config = join(dir, 'c.moe');
    cpSync(join(FIXTURE, 'config.json'), config);
    const text = readFileSync(config, 'utf8');
    const r = moec(['import', config, '-o', config, '--force']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MOE9102');
    expect(readFileSync(config, 'utf8')).toBe(text);
    const model = join(dir, 'model');
    cpSync(FIXTURE, model, { recursive: true });
    symlinkSync('config.json', join(model, 'link.moe'));
    const link = moec(['import', model, '-o', join(model, 'link.moe'), '--force']);
    expect(link.code).toBe(1);
    expect(link.stderr).toContain('MOE9102');
    expect(JSON.parse(readFileSync(join(model, 'config.json'), 'utf8')).model_type).toBe('mixtral');
  });

  test('-o x.json / x.moe.yaml: MOE9004 naming the .moe syntax, not an internal error (MOE9005)', () => {
    const dir = tempDir();
    for (const name of ['config.json', 'spec.moe.yaml']) {
      const r = moec(['import', FIXTURE, '-o', join(dir, name), '--force']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('MOE9004');
      expect(r.stderr).not.toContain('MOE9005');
      expect(existsSync(join(dir, name))).toBe(false);
    }
  });
});

describe.skipIf(!HAS_BIN)('class 1: a chat template from a model directory is bounded in time and memory', () => {
  const TOKENIZER = resolve('test/fixtures/hf/mixtral-instruct-tokenizer');
  test.each([
    ['a 2e9-long range (V8 aborted out of memory)', '{% for i in range(2000000000) %}x{% endfor %}'],
    ['nested loops (ran for ever, ignoring SIGTERM)', '{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}'],
  ])('%s: MOE6641, exit 1', (_what, template) => {
    const dir = tempDir();
    const tok = join(dir, 'tok');
    cpSync(TOKENIZER, tok, { recursive: true });
    const config = JSON.parse(readFileSync(join(tok, 'tokenizer_config.json'), 'utf8'));
    writeFileSync(join(tok, 'tokenizer_config.json'), JSON.stringify({ ...config, chat_template: template }));
    const spec = join(dir, 't.moe');
    expect(moec(['import', TOKENIZER, '-o', spec]).code).toBe(0);
    const data = join(dir, 'chat.jsonl');
    writeFileSync(data, `${JSON.stringify({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'yo' }] })}\n`);
    const r = moec(['train', spec, '--tokenizer', tok, '--data', data, '--steps', '1', '-o', join(dir, 'run')], { limitS: 30 });
    expect(r.hung).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MOE6641');
    expect(r.maxRssMiB).toBeLessThan(1800);
  });
});

describe.skipIf(!HAS_BIN)('class 5: an output path with control characters is printed escaped', () => {
  test('import -o "<ESC>[31m…/x.moe": no raw escape in the "wrote" line', () => {
    const dir = join(tempDir(), 'a\u001b[31mb');
    mkdirSync(dir);
    const r = moec(['import', FIXTURE, '-o', join(dir, 'x.moe')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('wrote');
    expect(hasRawControl(r.stderr)).toBe(false);
  });
});
