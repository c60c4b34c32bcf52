/** `moec explain` — the human-readable report: one section per analysis, as tables. */
import { GROUPS } from '../../analysis/params.js';
import { formatLayerSet } from '../../ir/layer-selection.js';
import type { ModelIR } from '../../ir/types.js';
import { escapeControls } from '../../io/escape-text.js';
import type { ExplainReport } from './create-report.js';
import { bytes, count, flops, grouped, table } from './format.js';

const LABEL: Record<(typeof GROUPS)[number], string> = {
  embeddings: 'embeddings',
  attention: 'attention',
  dense: 'dense FFN',
  experts: 'routed experts',
  shared: 'shared experts',
  router: 'routers',
  norms: 'norms',
  lm_head: 'LM head',
};

function paramsSection(r: ExplainReport): string {
  const p = r.params;
  const rows = GROUPS.filter((g) => p.groups[g].total > 0).map((g) => [LABEL[g], count(p.groups[g].total), count(p.groups[g].active), grouped(p.groups[g].total)]);
  rows.push(['total', count(p.total), count(p.active), grouped(p.total)]);
  rows.push(['  without input embedding', '', count(p.activeExcludingInputEmbedding), '']);
  rows.push(['  without embedding and head', count(p.nonEmbedding.total), count(p.nonEmbedding.active), grouped(p.nonEmbedding.total)]);
  if (p.mtp.total > 0) rows.push([`MTP modules (${r.architecture.mtpDepth}, apart)`, count(p.mtp.total), count(p.mtp.active), grouped(p.mtp.total)]);
  return `Parameters\n${table(['group', 'total', 'active/token', 'exact total'], rows)}\n  ${p.convention}`;
}

function flopsSection(r: ExplainReport): string {
  const f = r.flops;
  const rows = [
    ['forward per token', flops(f.forward)],
    ['  of which attention scores', flops(f.byGroup.attention_scores)],
    ['training per token (≈ 3 × forward)', flops(f.training)],
  ];
  if (f.trainingPerStep !== undefined) rows.push(['training per step', `${flops(f.trainingPerStep)} (${grouped(f.tokensPerStep!)} tokens)`]);
  if (f.mtpForward > 0) rows.push(['MTP forward per token (extra)', flops(f.mtpForward)]);
  return `FLOPs (attention at sequence length ${grouped(f.context)}, averaged over causal positions)\n${table(['', 'FLOPs'], rows)}`;
}

function layoutSection(r: ExplainReport, ir: ModelIR): string {
  const p = r.parallel;
  const degrees = `world ${p.world} = data ${p.data} × tensor ${p.tensor} × pipeline ${p.pipeline} × context ${p.context}; expert ${p.expert}, expert_tensor ${p.expertTensor}`;
  const rows = r.placement.stages.map((s) => {
    const kinds = ir.layers.filter((l) => l.stage === s.stage);
    const moe = kinds.filter((l) => l.ffn.kind === 'moe').length;
    return [`stage ${s.stage}`, s.layerText, `${kinds.length - moe} dense / ${moe} MoE`, s.extras.join(', '), String(s.devices)];
  });
  let out = `Parallel layout: ${degrees}\n${table(['stage', 'layers', 'FFN', 'also', 'devices'], rows)}`;
  const e = r.placement;
  if (e.experts.length > 0) {
    const shown = e.experts.length <= 8 ? e.experts : [...e.experts.slice(0, 3), ...e.experts.slice(-2)];
    const list = shown.map((x) => `rank ${x.rank}: ${x.first === x.last ? x.first : `${x.first}..${x.last}`}`);
    if (shown.length < e.experts.length) list.splice(3, 0, '…');
    out += `\n  experts per expert rank: ${e.expertsPerRank} (${list.join('; ')}); each expert shard has ${e.expertDataParallel} data-parallel replica(s), non-expert weights ${e.denseDataParallel}`;
  }
  return out;
}

function memorySection(r: ExplainReport): string {
  const m = r.memory!;
  const rows = m.stages.map((s) => [
    `stage ${s.stage}`,
    bytes(s.weights),
    bytes(s.grads),
    bytes(s.optimizer),
    bytes(s.activations.none),
    bytes(s.activations.selective),
    bytes(s.activations.full),
    String(+s.inFlight.toFixed(2)),
    bytes(s.total),
  ]);
  const b = m.bytesPerParam;
  let out =
    `Memory per device (precision ${m.precision}: ${b.weights} B weights, ${b.grads} B grads, ${b.optimizer} B optimizer per parameter; zero ${m.zero}; ` +
    `${m.microBatches} micro-batches/step; total uses checkpointing ${m.checkpointing})\n` +
    table(['device', 'weights', 'grads', 'optimizer', 'act none', 'act selective', 'act full', 'in flight', 'total'], rows);
  if (m.capacity !== undefined) {
    const pct = ((100 * m.peak.total) / m.capacity).toFixed(0);
    out += `\n  peak: stage ${m.peak.stage}, ${bytes(m.peak.total)} of ${bytes(m.capacity)} (${pct}%) — ${m.fits ? 'fits' : 'DOES NOT FIT'}`;
  } else out += `\n  peak: stage ${m.peak.stage}, ${bytes(m.peak.total)} (no device memory in the spec: fit not checked)`;
  return out;
}

