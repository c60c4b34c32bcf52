/**
 * CLI (`moec report <run>`): read a run's metrics.jsonl and run.json, render the charts and
 * write one HTML file (default `<run>/report.html`) atomically. Exit 0 written, 1 errors, 2 no
 * such run directory.
 */
import { existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReportCommandOptions } from '../cli/commands/report.js';
import { writeDiagnostics } from '../cli/render/pretty.js';
import { EXIT_OK, exitCodeFor } from '../cli/exit-codes.js';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { METRICS_FILE, readMetrics } from '../train/metrics.js';
import { readRunLog } from '../train/run-log.js';
import { auxChart, droppedChart, entropyChart, expertLoadHeatmap, gradNormChart, lossChart, lrChart } from './charts.js';
import { renderSvg } from './render-svg.js';
import { createReportHtml } from './report-html.js';

export interface ReportResult {
  file?: string;
  diagnostics: Diagnostic[];
}

export async function writeReport(runDir: string, output?: string): Promise<ReportResult> {
  const fail = (reason: string): ReportResult => ({ diagnostics: [createDiagnostic('MOE6540', { args: { path: runDir, reason } })] });
  if (!existsSync(runDir)) return { diagnostics: [createDiagnostic('MOE9001', { args: { path: runDir }, hint: 'pass a run directory written by `moec train --output <dir>`' })] };
  if (!statSync(runDir).isDirectory()) return fail('not a directory');
  const metrics = readMetrics(join(runDir, METRICS_FILE));
  if (metrics.length === 0) return fail(existsSync(join(runDir, METRICS_FILE)) ? `${METRICS_FILE} has no steps yet` : `there is no ${METRICS_FILE}`);
  const run = readRunLog(runDir);
  const hasMoe = Object.keys(metrics[0]!.expert_load).length > 0;
  const specs: [string, Parameters<typeof renderSvg>[0]][] = [
    ['Loss', lossChart(metrics)],
    ['Learning rate', lrChart(metrics)],
    ['Gradient norm', gradNormChart(metrics)],
  ];
  if (hasMoe) {
    specs.push(['Aux and z loss', auxChart(metrics)], ['Expert load', expertLoadHeatmap(metrics)], ['Router entropy', entropyChart(metrics)], ['Dropped tokens', droppedChart(metrics)]);
  }
  const charts: [string, string][] = [];
  for (const [i, [h, spec]] of specs.entries()) charts.push([h, await renderSvg(spec, `chart${i}`)]);
  const html = createReportHtml({ title: `moec training report — ${run?.name ?? runDir}`, run, metrics, charts });
  const file = output ?? join(runDir, 'report.html');
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, html);
    renameSync(tmp, file);
  } catch (err) {
    return { diagnostics: [createDiagnostic('MOE9004', { args: { path: file, reason: (err as Error).message } })] };
  }
  return { file, diagnostics: [] };
}

export async function runReportCommand(runDir: string, options: ReportCommandOptions): Promise<number> {
  const r = await writeReport(runDir, options.output);
  if (r.diagnostics.length) writeDiagnostics(process.stderr, r.diagnostics, new Map());
  if (!r.file) return exitCodeFor(r.diagnostics);
  process.stdout.write(`wrote ${r.file}\n`);
  return EXIT_OK;
}
