/**
 * The atomic ONNX writer on a hand-made model: ORT loads what it writes (inline and with external
 * data in several shards), output bytes are deterministic, and failures or kills mid-write leave
 * no model file and no temporaries.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { Conversion, deferAll } from '../../../src/lower/onnx/initializer-data.js';
import { writeOnnxModel } from '../../../src/lower/onnx/write-model.js';
import { addModel } from './tiny-model.js';

const root = mkdtempSync(join(tmpdir(), 'moec-write-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const d = join(root, `case-${n++}`);
  return d;
};

/** Run y = x + Σ w_i with x = 0 and return y. */
async function runAdd(path: string, size: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(path);
  const out = await session.run({ x: new ort.Tensor('float32', new Float32Array(size), [size]) });
  await session.release();
  return out.y.data as Float32Array;
}

describe('writeOnnxModel', () => {
  it('writes a model that onnxruntime runs, byte-identical on a second write', async () => {
    const dir = freshDir();
    const model = addModel([8, 8]);
    const a = await writeOnnxModel(model, join(dir, 'a.onnx'));
    const b = await writeOnnxModel(model, join(dir, 'b.onnx'));
    expect(a.diagnostics).toEqual([]);
    expect(b.diagnostics).toEqual([]);
    expect(a.value!.data).toEqual([]);
    expect(readFileSync(join(dir, 'a.onnx'))).toEqual(readFileSync(join(dir, 'b.onnx')));
    expect(Array.from(await runAdd(join(dir, 'a.onnx'), 8))).toEqual([1, 3, 5, 7, 9, 11, 13, 15]);
    expect(readdirSync(dir).sort()).toEqual(['a.onnx', 'b.onnx']);
  });

  it('moves large initializers to external data shards that onnxruntime loads', async () => {
    const dir = freshDir();
    const size = 1000; // 4000 bytes per initializer
    const model = addModel([size, size, size]);
    const path = join(dir, 'm.onnx');
    const r = await writeOnnxModel(model, path, { externalData: true, externalThreshold: 1024, shardBytes: 8192 });
    expect(r.diagnostics).toEqual([]);
    // 4000-byte tensors aligned to 64: two fit in 8192 (0, 4032), the third opens a second shard.
    expect(readdirSync(dir).sort()).toEqual(['m.onnx', 'm.onnx_data', 'm.onnx_data_1']);
    expect(r.value!.data.map((d) => d.bytes)).toEqual([8032, 4000]);
    const decoded = onnxProto.onnx.ModelProto.decode(readFileSync(path));
    const inits = decoded.graph!.initializer!;
    expect(inits.map((t) => t.dataLocation)).toEqual([1, 1, 1]);
    expect(inits[1].externalData!.map((e) => `${e.key}=${e.value}`)).toEqual(['location=m.onnx_data', 'offset=4032', 'length=4000']);
    expect(inits[2].externalData![0].value).toBe('m.onnx_data_1');
    const y = await runAdd(path, size);
    expect(y[0]).toBe(0 + 1 + 2);
    expect(y[999]).toBe(3 * 999 + 3);
    // Writing the same model inline afterwards removes the shards it no longer uses.
    await writeOnnxModel(model, path);
    expect(readdirSync(dir)).toEqual(['m.onnx']);
    expect((await runAdd(path, size))[999]).toBe(3 * 999 + 3);
  });

  it('keeps small tensors inline below the threshold', async () => {
    const dir = freshDir();
    const r = await writeOnnxModel(addModel([8, 4096 / 4]), join(dir, 'm.onnx'), { externalData: true, externalThreshold: 1024 });
    const decoded = onnxProto.onnx.ModelProto.decode(readFileSync(r.value!.path));
    expect(decoded.graph!.initializer!.map((t) => t.dataLocation ?? 0)).toEqual([0, 1]);
  });

  it('a low threshold moves the weights out but keeps int64 shape operands inline (onnxruntime reads those at load)', async () => {
    const dir = freshDir();
    const model = addModel([8, 8]);
    // y = Reshape(x + w0 + w1, [2, 4]): the shape is an int64 initializer Reshape's shape inference reads.
    const shape = { name: 'shape', dataType: onnxProto.onnx.TensorProto.DataType.INT64, dims: [2], rawData: new Uint8Array(BigInt64Array.of(2n, 4n).buffer) };
    model.graph!.node![1].output = ['flat'];
    model.graph!.node!.push({ opType: 'Reshape', input: ['flat', 'shape'], output: ['y'], name: 'reshape' });
    model.graph!.initializer!.push(shape);
    model.graph!.output = [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }, { dimValue: 4 }] } } } }];
    const path = join(dir, 'm.onnx');
    const r = await writeOnnxModel(model, path, { externalData: true, externalThreshold: 1 });
    expect(r.diagnostics).toEqual([]);
    const inits = onnxProto.onnx.ModelProto.decode(readFileSync(path)).graph!.initializer!;
    expect(inits.map((t) => `${t.name}:${t.dataLocation ?? 0}`)).toEqual(['w0:1', 'w1:1', 'shape:0']);
    const session = await ort.InferenceSession.create(path);
    const out = await session.run({ x: new ort.Tensor('float32', new Float32Array(8), [8]) });
    await session.release();
    expect(out.y.dims).toEqual([2, 4]);
    expect(Array.from(out.y.data as Float32Array)).toEqual([1, 3, 5, 7, 9, 11, 13, 15]);
  });

  it('external data whose inline remainder (under the threshold) would pass 2 GB: MOE5640 before a weight is read or a file made', async () => {
    const dir = freshDir();
    let ran = false;
    const conversion = new Conversion(['w'], [3e9], () => ((ran = true), []));
    const model = addModel([8]);
    model.graph!.initializer = [{ name: 'w0', dataType: 1, dims: [7.5e8] }];
    const streamed = { model, deferred: new Map([['w0', deferAll(conversion)[0]!]]), data: { read: () => new Float32Array(0) } };
    const r = await writeOnnxModel(streamed, join(dir, 'm.onnx'), { externalData: true, externalThreshold: 4e9 });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE5640']);
    expect(r.diagnostics[0].message).toContain('3,000,000,000 bytes');
    expect(ran).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });

  it('a failure mid-write leaves the previous model intact and no temporaries', async () => {
    const dir = freshDir();
    const path = join(dir, 'm.onnx');
    await writeOnnxModel(addModel([8]), path);
    const before = readFileSync(path);
    const r = await writeOnnxModel(addModel([2 ** 20]), path, {
      onProgress: () => {
        throw new Error('disk full (injected)');
      },
    });
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE9004']);
    expect(r.diagnostics[0].message).toContain('disk full (injected)');
    expect(readdirSync(dir)).toEqual(['m.onnx']);
    expect(readFileSync(path)).toEqual(before);
  });

  it('a failure mid-write with external data leaves no model and no temporaries', async () => {
    const dir = freshDir();
    const r = await writeOnnxModel(addModel([4096, 4096]), join(dir, 'm.onnx'), {
      externalData: true,
      onProgress: (written) => {
        if (written > 0) throw new Error('injected');
      },
    });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE9004']);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an unwritable destination is a diagnostic, not an exception', async () => {
    const dir = freshDir();
    const r0 = await writeOnnxModel(addModel([8]), join(dir, 'ok.onnx'));
    expect(r0.diagnostics).toEqual([]);
    writeFileSync(join(dir, 'file'), 'x');
    const r = await writeOnnxModel(addModel([8]), join(dir, 'file', 'm.onnx'));
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE9004']);
    expect(r.diagnostics[0].message).toMatch(/file[/\\]m\.onnx/);
  });
});

