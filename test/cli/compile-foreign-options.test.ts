/**
 * ONNX-only options on `moec compile --target megatron` are usage errors (MOE8202), never
 * silently dropped: `--quantize int4` must not produce a launch the user believes is int4, and
 * `--variants`, `--tokenizer`, `--adapter`, `--lora` have no meaning for a Megatron launch either;
 * `--tokenizer` (the ONNX folder's tokenizer) none for a TensorFlow.js artifact (MOE5503).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { CompileOptions } from '../../src/cli/commands/compile.js';
import { runCompile } from '../../src/cli/compile/run-compile.js';

const root = mkdtempSync(join(tmpdir(), 'moec-foreign-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function megatron(o: Partial<CompileOptions>): Promise<{ code: number; codes: string[]; text: string }> {
  let out = '';
  let err = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const spyErr = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((err += String(c)), true));
  try {
    const code = await runCompile('specs/tiny.moe', { target: 'megatron', moe: 'sparse', tritonKind: 'cpu', megatron: [], format: 'json', output: join(root, 'launch'), ...o });
    const text = out + err;
    const codes = [...text.matchAll(/MOE\d{4}/g)].map((m) => m[0]);
    return { code, codes, text };
  } finally {
    spy.mockRestore();
    spyErr.mockRestore();
  }
}

describe('moec compile --target megatron refuses ONNX-only options', () => {
  for (const [option, o] of [
    ['--quantize', { quantize: 'int4-block32' }],
    ['--variants', { variants: 'fp16' }],
    ['--tokenizer', { tokenizer: 'test/fixtures/tokenizers/llama2-tiny' }],
    ['--adapter', { adapter: 'runs/tuned' }],
    ['--lora', { lora: ['rank=8'] }],
  ] as const) {
    it(option, async () => {
      const r = await megatron(o as Partial<CompileOptions>);
      expect(r.code).toBe(2);
      expect(r.codes).toContain('MOE8202');
      expect(r.text).toContain(option);
      expect(existsSync(join(root, 'launch'))).toBe(false);
    });
  }
});

describe('moec compile --target tfjs refuses the ONNX folder\'s --tokenizer', () => {
  it('--tokenizer (the TensorFlow.js artifact ships no tokenizer)', async () => {
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
    const spyErr = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
    let code: number;
    try {
      code = await runCompile('specs/tiny.moe', { target: 'tfjs', moe: 'sparse', tritonKind: 'cpu', megatron: [], format: 'json', output: join(root, 'tfjs'), tokenizer: 'test/fixtures/tokenizers/llama2-tiny' });
    } finally {
      spy.mockRestore();
      spyErr.mockRestore();
    }
    expect(code).toBe(2);
    expect(out).toContain('MOE5503');
    expect(existsSync(join(root, 'tfjs'))).toBe(false);
  });
});
