/**
 * `moec compile --weights <run>` with another tokenizer than the run was trained with is refused
 * (MOE6552): the architecture hash cannot see the tokenizer (same vocab, same tensors), but every
 * embedding row means another token. The checkpoint's manifest records the tokenizer's
 * fingerprint (`bytes` for the byte-level one); older checkpoints record none and are accepted.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { CompileOptions } from '../../src/cli/commands/compile.js';
import { runCompile } from '../../src/cli/compile/run-compile.js';
import { checkTokenizer, readManifest, writeCheckpoint } from '../../src/checkpoint/index.js';
import { describeArchitecture } from '../../src/ir/architecture.js';
import { loadModel } from '../../src/pipeline.js';
import { BYTE_TOKENIZER, loadTokenizer } from '../../src/train/tokenizer.js';

const TOKENIZER = 'test/fixtures/tokenizers/llama2-tiny';
const root = mkdtempSync(join(tmpdir(), 'moec-tok-match-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const tokenizer = loadTokenizer(TOKENIZER).value!;
const specFile = join(root, 'tiny.moe');
writeFileSync(specFile, readFileSync('specs/tiny.moe', 'utf8').replace('vocab 256', `vocab ${tokenizer.size}`).replace('hidden 64', 'hidden 32'));
const ir = loadModel(specFile, { memoryFit: false }).ir!;

function checkpoint(name: string, fingerprint?: string): string {
  const run = join(root, name);
  const weights = ir.tensors.map((t, i) => {
    const data = new Float32Array(t.shape.reduce((a, b) => a * b, 1));
    for (let j = 0; j < data.length; j++) data[j] = 0.05 * Math.sin(i * 1000 + j);
    return { name: t.name, shape: t.shape, data };
  });
  const architecture = { hash: ir.architectureHash, description: describeArchitecture(ir) };
  writeCheckpoint(run, { step: 1, specHash: ir.specHash, architecture, ...(fingerprint !== undefined ? { tokenizer: fingerprint } : {}), weights, state: {} });
  return run;
}

async function compile(o: Partial<CompileOptions>): Promise<{ code: number; errors: string[] }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await runCompile(specFile, { target: 'onnx', moe: 'sparse', tritonKind: 'cpu', megatron: [], format: 'json', ...o });
    const errors = JSON.parse(out).diagnostics.filter((d: { severity: string }) => d.severity === 'error').map((d: { code: string }) => d.code);
    return { code, errors };
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
}

describe('checkpoints are matched to the export tokenizer', () => {
  it('records the tokenizer fingerprint in the manifest', () => {
    const run = checkpoint('recorded', tokenizer.fingerprint);
    expect(readManifest(run).value!.manifest.tokenizer).toBe(tokenizer.fingerprint);
  });

  it('refuses weights trained byte-level exported with a model tokenizer (and the reverse), writing nothing', async () => {
    const bytesRun = checkpoint('bytes-run', BYTE_TOKENIZER);
    const out = join(root, 'wrong.onnx');
    const r = await compile({ output: out, weights: bytesRun, tokenizer: TOKENIZER });
    expect(r.errors).toEqual(['MOE6552']);
    expect(r.code).not.toBe(0);
    expect(existsSync(out)).toBe(false);

    const tokRun = checkpoint('tok-run', tokenizer.fingerprint);
    const reverse = await compile({ output: join(root, 'wrong2.onnx'), weights: tokRun });
    expect(reverse.errors).toEqual(['MOE6552']);
  });

  it('accepts the same tokenizer, and checkpoints that record none', async () => {
    const ok = await compile({ output: join(root, 'ok.onnx'), weights: checkpoint('same', tokenizer.fingerprint), tokenizer: TOKENIZER });
    expect(ok.errors).toEqual([]);
    expect(ok.code).toBe(0);
    const m = readManifest(checkpoint('older')).value!;
    expect(checkTokenizer(m.dir, m.manifest, tokenizer.fingerprint, TOKENIZER)).toEqual([]);
  });
});
