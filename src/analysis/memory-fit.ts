/**
 * Analysis phase — does the parallel layout fit the devices? Runs in `moec check` (through
 * src/pipeline.ts loadModel), so it is pure arithmetic on the IR: no tensors, no tfjs or
 * onnxruntime. When the busiest device is over its memory the error names the device (its
 * pipeline stage and how many devices share that plan), the overflow, the breakdown, and
 * which changes to the layout would make it fit — each one re-planned, not guessed.
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { spanAt, type SpanMap } from '../spec/spans.js';
import type { ModelIR, ParallelIR, TrainIR } from '../ir/types.js';
import { assignStages } from '../ir/stages.js';
import { createMemoryPlan, type MemoryPlan } from './memory.js';

export const GiB = 2 ** 30;
export const gib = (bytes: number): string => `${(bytes / GiB).toFixed(1)} GiB`;

/** Above this share of device memory the plan warns (frameworks reserve memory of their own). */
const HEADROOM = 0.95;

/** The same model under another layout: stages re-assigned when the pipeline changes. */
export function withLayout(ir: ModelIR, parallel: Partial<ParallelIR>, train: Partial<TrainIR> = {}): ModelIR {
  const p = { ...ir.parallel, ...parallel };
  const stages = assignStages(ir.layers.length, p.pipeline, p.virtualStages);
  return {
    ...ir,
    parallel: p,
    train: { ...ir.train, ...train },
    layers: ir.layers.map((l, i) => ({ ...l, stage: stages[i] })),
    mtpLayers: ir.mtpLayers.map((l) => ({ ...l, stage: p.pipeline - 1 })),
  };
}

interface Fix {
  text: string;
  peak: number;
}

/** Layout changes that keep the model and the device count, each re-planned. */
export function candidateFixes(ir: ModelIR): Fix[] {
  const p = ir.parallel;
  const tries: Array<[string, Partial<ParallelIR>, Partial<TrainIR>?]> = [];
  for (let z = p.zero + 1; z <= 3; z++) tries.push([`zero ${z}`, { zero: z as 1 | 2 | 3 }]);
  if (ir.train.checkpointing === 'none') tries.push(['checkpointing selective', {}, { checkpointing: 'selective' }]);
  if (ir.train.checkpointing !== 'full') tries.push(['checkpointing full', {}, { checkpointing: 'full' }]);
  if (p.microBatch > 1) tries.push(['micro_batch 1', { microBatch: 1 }]);
  const moe = ir.layers.find((l) => l.ffn.kind === 'moe')?.ffn;
  if (moe?.kind === 'moe') {
    const ep = p.expert * 2;
    if (moe.experts % ep === 0 && (p.data * p.tensor * p.context) % (ep * p.expertTensor) === 0) tries.push([`expert ${ep}`, { expert: ep }]);
  }
  // Trading data parallelism for model parallelism keeps the device count.
  if (p.data % 2 === 0) {
    if (p.pipeline * 2 * p.virtualStages <= ir.layers.length) tries.push([`pipeline ${p.pipeline * 2} (data ${p.data / 2})`, { pipeline: p.pipeline * 2, data: p.data / 2 }]);
    const ok = (p.data / 2) * p.tensor * 2 * p.context;
    if (ok % (p.expert * p.expertTensor) === 0) tries.push([`tensor ${p.tensor * 2} (data ${p.data / 2})`, { tensor: p.tensor * 2, data: p.data / 2 }]);
  }
  return tries.map(([text, par, tr]) => ({ text, peak: createMemoryPlan(withLayout(ir, par, tr)).peak.total }));
}

function deviceName(ir: ModelIR, plan: MemoryPlan): string {
  const n = plan.peak.devices;
  const model = ir.parallel.device?.name ? `${ir.parallel.device.name} ` : '';
  if (ir.parallel.pipeline === 1) return `each of the ${n} ${model}devices`;
  return `each device of pipeline stage ${plan.peak.stage} of ${ir.parallel.pipeline} (${n} ${model}devices)`;
}

/** Devices of this memory needed for the model states alone (weights, gradients, optimizer), fully sharded. */
export function minimumDevices(ir: ModelIR, plan: MemoryPlan, capacity: number): number {
  const total = ir.tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
  const b = plan.bytesPerParam;
  return Math.ceil((total * (b.weights + b.grads + b.optimizer)) / capacity);
}

export function fixHint(ir: ModelIR, capacity: number): string {
  const fixes = candidateFixes(ir).sort((a, b) => a.peak - b.peak);
  const fitting = fixes.filter((f) => f.peak <= capacity);
  if (fitting.length) return `would fit: ${fitting.slice(0, 4).map((f) => `${f.text} (${gib(f.peak)})`).join(', ')}`;
  const best = fixes.slice(0, 3).map((f) => `${f.text} (${gib(f.peak)})`).join(', ');
  const plan = createMemoryPlan(ir);
  const min = minimumDevices(ir, plan, capacity);
  const more = min > ir.parallel.world ? `; the weights, gradients and optimizer state alone need at least ${min} such devices (this layout has ${ir.parallel.world})` : '';
  return `no single change fits; the closest: ${best || 'none'} — combine them, or use more devices (raise pipeline or expert degree)${more}`;
}

export function checkMemoryFit(ir: ModelIR, spans: SpanMap): Diagnostic[] {
  const capacity = ir.parallel.device?.memory;
  if (capacity === undefined) return [];
  const plan = createMemoryPlan(ir);
  const peak = plan.peak;
  const span = spanAt(spans, '/parallel/device/memory', 'value') ?? spanAt(spans, '/parallel');
  const args = { device: deviceName(ir, plan), need: gib(peak.total), have: gib(capacity) };
  if (peak.total > capacity) {
    return [
      createDiagnostic('MOE4010', {
        span,
        args: {
          ...args,
          over: gib(peak.total - capacity),
          weights: gib(peak.weights),
          grads: gib(peak.grads),
          optim: gib(peak.optimizer),
          acts: `${gib(peak.activationsUsed)} with checkpointing ${plan.checkpointing}`,
        },
        hint: fixHint(ir, capacity),
      }),
    ];
  }
  if (peak.total > HEADROOM * capacity) {
    return [createDiagnostic('MOE4011', { span, args: { ...args, percent: ((100 * peak.total) / capacity).toFixed(0) } })];
  }
  return [];
}
