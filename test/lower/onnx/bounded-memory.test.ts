/**
 * Models larger than memory compile: a ~250 MB model is compiled (seeded weights, external data)
 * in a child process told it has 200 MiB and run with a small V8 heap (--max-old-space-size=128),
 * whose peak RSS — the kernel's VmHWM for the child, not a cgroup — stays under the limit and
 * under the weights' size; the output loads in onnxruntime and gives exactly the logits of the
 * same spec and weights compiled whole in memory (emitOnnxModel).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { buildIR } from '../../../src/ir/build-ir.js';
import { emitOnnxModel } from '../../../src/lower/onnx/emit-model.js';
import type { ModelSpec } from '../../../src/spec/types.js';
import { initWeights } from '../../../src/weights/init-weights.js';
import { testIds } from '../../reference/cases.js';
import { encode, sequenceFeeds } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'moec-bounded-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// 63 M parameters, 252 MB as float32; the largest tensor (embedding, LM head) is 16 MiB.
const SPEC: ModelSpec = {
  name: 'bounded',
  vocab: 8192,
  hidden: 512,
  layers: 4,
  context: 256,
  attention: { heads: 8, kv_heads: 4 },
  moe: { experts: { count: 8, ffn: 1024 }, router: { top_k: 2 } },
  train: { seed: 7 },
};
const LIMIT = 200 * 2 ** 20;
const child = fileURLToPath(new URL('./fixtures/bounded-compile.ts', import.meta.url));

async function logits(model: string | Uint8Array, ids: number[][]): Promise<Float32Array> {
  const options = { intraOpNumThreads: 1, interOpNumThreads: 1 };
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(Buffer.from(model), options);
  try {
    return (await session.run(sequenceFeeds(session, ids))).logits.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('compiling a model larger than the memory it is given', () => {
  it('stays under the limit and gives the logits of the in-memory compile', async () => {
    const ir = buildIR(SPEC).value;
    const weightBytes = 4 * ir.tensors.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);
    expect(weightBytes).toBeGreaterThan(LIMIT);
    const specFile = join(root, 'bounded.json');
    writeFileSync(specFile, JSON.stringify(SPEC));
    const out = join(root, 'out', 'model.onnx');
    const run = spawnSync(process.execPath, ['--max-old-space-size=128', '--import', 'tsx', child, specFile, out, String(LIMIT)], { encoding: 'utf8', timeout: 240_000 });
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim().split('\n').pop()!) as { ok: boolean; diagnostics: string[]; totalBytes: number; maxRss: number };
    expect(report.diagnostics.filter((d) => !d.startsWith('MOE5519'))).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.totalBytes).toBeGreaterThan(weightBytes);
    expect(report.maxRss).toBeLessThan(LIMIT);

    const ids = testIds(ir.vocab, 2, 9);
    const streamed = await logits(out, ids);
    const whole = await logits(encode(emitOnnxModel(ir, initWeights(ir, 7))), ids);
    expect(streamed.length).toBe(2 * 9 * ir.vocab);
    expect(Buffer.from(streamed.buffer).equals(Buffer.from(whole.buffer))).toBe(true);
  }, 300_000);
});
