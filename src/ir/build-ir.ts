/**
 * IR phase — resolve a validated spec object into the ModelIR (src/ir/types.ts): defaults
 * filled (src/ir/defaults.ts), every layer expanded to dense or MoE with its attention,
 * layers placed on pipeline stages (src/ir/stages.ts), every parameter tensor named
 * (src/ir/tensors.ts). The spec has passed schema and semantic validation; the checks here
 * are the ones that only make sense while resolving (which layer gets which FFN, whether the
 * parallel degrees fit together) and they are reported, never thrown.
 */
import { createDiagnostic, hasErrors, type Diagnostic, type Result } from '../diagnostics/diagnostic.js';
import { spanAt, type SpanMap } from '../spec/spans.js';
import type { LayerSelection, ModelSpec } from '../spec/types.js';
import {
  resolveAttention,
  resolveFfn,
  resolveNorm,
  resolveScaling,
  resolveParallel,
  resolveQuantize,
  resolveRouter,
  resolveShared,
  resolveTrain,
} from './defaults.js';
import { ffnLayout, resolveLayerSelection } from './layer-selection.js';
import { specHash } from './spec-hash.js';
import { architectureHash } from './architecture.js';
import { assignStages } from './stages.js';
import { createTensors } from './tensors.js';
import { checkLora } from './lora-check.js';
import { checkExactSizes } from './exact-sizes.js';
import type { DenseIR, LayerIR, ModelIR, MoeIR } from './types.js';

const REASONS = { malformed: 'is not a layer index or range', reversed: 'is a reversed range', 'out-of-range': 'names a layer past the last one' };

function select(
  selection: LayerSelection | undefined,
  ptr: string,
  layers: number,
  spans: SpanMap,
  diagnostics: Diagnostic[],
): Set<number> | undefined {
  if (selection === undefined) return undefined;
  const resolved = resolveLayerSelection(selection, layers);
  for (const p of resolved.problems) {
    diagnostics.push(
      createDiagnostic('MOE4001', {
        span: spanAt(spans, p.item === undefined ? ptr : `${ptr}/${p.item}`, 'value'),
        args: { text: p.text, reason: REASONS[p.reason], last: layers - 1 },
      }),
    );
  }
  return new Set(resolved.layers);
}

/** Which layers are MoE (ffnLayout), reporting bad selections with their spans. */
function moeLayerSet(spec: ModelSpec, spans: SpanMap, diagnostics: Diagnostic[]): { moe: Set<number>; dense?: Set<number> } {
  const n = spec.layers;
  const dense = select(spec.dense?.layers, '/dense/layers', n, spans, diagnostics);
  if (!spec.moe) return { moe: new Set(), dense };
  select(spec.moe.layers, '/moe/layers', n, spans, diagnostics);
  return { moe: ffnLayout(spec).moe, dense };
}

function checkParallel(ir: ModelIR, spans: SpanMap, diagnostics: Diagnostic[]): void {
  const p = ir.parallel;
  const product = p.data * p.tensor * p.pipeline * p.context;
  if (!Number.isInteger(p.data) || p.world !== product) {
    diagnostics.push(
      createDiagnostic('MOE4004', { span: spanAt(spans, '/parallel/world'), args: { world: p.world, product: Number.isInteger(p.data) ? product : `${p.world}/${p.tensor * p.pipeline * p.context} (not whole)` } }),
    );
  }
  const chunks = p.pipeline * p.virtualStages;
  if (chunks > ir.layers.length) {
    diagnostics.push(
      createDiagnostic('MOE4005', {
        span: spanAt(spans, '/parallel/pipeline'),
        args: { chunks, pipeline: p.pipeline, virtual: p.virtualStages, layers: ir.layers.length },
      }),
    );
  }
  const moe = ir.layers.find((l) => l.ffn.kind === 'moe')?.ffn as MoeIR | undefined;
  if (moe && moe.experts % p.expert !== 0) {
    diagnostics.push(createDiagnostic('MOE4006', { span: spanAt(spans, '/parallel/expert'), args: { experts: moe.experts, expert: p.expert } }));
  }
  const ep = p.expert * p.expertTensor;
  const dense = p.data * p.tensor * p.context;
  if (Number.isInteger(dense) && dense % ep !== 0) {
    diagnostics.push(createDiagnostic('MOE4007', { span: spanAt(spans, '/parallel/expert'), args: { ep, dense } }));
  }
}

