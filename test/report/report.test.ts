import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { entropyChart, expertLoadRows, lossChart } from '../../src/report/charts.js';
import { writeReport } from '../../src/report/run-report.js';
import type { StepMetrics } from '../../src/train/metrics.js';

const dir = mkdtempSync(join(tmpdir(), 'moec-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function metrics(steps: number): StepMetrics[] {
  return Array.from({ length: steps }, (_, i) => {
    const step = i + 1;
    const skew = Math.exp(-step / 10);
    const load = [0.25 + 0.5 * skew, 0.25 - 0.1 * skew, 0.25 - 0.2 * skew, 0.25 - 0.2 * skew];
    return {
      step, loss: 5 * Math.exp(-step / 20) + 1, ce: 5 * Math.exp(-step / 20) + 0.98, aux_loss: 0.02 + 0.01 * skew, z_loss: 0.001,
      lr: 1e-3, grad_norm: 1 + skew, clipped: false, tokens: step * 256, tokens_per_s: 1000, step_s: 0.25, epoch: 0,
      expert_load: { '0': load, '2': [...load].reverse() }, router_entropy: { '0': 1.3, '2': 1.35 }, dropped_fraction: { '0': 0.01, '2': 0 },
    };
  });
}

describe('moec report', () => {
  it('writes one HTML file with the loss, LR, aux loss and an expert-load heatmap as inline SVG', async () => {
    const run = join(dir, 'run');
    mkdirSync(run);
    writeFileSync(join(run, 'metrics.jsonl'), metrics(40).map((m) => JSON.stringify(m)).join('\n') + '\n');
    writeFileSync(join(run, 'run.json'), JSON.stringify({ name: 'tiny', spec: 'specs/tiny.moe', specHash: 'ab'.repeat(32), sessions: [
      { started: '2026-01-01T00:00:00.000Z', moecVersion: '0.1.0', backend: 'wasm', backendDetails: ['simd=true'], fromStep: 0, totalSteps: 40, seed: 1, data: [], dataTokens: 1000, dataFingerprint: 'x', argv: [] },
    ] }));
    const r = await writeReport(run);
    expect(r.diagnostics).toEqual([]);
    const html = readFileSync(r.file!, 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(7);
    for (const h of ['Training loss', 'Learning rate', 'Router losses', 'Expert load', 'layer 0', 'layer 2', 'wasm']) expect(html).toContain(h);
    // The heatmap: one rect per (step, expert) in each layer's row.
    const rects = [...html.matchAll(/<g class="mark-rect role-mark[^"]*"[^>]*>(.*?)<\/g>/gs)].map((m) => m[1]!.split('<path').length - 1);
    expect(rects).toEqual([40 * 4, 40 * 4]);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    // Same metrics, same bytes.
    const again = await writeReport(run, join(dir, 'again.html'));
    expect(readFileSync(again.file!, 'utf8')).toBe(html);
  });

  it('plots the held-out eval_loss (moec train --eval-split) beside the training loss', async () => {
    const run = join(dir, 'run-eval');
    mkdirSync(run);
    const m = metrics(20).map((x) => (x.step % 5 === 0 ? { ...x, eval_loss: x.ce + 0.3, eval_tokens: 999 } : x));
    writeFileSync(join(run, 'metrics.jsonl'), m.map((x) => JSON.stringify(x)).join('\n') + '\n');
    const r = await writeReport(run);
    const html = readFileSync(r.file!, 'utf8');
    expect(html).toContain('Training and held-out loss');
    expect(html).toContain('eval loss (held out)');
    expect(lossChart(m).data).toMatchObject({ values: expect.arrayContaining([expect.objectContaining({ step: 5, series: 'eval loss (held out)', value: m[4].ce + 0.3 })]) });
  });

  it('the loss line is not hidden under the cross-entropy line; the entropy chart shows its ln(E) ceiling', async () => {
    const loss = lossChart(metrics(10)) as any;
    const dash = loss.encoding.strokeDash.scale;
    expect(dash.domain).toEqual(['loss', 'loss (EMA 0.9)', 'cross-entropy']);
    expect(dash.range[2]).not.toEqual(dash.range[0]); // cross-entropy dashed over the solid loss
    const entropy = entropyChart(metrics(10)) as any;
    const rule = entropy.layer.find((l: any) => l.mark.type === 'rule');
    expect(rule.data.values[0].ceiling).toBeCloseTo(Math.log(4), 12);
    const run = join(dir, 'run-charts');
    mkdirSync(run);
    writeFileSync(join(run, 'metrics.jsonl'), metrics(10).map((m) => JSON.stringify(m)).join('\n') + '\n');
    const html = readFileSync((await writeReport(run)).file!, 'utf8');
    expect(html).toContain('ln 4 = 1.386 (uniform over 4 experts)');
    expect(html).toMatch(/stroke-dasharray="5,3"/);
  });

  it('buckets long runs to at most 120 columns per layer', () => {
    const rows = expertLoadRows(metrics(1000));
    expect(rows.filter((r) => r.layer === 'layer 0' && r.expert === 0).length).toBeLessThanOrEqual(120);
    const first = rows[0]!;
    expect(first.from).toBe(0);
    expect(first.to).toBe(9);
  });

  it('reports a directory without metrics', async () => {
    const r = await writeReport(dir);
    expect(r.file).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE6540']);
  });
});
