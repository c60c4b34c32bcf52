/**
 * Hostile input, class 6 — memory limits in containers. The refuse-before-allocating checks of
 * `compile` and `train` use the process's limit — the cgroup's, which Node reports as
 * process.constrainedMemory() — not the machine's: in an 800 MiB container a ~220M-parameter
 * compile is refused with a diagnostic instead of being OOM-killed (unless its weights stream to
 * external data, when only its largest tensor is held).
 */
import { totalmem } from 'node:os';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { buildIR } from '../../src/ir/build-ir.js';
import { hostMemory } from '../../src/io/memory-limit.js';
import { checkCompileMemory, checkTfjsCompileMemory, estimateCompileBytes } from '../../src/lower/onnx/compile-memory.js';
import { emitOnnxGraph } from '../../src/lower/onnx/emit-model.js';
import { seededSource } from '../../src/weights/seeded-source.js';
import { loadSpec } from '../../src/pipeline.js';
import { checkTrainMemory } from '../../src/train/train-memory.js';
import { removeTempDirs, tempDir, write } from './harness.js';

afterEach(() => {
  vi.restoreAllMocks();
  removeTempDirs();
});

const MiB = 2 ** 20;
const CONTAINER = 800 * MiB;

/** A ~220M-parameter MoE (4 layers × 8 experts, 32k vocabulary). */
function model220M() {
  const file = write(tempDir(), 'm.moe', 'model "m220" {\n  vocab 32000\n  hidden 1024\n  layers 4\n  context 2048\n  attention { heads 16 }\n  moe {\n    experts 8 { ffn 1408 }\n    router { top_k 2 }\n  }\n}\n');
  const loaded = loadSpec(file);
  return buildIR(loaded.spec!, loaded.spans).value;
}

describe('class 6: the memory checks use the container limit', () => {
  test('hostMemory() is the cgroup limit when there is one, the machine otherwise', () => {
    vi.spyOn(process, 'constrainedMemory').mockReturnValue(CONTAINER);
    expect(hostMemory()).toMatchObject({ total: CONTAINER, constrained: true });
    expect(hostMemory().free).toBeLessThanOrEqual(CONTAINER);
    // No limit: Node reports 0 or a huge number (2^64).
    for (const none of [0, 2 ** 64]) {
      vi.spyOn(process, 'constrainedMemory').mockReturnValue(none);
      expect(hostMemory()).toMatchObject({ total: totalmem() });
      expect(hostMemory().constrained).toBeUndefined();
    }
  });

  test('compile (ONNX and tfjs) of ~220M parameters in an 800 MiB container: MOE5518, naming the limit', () => {
    const ir = model220M();
    const params = ir.tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
    expect(params).toBeGreaterThan(200e6);
    vi.spyOn(process, 'constrainedMemory').mockReturnValue(CONTAINER);
    const graphs = [emitOnnxGraph(ir)];
    const source = seededSource(ir, 1);
    // Inline (880 MB of fp32, under 2 GB) the model is encoded in memory: refused.
    const onnx = checkCompileMemory(ir, graphs, source);
    expect(onnx.map((d) => d.code)).toEqual(['MOE5518']);
    expect(onnx[0]!.message).toContain("0.8 GiB (the container's memory limit)");
    expect(onnx[0]!.hint).toContain('--external-data');
    // With external data the weights stream and only the largest tensor (the 131 MB embedding) is held.
    expect(checkCompileMemory(ir, graphs, source, { externalData: true })).toEqual([]);
    const tfjs = checkTfjsCompileMemory(ir);
    expect(tfjs.map((d) => d.code)).toEqual(['MOE5518']);
    // The same model fits a 24 GiB machine without a container.
    expect(checkCompileMemory(ir, graphs, source, {}, { total: 24 * 2 ** 30, free: 24 * 2 ** 30 })).toEqual([]);
  });

  test('the ONNX check takes its graphs one at a time: each is estimated before the next is made', () => {
    const ir = model220M();
    const source = seededSource(ir, 1);
    const log: string[] = [];
    const counting = { readBytes: (name: string) => (log.push('estimate'), source.readBytes(name)) };
    function* graphs() {
      for (const fused of [false, true]) {
        log.push('graph');
        yield emitOnnxGraph(ir, { moe: fused ? 'fused' : 'sparse' });
      }
    }
    checkCompileMemory(ir, graphs(), counting, {}, { total: 2 ** 50, free: 2 ** 50 });
    const second = log.lastIndexOf('graph');
    expect(second).toBeGreaterThan(0);
    expect(log.slice(0, second)).toContain('estimate');
  });

  test('with external data, the weights kept inline (under --external-threshold) count: held and encoded', () => {
    const ir = model220M();
    const graph = emitOnnxGraph(ir);
    const source = seededSource(ir, 1);
    const weights = [...graph.deferred.values()].reduce((a, d) => a + d.byteLength, 0);
    const streamed = estimateCompileBytes(graph, (n) => source.readBytes(n), { externalData: true });
    const allInline = estimateCompileBytes(graph, (n) => source.readBytes(n), { externalData: true, externalThreshold: 2 ** 40 });
    expect(allInline.need - streamed.need).toBeGreaterThan(1.9 * weights);
  });

  test('train of the same model in the container: MOE6534 with the container limit', () => {
    const ir = model220M();
    vi.spyOn(process, 'constrainedMemory').mockReturnValue(CONTAINER);
    const [d] = checkTrainMemory(ir, 'cpu');
    expect(d?.code).toBe('MOE6534');
    expect(d!.message).toContain("(the container's memory limit)");
    // The wasm heap (4 GiB) is not the binding limit in an 800 MiB container either.
    expect(checkTrainMemory(ir, 'wasm')[0]!.message).toContain("(the container's memory limit)");
  });
});
