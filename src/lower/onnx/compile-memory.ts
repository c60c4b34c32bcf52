/**
 * ONNX target — host memory a compile needs, checked before any weight is read, so a model that
 * cannot be compiled on this machine gets a diagnostic instead of minutes of work and an OOM
 * kill. The limit is the process's: a container's cgroup limit when there is one
 * (src/io/memory-limit.ts), not the host's memory.
 *
 * What is held (write-model.ts, initializer-data.ts): the graph (nodes and names, no weight
 * data), and one conversion at a time — the float32 tensor(s) it reads as the source holds them
 * (WeightSource.readBytes) plus the stored bytes it yields (none for fp32: the values are written
 * as they are). With external data that is all: the peak follows the largest tensor, not the
 * model. An inline model (under 2 GB, no --external-data) is encoded in memory: its stored
 * bytes twice (the initializers and the encoded file).
 */
import { createDiagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { ModelIR } from '../../ir/types.js';
import { describeLimit, hostMemory, type HostMemory } from '../../io/memory-limit.js';
import type { WeightSource } from '../../weights/weight-source.js';
import type { EmittedGraph } from './emit-model.js';
import { DEFAULT_EXTERNAL_THRESHOLD, wantsExternal } from './external-data.js';
import type { Conversion } from './initializer-data.js';
import { OVERLAP_BYTES, type WriteModelOptions } from './write-model.js';

export type { HostMemory };

/**
 * Node, onnx-proto, moec's modules and a kernel worker: measured 137–148 MiB peak RSS for a
 * 62 M-parameter compile under tsx (74 MiB of it tsx and Node) whose largest tensor is 16 MiB.
 */
const BASELINE = 160 * 2 ** 20;
/** What the TensorFlow.js artifact's compile holds besides the weights. */
const TFJS_BASELINE = 256 * 2 ** 20;
/** A node of the graph as JavaScript objects, with its share of initializer protos and names: twice the measured 0.9 KB (DeepSeek-V3's 157k-node graph: 133 MB of heap). */
const BYTES_PER_NODE = 2048;

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export interface CompileMemory {
  /** Peak bytes. */
  need: number;
  /** The initializers are encoded in memory (an inline model). */
  inline: boolean;
  /** The conversion that holds the most, named by its first input, and what it holds. */
  largest?: { name: string; bytes: number };
}

/** Peak bytes of one conversion: its largest input as read (inputs are read one at a time) and its outputs. */
function conversionBytes(c: Conversion, readBytes: (name: string) => number): number {
  const input = Math.max(0, ...c.inputs.map(readBytes));
  return input + (c.aliasesInput ? 0 : c.lengths.reduce((a, b) => a + b, 0));
}

export function estimateCompileBytes(graph: EmittedGraph, readBytes: (name: string) => number, write: Pick<WriteModelOptions, 'externalData' | 'externalThreshold'> = {}): CompileMemory {
  const initializers = graph.model.graph!.initializer!;
  const data = initializers.reduce((s, t) => s + (t.rawData?.length ?? graph.deferred.get(t.name!)?.byteLength ?? 0), 0);
  const inline = !wantsExternal(data, write.externalData ?? 'auto');
  // With external data, weights under --external-threshold still stay in the model: held until
  // it is encoded, and encoded (twice, as an inline model's).
  const threshold = write.externalThreshold ?? DEFAULT_EXTERNAL_THRESHOLD;
  const kept = inline ? 0 : [...graph.deferred.values()].reduce((s, d) => s + (d.byteLength < threshold ? d.byteLength : 0), 0);
  let largest: CompileMemory['largest'];
  for (const d of new Set([...graph.deferred.values()].map((x) => x.conversion))) {
    const bytes = conversionBytes(d, readBytes);
    if (!largest || bytes > largest.bytes) largest = { name: d.inputs[0] ?? '', bytes };
  }
  const nodes = graph.model.graph!.node!.length * BYTES_PER_NODE;
  // With external data, a small tensor's write may overlap the next conversion (write-model.ts).
  const overlap = inline ? 0 : Math.min(OVERLAP_BYTES, [...graph.deferred.values()].reduce((a, d) => Math.max(a, d.byteLength), 0));
  return { need: BASELINE + nodes + overlap + (largest?.bytes ?? 0) + (inline ? 2 * data : 2 * kept), inline, largest };
}

const gib = (n: number) => `${(n / 2 ** 30).toFixed(1)} GiB`;

/**
 * MOE5518 / MOE5519 for the models a compile writes (one at a time: the largest need counts).
 * `graphs` may be a generator: each graph is estimated and dropped before the next is made, so
 * the check holds one graph, as the compile does (a folder with variants and a Triton
 * repository is five graphs: DeepSeek-V3's are 133 MB each).
 */
export function checkCompileMemory(ir: ModelIR, graphs: Iterable<EmittedGraph>, source: Pick<WeightSource, 'readBytes'>, write: Pick<WriteModelOptions, 'externalData' | 'externalThreshold'> = {}, host: HostMemory = hostMemory()): Diagnostic[] {
  const estimates: CompileMemory[] = [];
  for (const g of graphs) estimates.push(estimateCompileBytes(g, (n) => source.readBytes(n), write));
  if (estimates.length === 0) return [];
  const worst = estimates.reduce((a, b) => (b.need > a.need ? b : a));
  const need = worst.need;
  const params = ir.tensors.reduce((s, t) => s + sizeOf(t.shape), 0).toLocaleString('en-US');
  const held = worst.inline
    ? 'the inline model encoded in memory'
    : `its largest tensor \`${worst.largest?.name}\` held with its stored form (${gib(worst.largest?.bytes ?? 0)})`;
  const hint = worst.inline
    ? 'pass --external-data: the weights then stream to data files beside the model and only the largest tensor is held at once'
    : 'compile on a machine with more memory: a compile holds one tensor at a time, and this one alone does not fit';
  if (need > host.total) return [createDiagnostic('MOE5518', { args: { name: ir.name, need: gib(need), params, held, have: describeLimit(host, gib) }, hint })];
  if (need > host.free) return [createDiagnostic('MOE5519', { args: { name: ir.name, need: gib(need), free: gib(host.free) } })];
  return [];
}

/**
 * The TensorFlow.js artifact holds every weight three times as float32 while it is written:
 * the initial values, the tfjs variables, and the weights file's buffer.
 */
export function checkTfjsCompileMemory(ir: ModelIR, host: HostMemory = hostMemory()): Diagnostic[] {
  const count = ir.tensors.reduce((s, t) => s + sizeOf(t.shape), 0);
  const need = TFJS_BASELINE + 12 * count;
  const args = { name: ir.name, need: gib(need), params: count.toLocaleString('en-US'), held: 'every weight held three times as float32 while the artifact is written', have: describeLimit(host, gib) };
  const hint = 'compile on a machine with more memory, or try the spec at a smaller size first (the TensorFlow.js artifact stores float32 weights)';
  if (need > host.total) return [createDiagnostic('MOE5518', { args, hint })];
  if (need > host.free) return [createDiagnostic('MOE5519', { args: { name: ir.name, need: gib(need), free: gib(host.free) } })];
  return [];
}
