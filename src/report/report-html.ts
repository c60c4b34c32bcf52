/**
 * Report phase — one self-contained HTML file: a summary of the run (spec, hash, sessions and
 * the backend each ran on, steps, tokens, losses) and the charts as inline SVG. No scripts and
 * no external resources, so it opens anywhere, offline. Same metrics → same bytes.
 */
import type { StepMetrics } from '../train/metrics.js';
import type { RunLog } from '../train/run-log.js';

export interface ReportInput {
  title: string;
  run?: RunLog;
  metrics: StepMetrics[];
  /** [heading, svg] in display order. */
  charts: [string, string][];
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function summary(input: ReportInput): string {
  const m = input.metrics;
  const first = m[0]!;
  const last = m[m.length - 1]!;
  const best = m.reduce((a, b) => (b.loss < a.loss ? b : a));
  const rows: [string, string][] = [];
  if (input.run) {
    rows.push(['model', input.run.name], ['spec', input.run.spec], ['spec hash', input.run.specHash]);
    input.run.sessions.forEach((s, i) => {
      const what = i === 0 ? 'started' : `resumed at step ${s.fromStep}`;
      rows.push([`session ${i + 1}`, `${what} ${s.started} on ${s.backend}${s.backendDetails.length ? ` (${s.backendDetails.join(', ')})` : ''}, moec ${s.moecVersion}, seed ${s.seed}, ${s.dataTokens.toLocaleString('en-US')} data tokens`]);
    });
  }
  rows.push(
    ['steps', `${last.step}`],
    ['tokens', last.tokens.toLocaleString('en-US')],
    ['loss', `${first.loss.toFixed(4)} (step ${first.step}) → ${last.loss.toFixed(4)} (step ${last.step}); best ${best.loss.toFixed(4)} at step ${best.step}`],
    ['aux loss (last)', last.aux_loss.toExponential(3)],
  );
  return '<table>' + rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('') + '</table>';
}

export function createReportHtml(input: ReportInput): string {
  const sections = input.charts.map(([h, svg]) => `<section><h2>${escapeHtml(h)}</h2>\n${svg}\n</section>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(input.title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 900px; color: #222; }
table { border-collapse: collapse; margin-bottom: 1.5em; }
th { text-align: left; padding: 2px 12px 2px 0; color: #555; font-weight: normal; }
td { padding: 2px 0; font-family: ui-monospace, monospace; font-size: 13px; }
h2 { font-size: 16px; margin: 1.5em 0 0.3em; }
svg { max-width: 100%; height: auto; }
</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
${summary(input)}
${sections}
</body>
</html>
`;
}
