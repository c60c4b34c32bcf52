/**
 * CLI (`moec report <run>`): read a run's metrics.jsonl and run.json, render the charts and
 * write one HTML file (default `<run>/report.html`) atomically. Exit 0 written, 1 errors, 2 no
 * such run directory.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ReportCommandOptions } from '../cli/commands/report.js';
import { writeDiagnostics } from '../cli/render/pretty.js';
import { EXIT_OK, exitCodeFor } from '../cli/exit-codes.js';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { LATEST_FILE } from '../checkpoint/format.js';
import { escapeControls } from '../io/escape-text.js';
import { checkOutputNotInput } from '../io/output-guard.js';
import { readFailureDiagnostic } from '../io/read-diagnostic.js';
import { writeFileAtomicSync } from '../io/write-file.js';
import { METRICS_FILE, readMetricsChecked } from '../train/metrics.js';
import { readRunLog, RUN_FILE } from '../train/run-log.js';
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
  if (!isDirectory(runDir)) return fail('not a directory');
  const metricsFile = join(runDir, METRICS_FILE);
  const file = output ?? join(runDir, 'report.html');
  // `-o RUN/metrics.jsonl` would replace the run's own record with HTML.
  const clash = checkOutputNotInput(file, [metricsFile, join(runDir, RUN_FILE), join(runDir, LATEST_FILE)]);
  if (clash) return { diagnostics: [clash] };
  const read = readMetricsChecked(metricsFile);
  if (read.unreadable) return { diagnostics: [readFailureDiagnostic(read.unreadable, metricsFile, 'metrics.jsonl')] };
  const diagnostics = read.problems.map((p) => createDiagnostic('MOE6563', { args: { file: metricsFile, line: p.line, reason: p.reason } }));
  const metrics = read.metrics;
  if (metrics.length === 0) {
    const why = existsSync(metricsFile) ? `${METRICS_FILE} has no steps${read.problems.length ? ' that can be read' : ' yet'}` : `there is no ${METRICS_FILE}`;
    return { diagnostics: [...diagnostics, ...fail(why).diagnostics] };
  }
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
  try {
    writeFileAtomicSync(file, html);
  } catch (err) {
    return { diagnostics: [...diagnostics, createDiagnostic('MOE9004', { args: { path: file, reason: (err as Error).message } })] };
  }
  return { file, diagnostics };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export async function runReportCommand(runDir: string, options: ReportCommandOptions): Promise<number> {
  const r = await writeReport(runDir, options.output);
  if (r.diagnostics.length) writeDiagnostics(process.stderr, r.diagnostics, new Map());
  if (!r.file) return exitCodeFor(r.diagnostics);
  process.stdout.write(`wrote ${escapeControls(r.file)}\n`);
  return EXIT_OK;
}
