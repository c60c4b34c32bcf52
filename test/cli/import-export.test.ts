/**
 * `moec import`, `moec export hf` and `moec compile --weights <hf dir>`, in process through the
 * CLI entry: exit codes (0 written, 1 refused with nothing written, 2 usage), what is printed
 * where, and that the files written load back (the imported spec checks and is fmt clean; the
 * exported directory imports to the same architecture; the compiled model records its source).
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { checkFiles } from '../../src/cli/check/check-files.js';
import { formatMoe } from '../../src/fmt/format-moe.js';
import { importConfig } from '../../src/interop/hf/import-config.js';

const dir = mkdtempSync(join(tmpdir(), 'moec-hf-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let stdout = '';
let stderr = '';
beforeEach(() => {
  stdout = stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((stdout += String(c)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += String(c)), true));
});
afterEach(() => vi.restoreAllMocks());
const moec = (...args: string[]) => main(['node', 'moec', ...args]);
const FIXTURE = 'test/fixtures/hf/qwen3-moe-yarn-fused';

describe('moec import', () => {
  test('writes a spec that checks clean and is fmt clean; prints it without -o', async () => {
    const out = join(dir, 'qwen3.moe');
    expect(await moec('import', FIXTURE, '-o', out)).toBe(0);
    expect(stderr).toContain(`wrote ${out} (Hugging Face qwen3_moe)`);
    const text = readFileSync(out, 'utf8');
    expect(formatMoe(text, out).output).toBe(text);
    expect(checkFiles([out]).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(await moec('import', join(FIXTURE, 'config.json'))).toBe(0);
    expect(stdout).toBe(text.replaceAll('qwen3.moe', 'model.moe'));
    expect(await moec('import', FIXTURE, '-o', out)).toBe(1);
    expect(stderr).toContain('MOE9012');
  });

  test('exit 1 and nothing written for a config it refuses; exit 2 for a missing input', async () => {
    const out = join(dir, 'jetmoe.moe');
    const refused = join(dir, 'jetmoe');
    mkdirSync(refused, { recursive: true });
    const granite = JSON.parse(readFileSync('test/fixtures/hf/granitemoe-multipliers-tied/config.json', 'utf8')) as Record<string, unknown>;
    writeFileSync(join(refused, 'config.json'), JSON.stringify({ ...granite, model_type: 'jetmoe' }));
    expect(await moec('import', refused, '-o', out)).toBe(1);
    expect(stderr).toContain('error MOE7001');
    expect(existsSync(out)).toBe(false);
    expect(await moec('import', join(dir, 'no-such-model'))).toBe(2);
    expect(stderr).toContain('MOE9001');
  });
});

describe('moec export hf', () => {
  test('writes config, generation config and weights that import back; --format json', async () => {
    const spec = join(dir, 'qwen3.moe');
    if (!existsSync(spec)) expect(await moec('import', FIXTURE, '-o', spec)).toBe(0);
    const out = join(dir, 'qwen3-hf');
    expect(await moec('export', 'hf', spec, '--weights', FIXTURE, '--dtype', 'bf16', '-o', out, '--format', 'json')).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc).toMatchObject({ ok: true, result: { format: 'hf', model_type: 'qwen3_moe', architecture: 'Qwen3MoeForCausalLM', dtype: 'bf16' } });
    expect(readdirSync(out).sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors']);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'))).toMatchObject({ model_type: 'qwen3_moe', torch_dtype: 'bfloat16', rope_scaling: { rope_type: 'yarn', factor: 4 } });
    expect(importConfig(out).value!.ir.architectureHash).toBe(importConfig(FIXTURE).value!.ir.architectureHash);
  });

  test('a spec no model_type holds: exit 1, MOE7200 naming what, nothing written', async () => {
    const out = join(dir, 'tiny-hf');
    // tiny with a gated shared expert and LayerNorm: every model_type refuses the norm.
    const held = join(dir, 'tiny-layernorm.moe');
    writeFileSync(held, readFileSync('specs/tiny.moe', 'utf8').replace('norm rmsnorm {', 'norm layernorm {').replace('ffn 64\n    }', 'ffn 64\n      gate true\n    }'));
    expect(await moec('export', 'hf', held, '-o', out)).toBe(1);
    expect(stderr).toMatch(/error MOE7200: no Hugging Face model_type can hold `tiny`: .*norm layernorm \(transformers \w+ normalizes with RMSNorm\)/);
    expect(existsSync(out)).toBe(false);
    const spec = join(dir, 'qwen3.moe');
    if (!existsSync(spec)) expect(await moec('import', FIXTURE, '-o', spec)).toBe(0);
    expect(await moec('export', 'hf', spec, '--model-type', 'mixtral', '-o', out)).toBe(1);
    expect(stderr).toMatch(/error MOE7201: Hugging Face mixtral cannot hold attention\.qk_norm head/);
    expect(await moec('export', 'zip', 'specs/tiny.moe', '-o', out)).toBe(2);
    expect(await moec('export', 'hf', 'specs/tiny.moe')).toBe(2);
  });
});

describe('moec compile --weights <hf dir>', () => {
  test('ONNX and tfjs from an HF checkpoint; the model records where its weights came from', async () => {
    const spec = join(dir, 'qwen3.moe');
    if (!existsSync(spec)) expect(await moec('import', FIXTURE, '-o', spec)).toBe(0);
    const onnxFile = join(dir, 'qwen3.onnx');
    expect(await moec('compile', spec, '--weights', FIXTURE, '-o', onnxFile)).toBe(0);
    const session = await ort.InferenceSession.create(onnxFile);
    await session.release();
    const meta = readFileSync(onnxFile).toString('latin1');
    expect(meta).toContain('moec.weights');
    expect(meta).toContain('huggingface');
    expect(await moec('compile', spec, '--target', 'tfjs', '--weights', FIXTURE, '-o', join(dir, 'qwen3-tfjs'))).toBe(0);
    expect(stdout).toMatch(/weights Hugging Face qwen3_moe checkpoint \(F32\)/);
  });

  test('another model\'s checkpoint: exit 1 with MOE7105', async () => {
    expect(await moec('compile', 'specs/tiny.moe', '--weights', FIXTURE, '-o', join(dir, 'tiny.onnx'))).toBe(1);
    expect(stderr).toContain('error MOE7105');
    expect(existsSync(join(dir, 'tiny.onnx'))).toBe(false);
  });
});
