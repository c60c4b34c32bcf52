/**
 * CLI (`moec compile`): the summary printed after a successful compile — output paths and
 * sizes, parameter count, where the weights came from, the size of each tensor group in the
 * file (with its quantized storage), and the time taken. JSON gives the same facts.
 */
import { relative } from 'node:path';
import type { CompileOnnxSummary } from '../../lower/onnx/compile-onnx.js';
import { maxOf } from '../../diagnostics/limit.js';
import { escapeControls } from '../../io/escape-text.js';

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${units[u]}`;
}

const count = (n: number) => n.toLocaleString('en-US');
const shown = (p: string) => escapeControls(relative(process.cwd(), p) || p);

export function renderOnnxSummary(name: string, s: CompileOnnxSummary, seconds: number): string {
  const out: string[] = [];
  const files = s.model ?? s.folder?.models[0]?.model ?? s.triton?.model;
  const where = s.model ? shown(s.model.path) : s.folder ? shown(s.folder.dir) + '/' : shown(s.triton!.dir);
  const total = s.folder ? s.folder.models.reduce((a, m) => a + m.model.totalBytes, 0) + s.folder.files.reduce((a, f) => a + f.bytes, 0) : files?.totalBytes ?? 0;
  out.push(`compiled ${escapeControls(name)} → ${where} (${formatBytes(total)}) in ${seconds.toFixed(2)} s`);
  for (const d of s.model?.data ?? []) out.push(`  external data  ${shown(d.path)} (${formatBytes(d.bytes)})`);
  for (const m of s.folder?.models ?? []) {
    const data = m.model.data.length ? ` + ${m.model.data.length} data file${m.model.data.length > 1 ? 's' : ''}` : '';
    out.push(`  model          ${shown(m.model.path)} (${formatBytes(m.model.totalBytes)}${data}; ${m.variant === 'spec' ? 'the spec as written' : `variant ${m.variant}`})`);
  }
  if (s.folder) out.push(`  files          ${s.folder.files.map((f) => shown(f.path).split('/').pop()).join(', ')}`);
  out.push(`  parameters     ${count(s.params)}`);
  out.push(`  weights        ${s.weightsFrom}`);
  out.push(`  moe dispatch   ${s.metadata['moec.moe_dispatch']}`);
  out.push('  size by tensor group:');
  const rows = s.groups.map((g) => [g.group, count(g.params), g.storage, formatBytes(g.bytes)]);
  const header = ['group', 'params', 'storage', 'bytes'];
  const widths = header.map((h, i) => maxOf(rows.map((r) => r[i].length), h.length));
  const line = (r: string[]) => '    ' + r.map((c, i) => (i === 1 || i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  out.push(line(header), ...rows.map(line));
  const groupBytes = s.groups.reduce((a, g) => a + g.bytes, 0);
  out.push(line(['total', count(s.params), '', formatBytes(groupBytes)]));
  if (s.triton) out.push(`  triton         ${shown(s.triton.dir)} (config.pbtxt, 1/model.onnx)`);
  const phases = s.weightsFrom.startsWith('init')
    ? `graph with weight init ${((s.ms.weights + s.ms.emit) / 1000).toFixed(2)} s`
    : `weights ${(s.ms.weights / 1000).toFixed(2)} s, graph ${(s.ms.emit / 1000).toFixed(2)} s`;
  out.push(`  time           ${phases}, write ${(s.ms.write / 1000).toFixed(2)} s`);
  return out.join('\n') + '\n';
}

export function onnxSummaryJson(s: CompileOnnxSummary) {
  return {
    target: 'onnx',
    model: s.model && { path: s.model.path, bytes: s.model.bytes, data: s.model.data, totalBytes: s.model.totalBytes },
    folder: s.folder && {
      dir: s.folder.dir,
      models: s.folder.models.map((m) => ({ variant: m.variant, path: m.model.path, bytes: m.model.bytes, data: m.model.data, totalBytes: m.model.totalBytes })),
      files: s.folder.files,
      ...(s.folder.genaiSkipped ? { genaiSkipped: s.folder.genaiSkipped } : {}),
    },
    triton: s.triton && { dir: s.triton.dir, config: s.triton.config, model: s.triton.model.path },
    params: s.params,
    weights: s.weightsFrom,
    groups: s.groups,
    metadata: s.metadata,
    ms: s.ms,
  };
}
