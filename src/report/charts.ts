/**
 * Report phase — Vega-Lite chart specs built from metrics.jsonl: loss (with an EMA), learning
 * rate, aux/z loss, gradient norm, router entropy and dropped fraction per layer, and the
 * expert-load heatmap (one row of experts per MoE layer, steps along x). Pure data → spec;
 * rendering is render-svg.ts. Long runs are bucketed to at most MAX_COLUMNS steps per chart.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { StepMetrics } from '../train/metrics.js';
import { maxOf } from '../diagnostics/limit.js';

const MAX_COLUMNS = 120;
const WIDTH = 640;

type Row = Record<string, number | string>;

function line(title: string, values: Row[], y: string, opts: { log?: boolean; color?: boolean } = {}): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: WIDTH,
    height: 200,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'value', type: 'quantitative', title: y, scale: opts.log ? { type: 'log' } : { zero: false } },
      ...(opts.color ? { color: { field: 'series', type: 'nominal', title: null } } : {}),
    },
  };
}

/** Exponential moving average with bias correction (TensorBoard's smoothing). */
function ema(values: number[], beta = 0.9): number[] {
  let avg = 0;
  return values.map((v, i) => {
    avg = beta * avg + (1 - beta) * v;
    return avg / (1 - beta ** (i + 1));
  });
}

const LOSS_SERIES = ['loss', 'loss (EMA 0.9)', 'cross-entropy'];
/** Held-out cross-entropy (moec train --eval-split), comparable with the training cross-entropy. */
const EVAL_SERIES = 'eval loss (held out)';

/**
 * loss = cross-entropy + the router losses, which are small: drawn alike, the two lines would
 * coincide and one would hide the other. Cross-entropy is dashed and drawn last, so the solid
 * loss line shows through its gaps (and apart from it once the router losses matter); the
 * difference itself is the router-loss chart.
 */
export function lossChart(m: StepMetrics[]): TopLevelSpec {
  const smooth = ema(m.map((x) => x.loss));
  const held = m.filter((x) => x.eval_loss !== undefined);
  const values: Row[] = [
    ...m.map((x) => ({ step: x.step, series: 'loss', value: x.loss })),
    ...m.map((x, i) => ({ step: x.step, series: 'loss (EMA 0.9)', value: smooth[i]! })),
    ...m.map((x) => ({ step: x.step, series: 'cross-entropy', value: x.ce })),
    // Held-out cross-entropy (moec train --eval-split), comparable with the training cross-entropy.
    ...held.map((x) => ({ step: x.step, series: 'eval loss (held out)', value: x.eval_loss! })),
  ];
  const series = held.length ? [...LOSS_SERIES, EVAL_SERIES] : LOSS_SERIES;
  const title = held.length ? 'Training and held-out loss (loss = cross-entropy + router losses)' : 'Training loss (= cross-entropy + router losses)';
  const spec = line(title, values, 'nats / token', { color: true }) as TopLevelSpec & { encoding: Record<string, unknown> };
  spec.encoding.color = { field: 'series', type: 'nominal', title: null, scale: { domain: series } };
  spec.encoding.strokeDash = { field: 'series', type: 'nominal', legend: null, scale: { domain: series, range: [[1, 0], [1, 0], [5, 3], [1, 0]] } };
  spec.encoding.order = { field: 'seriesOrder', type: 'quantitative' };
  for (const v of values) v.seriesOrder = series.indexOf(String(v.series));
  return spec;
}

export function lrChart(m: StepMetrics[]): TopLevelSpec {
  return line('Learning rate', m.map((x) => ({ step: x.step, value: x.lr })), 'learning rate');
}

export function auxChart(m: StepMetrics[]): TopLevelSpec {
  const values: Row[] = [
    ...m.map((x) => ({ step: x.step, series: 'aux loss', value: x.aux_loss })),
    ...m.map((x) => ({ step: x.step, series: 'z loss', value: x.z_loss })),
  ];
  return line('Router losses (scaled by their coefficients, summed over MoE layers)', values, 'loss', { color: true });
}

