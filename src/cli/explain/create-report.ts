/**
 * `moec explain` — the report object: every analysis of src/analysis/ over one IR, in the
 * shape `--format json` prints (docs/explain.md describes each field). Pure: no I/O, no tensors.
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import type { ModelIR, TensorGroup } from '../../ir/types.js';
import { countParams, GROUPS, type ParamSplit } from '../../analysis/params.js';
import { countFlops, type FlopCounts } from '../../analysis/flops.js';
import { createPlacement, type Placement } from '../../analysis/placement.js';
import { createMemoryPlan, type MemoryPlan } from '../../analysis/memory.js';
import { createCommPlan, type CommPlan } from '../../analysis/comms.js';
import { createQuantSize, type QuantSize } from '../../analysis/quant-size.js';
import { createLoraSummary, type LoraSummary } from '../../analysis/lora.js';
import { createKvCachePlan, type KvCachePlan } from '../../analysis/kv-cache.js';

export const ACTIVE_CONVENTION =
  'active = every non-expert parameter (embedding and LM head included) + top_k routed experts per MoE layer + shared experts; MTP modules excluded and reported apart';

type Groups = Record<TensorGroup, { total: number; active: number }>;

function groups(split: ParamSplit): Groups {
  return Object.fromEntries(GROUPS.map((g) => [g, { total: split.byGroup.total[g], active: split.byGroup.active[g] }])) as Groups;
}

export interface ExplainReport {
  name: string;
  specHash: string;
  architecture: {
    vocab: number;
    hidden: number;
    layers: number;
    context: number;
    denseLayers: number[];
    moeLayers: number[];
    attention: string;
    experts?: { routed: number; topK: number; shared: number; ffn: number };
    tieEmbeddings: boolean;
    mtpDepth: number;
  };
  params: {
    total: number;
    active: number;
    convention: string;
    nonEmbedding: { total: number; active: number };
    activeExcludingInputEmbedding: number;
    frozen: number;
    groups: Groups;
    mtp: { total: number; active: number; groups: Groups };
  };
  /** `tokensPerStep`/`trainingPerStep` are absent when the training settings are invalid. */
  flops: FlopCounts & { tokensPerStep?: number; trainingPerStep?: number };
  parallel: ModelIR['parallel'];
  placement: Placement;
  /** Absent (with `comms`) when the training settings are invalid: both depend on them. */
  memory?: MemoryPlan & { fits?: boolean };
  comms?: CommPlan;
  /** True when the spec's `train` block has errors and the report leaves out what depends on it. */
  trainingOmitted?: boolean;
  quantized: QuantSize;
  /** Present when the spec has a train.lora block. */
  lora?: LoraSummary;
  kvCache: KvCachePlan;
  diagnostics: Diagnostic[];
}

/** The parts of the report that depend on the training settings (batch, precision, optimizer…). */
function trainingParts(ir: ModelIR, flops: FlopCounts): Pick<ExplainReport, 'memory' | 'comms'> & { tokensPerStep: number; trainingPerStep: number } {
  const memory = createMemoryPlan(ir);
  const tokensPerStep = ir.train.batch * ir.train.seqLen;
  return {
    tokensPerStep,
    trainingPerStep: flops.training * tokensPerStep,
    memory: { ...memory, ...(memory.capacity !== undefined ? { fits: memory.peak.total <= memory.capacity } : {}) },
    comms: createCommPlan(ir, memory),
  };
}

/** `withTraining` false: the spec's training settings are invalid; leave out what depends on them. */
export function createExplainReport(ir: ModelIR, diagnostics: Diagnostic[] = [], withTraining = true): ExplainReport {
  const p = countParams(ir);
  // Attention at the training sequence length, the length trainingPerStep counts tokens at: a
  // long-context spec (DeepSeek-V3's YaRN 160K) trains at 4K (at the context when the training
  // settings are invalid).
  const flops = withTraining ? countFlops(ir, ir.train.seqLen) : countFlops(ir);
  const training = withTraining ? trainingParts(ir, flops) : undefined;
  const moe = ir.layers.find((l) => l.ffn.kind === 'moe')?.ffn;
  const a = ir.layers[0]?.attention;
  return {
    name: ir.name,
    specHash: ir.specHash,
    architecture: {
      vocab: ir.vocab,
      hidden: ir.hidden,
      layers: ir.layers.length,
      context: ir.context,
      denseLayers: ir.layers.filter((l) => l.ffn.kind === 'dense').map((l) => l.index),
      moeLayers: ir.layers.filter((l) => l.ffn.kind === 'moe').map((l) => l.index),
      attention: a ? `${a.kind.toUpperCase()} ${a.heads} heads${a.kind === 'gqa' || a.kind === 'mqa' ? ` / ${a.kvHeads} kv` : ''}, head dim ${a.headDim}` : 'none',
      ...(moe?.kind === 'moe'
        ? { experts: { routed: moe.experts, topK: moe.router.topK, shared: moe.shared?.count ?? 0, ffn: moe.expert.ffn } }
        : {}),
      tieEmbeddings: ir.tieEmbeddings,
      mtpDepth: ir.mtpDepth,
    },
    params: {
      total: p.total,
      active: p.active,
      convention: ACTIVE_CONVENTION,
      nonEmbedding: p.nonEmbedding,
      activeExcludingInputEmbedding: p.activeExcludingInputEmbedding,
      frozen: p.frozen,
      groups: groups(p),
      mtp: { total: p.mtp.total, active: p.mtp.active, groups: groups(p.mtp) },
    },
    flops: training ? { ...flops, tokensPerStep: training.tokensPerStep, trainingPerStep: training.trainingPerStep } : flops,
    parallel: ir.parallel,
    placement: createPlacement(ir),
    ...(training ? { memory: training.memory, comms: training.comms } : { trainingOmitted: true }),
    quantized: createQuantSize(ir),
    ...(ir.train.lora && training?.memory ? { lora: createLoraSummary(ir, training.memory) } : {}),
    kvCache: createKvCachePlan(ir),
    diagnostics,
  };
}