const writer = fileURLToPath(new URL('./fixtures/slow-writer.ts', import.meta.url));

/** Start the slow writer, wait until it is mid-write, kill it with `signal`, wait for it to exit. */
function killMidWrite(out: string, external: boolean, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, out, external ? '1' : '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('writing')) child.kill(signal);
    });
    child.on('error', reject);
    child.on('exit', (code, sig) => resolve({ code, signal: sig }));
  });
}

describe('killed mid-write', () => {
  it('SIGKILL leaves no model.onnx; the next write removes the dead writer\'s temporaries', async () => {
    const dir = freshDir();
    const out = join(dir, 'model.onnx');
    const r = await killMidWrite(out, true, 'SIGKILL');
    expect(r.signal).toBe('SIGKILL');
    expect(existsSync(out)).toBe(false);
    const left = readdirSync(dir);
    expect(left.length).toBeGreaterThan(0);
    expect(left.every((f) => f.startsWith('.model.onnx') && f.includes('.tmp-'))).toBe(true);
    await writeOnnxModel(addModel([8]), out);
    expect(readdirSync(dir)).toEqual(['model.onnx']);
  });

  it('SIGTERM removes the temporaries before exiting', async () => {
    const dir = freshDir();
    const out = join(dir, 'model.onnx');
    const r = await killMidWrite(out, false, 'SIGTERM');
    expect(r.signal).toBe('SIGTERM');
    expect(readdirSync(dir)).toEqual([]);
  });
});
