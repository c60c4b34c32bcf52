/**
 * Training phase — will the run fit? `moec train` runs TensorFlow.js on one device, so a
 * published-size spec (Mixtral: 46.7B parameters) must be refused with a diagnostic before
 * anything is allocated, not die in the allocator. The estimate is deliberately rough and
 * conservative: float32 weights, their initial copy, gradients and two optimizer moments
 * (20 B a parameter), plus the activations one micro-batch keeps for backward (per layer:
 * ~34 values per token and hidden unit and the attention scores, as in Korthikanti et al.).
 * The wasm backend's heap stops near 4 GiB (TFJS-NOTES.md); other backends are bounded by
 * the process's memory limit (a container's, when there is one: src/io/memory-limit.ts).
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { ModelIR } from '../ir/types.js';
import { loraModules, loraParameterCount } from '../ir/lora.js';
import { describeLimit, hostMemory, type HostMemory } from '../io/memory-limit.js';

const GiB = 1024 ** 3;
export const WASM_HEAP_BYTES = 4 * GiB;

export function estimateTrainBytes(ir: ModelIR): { params: number; bytes: number } {
  const params = ir.tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
  const t = ir.train;
  const microBatch = Math.max(1, Math.floor(t.batch / Math.max(1, t.gradAccum)));
  const tokens = microBatch * t.seqLen;
  const recompute = t.checkpointing !== 'none';
  let activations = 0;
  for (const layer of ir.layers) {
    const perLayer = 4 * tokens * (34 * ir.hidden + 5 * layer.attention.heads * t.seqLen);
    activations += recompute ? 4 * tokens * ir.hidden : perLayer;
  }
  if (recompute) activations += 4 * tokens * (34 * ir.hidden + 5 * (ir.layers[0]?.attention.heads ?? 1) * t.seqLen);
  activations += 3 * 4 * tokens * ir.vocab; // logits, softmax and its gradient
  // LoRA: the frozen base holds weights and their initial copy only; the adapters are trained.
  const adapters = ir.train.lora ? loraParameterCount(loraModules(ir, ir.train.lora), ir.train.lora.rank) : 0;
  const stateBytes = ir.train.lora ? 8 * params + 20 * adapters : 20 * params;
  return { params, bytes: stateBytes + activations };
}

/** MOE6534 when the run cannot fit the backend it would run on. */
export function checkTrainMemory(ir: ModelIR, backendKind: string, host: HostMemory | number = hostMemory()): Diagnostic[] {
  const { params, bytes } = estimateTrainBytes(ir);
  const mem = typeof host === 'number' ? { total: host, free: host } : host;
  const limit = backendKind === 'wasm' ? Math.min(WASM_HEAP_BYTES, mem.total) : mem.total;
  if (bytes <= limit) return [];
  const gib = (b: number) => `${(b / GiB).toFixed(b < 10 * GiB ? 1 : 0)} GiB`;
  return [
    createDiagnostic('MOE6534', {
      args: {
        name: ir.name,
        need: gib(bytes),
        params: params.toLocaleString('en-US'),
        backend: backendKind,
        limit: limit === mem.total ? describeLimit(mem, gib) : gib(limit),
      },
    }),
  ];
}
