/**
 * ONNX target — host memory a compile needs, checked before any weight is allocated, so a spec
 * too large for this machine gets a diagnostic instead of minutes of work and an OOM kill.
 * The emitter copies each initializer into its stored form (fp32, fp16, int8, int4 + scales) and
 * an inline model is serialized into one buffer. Checkpoint weights are read whole as float32;
 * seeded weights are generated one tensor at a time (src/weights/lazy-weights.ts), so only the
 * largest tensor is float32 at once. Calibration (fp32 MoE, checkpoint-style whole weights):
 * 209 M params estimated 2.76 GB, measured peak RSS 2.52 GB; 706 M params (external data)
 * estimated 5.9 GB, measured 5.6 GB. The limit is the process's: a container's cgroup limit
 * when there is one (src/io/memory-limit.ts), not the host's memory.
 */
import { createDiagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { ModelIR } from '../../ir/types.js';
import { PROTO_LIMIT } from './external-data.js';
import type { GroupSize } from './quant-size.js';
import { maxOf } from '../../diagnostics/limit.js';
import { describeLimit, hostMemory, type HostMemory } from '../../io/memory-limit.js';

export type { HostMemory };

/** Node, onnx-proto and the graph itself. */
const BASELINE = 256 * 2 ** 20;

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Peak bytes; `whole`: every float32 weight is in memory at once (checkpoint weights). */
export function estimateCompileBytes(ir: ModelIR, groups: readonly GroupSize[], whole: boolean): number {
  const stored = groups.reduce((s, g) => s + g.bytes, 0);
  const encoded = stored < PROTO_LIMIT ? stored : 0; // external data is written from the initializers directly
  const float32 = whole
    ? 4 * ir.tensors.reduce((s, t) => s + sizeOf(t.shape), 0)
    : 2 * 4 * maxOf(ir.tensors.map((t) => sizeOf(t.shape)), 0); // the tensor and its quantization scratch
  return BASELINE + float32 + stored + encoded;
}

const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;

export function checkCompileMemory(ir: ModelIR, groups: readonly GroupSize[], whole: boolean, host: HostMemory = hostMemory()): Diagnostic[] {
  const need = estimateCompileBytes(ir, groups, whole);
  const params = ir.tensors.reduce((s, t) => s + sizeOf(t.shape), 0).toLocaleString('en-US');
  const held = whole ? 'every weight held as float32 while the model is built' : 'the stored model held while it is built';
  if (need > host.total) return [createDiagnostic('MOE5518', { args: { name: ir.name, need: gib(need), params, held, have: describeLimit(host, gib) } })];
  if (need > host.free) return [createDiagnostic('MOE5519', { args: { name: ir.name, need: gib(need), free: gib(host.free) } })];
  return [];
}

/**
 * The TensorFlow.js artifact holds every weight three times as float32 while it is written:
 * the initial values, the tfjs variables, and the weights file's buffer.
 */
export function checkTfjsCompileMemory(ir: ModelIR, host: HostMemory = hostMemory()): Diagnostic[] {
  const count = ir.tensors.reduce((s, t) => s + sizeOf(t.shape), 0);
  const need = BASELINE + 12 * count;
  const args = { name: ir.name, need: gib(need), params: count.toLocaleString('en-US'), held: 'every weight held three times as float32 while the artifact is written', have: describeLimit(host, gib) };
  const hint = 'compile on a machine with more memory, or try the spec at a smaller size first (the TensorFlow.js artifact stores float32 weights)';
  if (need > host.total) return [createDiagnostic('MOE5518', { args, hint })];
  if (need > host.free) return [createDiagnostic('MOE5519', { args: { name: ir.name, need: gib(need), free: gib(host.free) } })];
  return [];
}