function commsSection(r: ExplainReport): string {
  const c = r.comms!;
  const rows = [
    ['all-to-all per MoE layer per step', bytes(c.allToAllPerMoeLayer)],
    ['all-to-all, all MoE layers of the busiest stage', bytes(c.allToAllPerStep)],
    [`gradient reduction, non-expert (group ${c.dataParallel.denseGroup})`, bytes(c.dataParallel.dense)],
    [`gradient reduction, experts (group ${c.dataParallel.expertGroup})`, bytes(c.dataParallel.expert)],
    ['pipeline send per stage boundary', bytes(c.pipelinePerBoundary)],
  ];
  return `Communication per step, bytes sent per device (${c.microBatches} micro-batches of ${grouped(c.tokens)} tokens)\n${table(['', 'bytes'], rows)}`;
}

function quantSection(r: ExplainReport): string {
  const q = r.quantized;
  const rows = GROUPS.filter((g) => q.byGroup[g].params > 0).map((g) => [LABEL[g], q.byGroup[g].dtype, count(q.byGroup[g].params), bytes(q.byGroup[g].bytes)]);
  rows.push(['total', '', '', `${bytes(q.total)} (fp32: ${bytes(q.fp32)})`]);
  return `Quantized artifact (inference; MTP excluded)\n${table(['group', 'dtype', 'params', 'size'], rows)}`;
}

function loraSection(r: ExplainReport): string {
  const l = r.lora!;
  const pct = (n: number) => `${((100 * n) / l.base).toFixed(n / l.base < 0.01 ? 3 : 2)}%`;
  const full = l.fullTraining.grads + l.fullTraining.optimizer;
  const lora = l.loraTraining.grads + l.loraTraining.optimizer + l.loraTraining.adapterWeights;
  const rows = [
    ['trainable (adapters)', count(l.trainable), pct(l.trainable)],
    ['frozen (base)', count(l.base), ''],
    ['grads + optimizer, full training', bytes(full), ''],
    ['grads + optimizer + adapter weights, LoRA', bytes(lora), ''],
    ['saved', bytes(l.saved), ''],
  ];
  return `LoRA rank ${l.rank}, alpha ${l.alpha} (scale ${+l.scale.toFixed(4)}) on ${l.modules} projections (${l.targets.join(', ')}; layers ${formatLayerSet(l.layers)}), whole model\n${table(['', 'value', 'of base'], rows)}`;
}

function kvCacheSection(r: ExplainReport): string {
  const k = r.kvCache;
  const both = (elements: number) => `${bytes(elements * k.bytes.exported)} fp32 / ${bytes(elements * k.bytes.half)} 16-bit`;
  const rows = [['exported cache (ONNX, full per-head K/V)', both(k.exported.perToken), both(k.exported.atContext)]];
  if (k.exported.windowedAtContext !== k.exported.atContext) rows.push(['  windowed layers capped at their window', '', both(k.exported.windowedAtContext)]);
  if (k.latent) rows.push(['MLA latent cache (kv_lora_rank + rope)', both(k.latent.perToken), both(k.latent.atContext)]);
  let out = `KV cache at inference (one sequence; batch multiplies)
${table(['', 'per token', `at context ${grouped(k.context)}`], rows)}`;
  if (k.perDevice.length > 1 || r.parallel.tensor > 1 || r.parallel.context > 1) {
    const dev = k.perDevice.map((s) => [
      `stage ${s.stage}`,
      String(s.layers),
      both(s.perToken),
      both(s.atContext),
      ...(s.latentPerToken !== undefined ? [both(s.latentAtContext!)] : []),
    ]);
    const header = ['per device', 'layers', 'per token', 'at context', ...(k.latent ? ['latent at context'] : [])];
    out += `
${table(header, dev)}
  tensor ranks split the heads (at least one kv head each), context ranks split the sequence`;
  }
  return out;
}

function tensorsSection(ir: ModelIR): string {
  const rows = ir.tensors.map((t) => [t.name, `[${t.shape.join(', ')}]`, t.group, t.quant.dtype, t.trainable ? '' : 'frozen']);
  return `Tensors (${ir.tensors.length})\n${table(['name', 'shape', 'group', 'dtype', ''], rows)}`;
}

export function renderText(r: ExplainReport, ir: ModelIR, withTensors = false): string {
  const a = r.architecture;
  const experts = a.experts ? `; ${a.experts.routed} routed experts (ffn ${a.experts.ffn}), top ${a.experts.topK}, ${a.experts.shared} shared` : '';
  const head =
    `${escapeControls(r.name)}: vocab ${grouped(a.vocab)}, hidden ${a.hidden}, ${a.layers} layers (dense ${formatLayerSet(a.denseLayers)}; MoE ${formatLayerSet(a.moeLayers)}), context ${grouped(a.context)}\n` +
    `  ${a.attention}${experts}${a.tieEmbeddings ? '; tied embeddings' : ''}${a.mtpDepth ? `; MTP depth ${a.mtpDepth}` : ''}`;
  const training = r.memory
    ? [memorySection(r), ...(r.lora ? [loraSection(r)] : []), commsSection(r)]
    : ['Memory per device, communication and training per step: not shown, the `train` block has errors (above)'];
  const sections = [head, paramsSection(r), flopsSection(r), layoutSection(r, ir), ...training, quantSection(r), kvCacheSection(r)];
  if (withTensors) sections.push(tensorsSection(ir));
  return sections.join('\n\n') + '\n';
}