/** Upper bound on the tensor list (DeepSeek-V3 has ~46k): beyond it a spec is a typo, not a model. */
export const MAX_TENSORS = 2_000_000;

export function buildIR(spec: ModelSpec, spans: SpanMap = new Map()): Result<ModelIR> {
  const diagnostics: Diagnostic[] = [];
  const n = spec.layers;
  const experts = spec.moe?.experts.count ?? 0;
  const estimate = (n + (spec.mtp?.depth ?? 0)) * (experts * 6 + 40);
  if (estimate > MAX_TENSORS) {
    const args = { layers: n, experts, tensors: estimate.toLocaleString('en-US'), limit: MAX_TENSORS.toLocaleString('en-US') };
    // No IR: the caller gates on this error, and building it would not finish in reasonable time.
    return { value: undefined as unknown as ModelIR, diagnostics: [createDiagnostic('MOE4008', { span: spanAt(spans, spec.moe ? '/moe/experts' : '/layers'), args })] };
  }
  const { moe: moeLayers, dense: denseListed } = moeLayerSet(spec, spans, diagnostics);
  const windowLayers = spec.attention.window_layers !== undefined
    ? select(spec.attention.window_layers, '/attention/window_layers', n, spans, diagnostics)!
    : undefined;
  select(spec.train?.lora?.layers, '/train/lora/layers', n, spans, diagnostics);
  const parallel = resolveParallel(spec.parallel);
  const stages = assignStages(n, parallel.pipeline, parallel.virtualStages);

  const denseFfn: DenseIR | undefined = spec.dense ? { kind: 'dense', ...resolveFfn(spec.dense) } : undefined;
  let moeFfn: MoeIR | undefined;
  if (spec.moe) {
    const expert = resolveFfn(spec.moe.experts);
    moeFfn = {
      kind: 'moe',
      experts: spec.moe.experts.count,
      expert,
      ...(spec.moe.shared ? { shared: resolveShared(spec.moe.shared, expert) } : {}),
      router: resolveRouter(spec.moe.router),
    };
  }

  const layers: LayerIR[] = [];
  for (let i = 0; i < n; i++) {
    if (moeLayers.has(i) && denseListed?.has(i) && spec.moe?.layers !== undefined) {
      diagnostics.push(createDiagnostic('MOE4002', { span: spanAt(spans, '/moe/layers', 'value'), args: { layer: i } }));
    }
    const ffn = moeLayers.has(i) ? moeFfn : denseFfn;
    if (!ffn) {
      diagnostics.push(createDiagnostic('MOE4003', { span: spanAt(spans, spec.moe ? '/moe' : ''), args: { layer: i } }));
      continue;
    }
    const windowed = spec.attention.window !== undefined && (windowLayers ? windowLayers.has(i) : true);
    layers.push({
      index: i,
      attention: resolveAttention(spec, windowed),
      ffn: structuredClone(ffn),
      stage: stages[i] ?? parallel.pipeline - 1,
    });
  }

  const mtpDepth = spec.mtp?.depth ?? 0;
  // An MTP module's decoder layer has the structure of the model's last layer (DeepSeek-V3:
  // an MoE layer); it sits on the last pipeline stage, beside the head it shares.
  const last = layers[layers.length - 1];
  const mtpLayers: LayerIR[] = last
    ? Array.from({ length: mtpDepth }, (_, d) => ({ ...structuredClone(last), index: n + d, stage: parallel.pipeline - 1 }))
    : [];

  const scaling = resolveScaling(spec);
  const base = {
    name: spec.name,
    specHash: specHash(spec),
    vocab: spec.vocab,
    hidden: spec.hidden,
    context: spec.context,
    tieEmbeddings: spec.tie_embeddings ?? false,
    lmHeadBias: spec.lm_head_bias ?? false,
    norm: resolveNorm(spec),
    ...(scaling ? { scaling } : {}),
    layers,
    mtpDepth,
    mtpLayers,
    parallel,
    train: resolveTrain(spec.train, spec.context, n),
    quantize: resolveQuantize(spec.quantize),
  };
  const withTensors = { ...base, tensors: createTensors(base) };
  const ir: ModelIR = { ...withTensors, architectureHash: architectureHash(withTensors) };
  diagnostics.push(...checkExactSizes(spec, ir.tensors, spans));
  if (!hasErrors(diagnostics)) checkParallel(ir, spans, diagnostics);
  if (!hasErrors(diagnostics)) diagnostics.push(...checkLora(ir, spans));
  return { value: ir, diagnostics };
}
