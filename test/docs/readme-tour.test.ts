/**
 * The README's set-up and tour, run as written: every `npx moec …` line of those two blocks, in
 * order, through a shell (so `> moe.schema.json` redirects), in a fresh directory holding a copy
 * of specs/ — the tour trains tiny for 100 steps, so this is one of the slow tests. `npx moec`
 * is this checkout's built CLI; `npm ci` is what the tarball test checks, `npm test` is this suite.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

const BIN = resolve('dist/cli/bin.js');
const cwd = mkdtempSync(join(tmpdir(), 'moec-tour-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** The `npx moec …` commands of the README section headed `heading`, comments removed. */
function commands(heading: string): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf(`## ${heading}\n`));
  const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!;
  return block
    .split('\n')
    .flatMap((line) => line.replace(/\s+#\s.*$/, '').split('&&'))
    .map((c) => c.trim())
    .filter((c) => c.startsWith('npx moec '));
}

describe.skipIf(!existsSync(BIN))('README', () => {
  test('the set-up check and the whole tour succeed as written', () => {
    cpSync('specs', join(cwd, 'specs'), { recursive: true });
    const all = [...commands('Set up'), ...commands('A short tour')];
    expect(all.length).toBeGreaterThanOrEqual(10);
    for (const command of all) {
      const r = spawnSync('sh', ['-c', command.replace(/^npx moec /, `"${process.execPath}" "${BIN}" `)], { cwd, encoding: 'utf8', timeout: 300_000 });
      expect([command, r.status, r.stderr.split('\n').filter((l) => /error|Error/.test(l))]).toEqual([command, 0, []]);
    }
    expect(JSON.parse(readFileSync(join(cwd, 'moe.schema.json'), 'utf8')).$schema).toMatch(/json-schema/);
    for (const out of ['my-moe.moe', 'tiny/onnx/model.onnx', 'tiny/onnx/model_q4.onnx', 'tiny/config.json', 'runs/tiny/report.html', 'runs/tiny/metrics.jsonl', 'tiny-trained/onnx/model.onnx']) expect(existsSync(join(cwd, out)), out).toBe(true);
  }, 900_000);
});