export function gradNormChart(m: StepMetrics[]): TopLevelSpec {
  return line('Gradient norm (before clipping)', m.map((x) => ({ step: x.step, value: x.grad_norm })), 'global L2 norm');
}

function perLayer(m: StepMetrics[], key: 'router_entropy' | 'dropped_fraction'): Row[] {
  return m.flatMap((x) => Object.entries(x[key]).map(([layer, value]) => ({ step: x.step, series: `layer ${layer}`, value })));
}

/**
 * Router entropy with its ceiling: a token's scores over E experts have at most ln(E) nats
 * (uniform scores, a router that has not learned to choose); a collapsed router tends to 0.
 */
export function entropyChart(m: StepMetrics[]): TopLevelSpec {
  const base = line('Router entropy per MoE layer', perLayer(m, 'router_entropy'), 'nats', { color: true }) as TopLevelSpec & Record<string, unknown>;
  const experts = Math.max(0, ...m.flatMap((x) => Object.values(x.expert_load).map((l) => l.length)));
  if (experts < 2) return base;
  const { title, width, height, data, mark, encoding } = base;
  const ceiling = Math.log(experts);
  const label = `ln ${experts} = ${ceiling.toFixed(3)} (uniform over ${experts} experts)`;
  return {
    $schema: base.$schema,
    title,
    width,
    height,
    layer: [
      { data, mark, encoding },
      {
        data: { values: [{ ceiling, label }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' },
        encoding: { y: { field: 'ceiling', type: 'quantitative' } },
      },
      {
        data: { values: [{ ceiling, label }] },
        mark: { type: 'text', align: 'right', baseline: 'bottom', dy: -2, color: 'gray', x: WIDTH },
        encoding: { y: { field: 'ceiling', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  } as TopLevelSpec;
}

export function droppedChart(m: StepMetrics[]): TopLevelSpec {
  return line('Dropped-token fraction per MoE layer (capacity)', perLayer(m, 'dropped_fraction'), 'fraction of assignments', { color: true });
}

/** Expert load per (layer, step bucket, expert): the mean share of top-k assignments. */
export function expertLoadRows(m: StepMetrics[]): Row[] {
  if (m.length === 0) return [];
  const size = Math.ceil(m.length / MAX_COLUMNS);
  const rows: Row[] = [];
  for (let start = 0; start < m.length; start += size) {
    const bucket = m.slice(start, start + size);
    const from = bucket[0]!.step - 1;
    const to = bucket[bucket.length - 1]!.step;
    for (const layer of Object.keys(bucket[0]!.expert_load)) {
      const experts = bucket[0]!.expert_load[layer]!.length;
      for (let e = 0; e < experts; e++) {
        const load = bucket.reduce((s, x) => s + (x.expert_load[layer]?.[e] ?? 0), 0) / bucket.length;
        rows.push({ layer: `layer ${layer}`, layerIndex: Number(layer), expert: e, from, to, load });
      }
    }
  }
  return rows;
}

export function expertLoadHeatmap(m: StepMetrics[]): TopLevelSpec {
  const rows = expertLoadRows(m);
  const experts = maxOf(rows.map((r) => Number(r.expert) + 1), 1);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Expert load (share of top-k assignments; balanced = ${(1 / experts).toFixed(3)})`,
    data: { values: rows },
    facet: { row: { field: 'layer', type: 'ordinal', title: null, sort: { field: 'layerIndex' } } },
    spec: {
      width: WIDTH,
      height: Math.min(240, Math.max(40, experts * 14)),
      mark: 'rect',
      encoding: {
        x: { field: 'from', type: 'quantitative', title: 'step' },
        x2: { field: 'to' },
        y: { field: 'expert', type: 'ordinal', title: 'expert' },
        color: { field: 'load', type: 'quantitative', title: 'load', scale: { scheme: 'viridis' } },
        tooltip: [{ field: 'layer' }, { field: 'expert' }, { field: 'to', title: 'step' }, { field: 'load', format: '.3f' }],
      },
    },
  };
}
