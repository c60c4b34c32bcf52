/**
 * `moec compile --target onnx -o <folder>` never replaces an input (in process): the folder's
 * config.json and tokenizer files are written at its top level, so `-o` the Hugging Face
 * directory the weights come from is refused (MOE9102) before anything is written, and its
 * files stay as they were; FOLDER_TOP_FILES (what the CLI checks) lists every file a folder
 * compile writes at its top level.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CompileOptions } from '../../src/cli/commands/compile.js';
import { runCompile } from '../../src/cli/compile/run-compile.js';
import { FOLDER_TOP_FILES } from '../../src/lower/onnx/deploy/folder-files.js';
import { runImport } from '../../src/cli/import/run-import.js';
import { captureStdout } from '../tools/capture-output.js';

const root = mkdtempSync(join(tmpdir(), 'moec-compile-guard-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const options = (o: Partial<CompileOptions>): CompileOptions => ({ target: 'onnx', moe: 'sparse', tritonKind: 'cpu', megatron: [], format: 'json', ...o });
const snapshot = (dir: string) => readdirSync(dir).sort().map((f) => [f, statSync(join(dir, f)).isFile() ? readFileSync(join(dir, f)).toString('base64') : 'dir']);

describe('compile into the weights directory', () => {
  const hf = join(root, 'hf');
  cpSync('test/fixtures/hf/mixtral-gqa', hf, { recursive: true });
  const spec = join(root, 'm.moe');

  it('-o <the Hugging Face weights directory> is MOE9102, and its config.json is untouched', async () => {
    expect((await captureStdout(() => runImport(hf, { output: spec }))).value).toBe(0);
    const before = snapshot(hf);
    const r = await captureStdout(() => runCompile(spec, options({ weights: hf, output: hf })));
    expect(r.value).toBe(1);
    const doc = JSON.parse(r.out);
    expect(doc.diagnostics.map((d: { code: string }) => d.code)).toContain('MOE9102');
    expect(doc.diagnostics.find((d: { code: string }) => d.code === 'MOE9102').message).toContain('config.json');
    expect(snapshot(hf)).toEqual(before);
  });

  it('a folder elsewhere is written, with only files FOLDER_TOP_FILES names (and onnx/) at its top', async () => {
    const out = join(root, 'folder');
    const r = await captureStdout(() => runCompile(spec, options({ weights: hf, output: out })));
    expect(r.value).toBe(0);
    expect(readdirSync(out).filter((f) => f !== 'onnx' && !FOLDER_TOP_FILES.includes(f))).toEqual([]);
  });
});
