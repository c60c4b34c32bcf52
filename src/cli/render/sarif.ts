/**
 * SARIF 2.1.0 output for code-scanning uploads (GitHub `upload-sarif`, Azure DevOps, IDEs).
 * Every code of the diagnostic table is one rule (id, title, help text, default level, link to
 * docs/diagnostics.md); each diagnostic is a result pointing at its region. URIs are relative
 * to the working directory, resolved against %SRCROOT%.
 */
import { relative, isAbsolute } from 'node:path';
import { diagnosticTable, type DiagnosticCode } from '../../diagnostics/codes/index.js';
import type { Diagnostic, Severity } from '../../diagnostics/diagnostic.js';
import type { Span } from '../../diagnostics/span.js';
import type { CheckReport } from '../check/report.js';
import { VERSION } from '../../version.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', info: 'note' };
/** Where each code is explained, relative to the repository (moec has no published docs site). */
export const DOCS_PATH = 'docs/diagnostics.md';

function uri(file: string): string {
  const rel = isAbsolute(file) ? relative(process.cwd(), file) : file;
  return rel.replace(/\\/g, '/').split('/').map(encodeURIComponent).join('/');
}

function location(span: Span, message?: string) {
  return {
    physicalLocation: {
      artifactLocation: { uri: uri(span.file), uriBaseId: '%SRCROOT%' },
      region: { startLine: span.line, startColumn: span.column, endLine: span.endLine, endColumn: span.endColumn },
    },
    ...(message ? { message: { text: message } } : {}),
  };
}

function rules() {
  return (Object.keys(diagnosticTable) as DiagnosticCode[]).map((code) => {
    const e = diagnosticTable[code] as { severity: Severity; title: string; message: string; hint?: string };
    return {
      id: code,
      name: e.title.replace(/(?:^|[^a-zA-Z0-9]+)([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase()),
      shortDescription: { text: e.title },
      fullDescription: { text: e.message.replace(/\{(\w+)\}/g, '<$1>') },
      help: { text: `${e.hint ? e.hint + '. ' : ''}See ${DOCS_PATH}#${code.toLowerCase()}.` },
      defaultConfiguration: { level: LEVEL[e.severity] },
    };
  });
}

export function renderSarif(report: CheckReport): string {
  const ruleList = rules();
  const index = new Map(ruleList.map((r, i) => [r.id, i]));
  const results = report.diagnostics.map((d: Diagnostic) => ({
    ruleId: d.code,
    ruleIndex: index.get(d.code),
    level: LEVEL[d.severity],
    message: { text: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message },
    ...(d.span ? { locations: [location(d.span)] } : {}),
    ...(d.related?.length ? { relatedLocations: d.related.map((r, i) => ({ id: i, ...location(r.span, r.message) })) } : {}),
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'moec', semanticVersion: VERSION, rules: ruleList } },
        artifacts: report.files.map((f) => ({ location: { uri: uri(f.file), uriBaseId: '%SRCROOT%' } })),
        results,
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
