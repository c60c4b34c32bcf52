/**
 * Generates docs/diagnostics.md from the diagnostic table (severity, title, message, hint) and
 * the invalid fixtures (a real example of each code: the source line, moec's output, the
 * hint). Run by test/validate/diagnostics-doc.test.ts; `UPDATE=1` rewrites the file.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { diagnosticTable, type DiagnosticCode } from '../../src/diagnostics/codes/index.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { checkFiles } from '../../src/cli/check/check-files.js';
import { renderPretty } from '../../src/cli/render/pretty.js';

const FIXTURES = 'test/fixtures/invalid';

const RANGES: [string, string][] = [
  ['MOE1', 'Syntax, imports and spec files (MOE1xxx)'],
  ['MOE2', 'Schema (MOE2xxx)'],
  ['MOE3', 'Semantic rules (MOE3xxx)'],
  ['MOE4', 'IR and analysis (MOE4xxx)'],
  ['MOE5', 'ONNX target (MOE5xxx)'],
  ['MOE6', 'TensorFlow.js target and training (MOE6xxx)'],
  ['MOE7', 'Hugging Face interop and safetensors (MOE7xxx)'],
  ['MOE8', 'Megatron-Core target (MOE8xxx)'],
  ['MOE9', 'CLI and I/O (MOE9xxx)'],
];

const PREAMBLE = `# Diagnostics

Every problem moec reports has a stable code, a severity, a message with the numbers involved,
the place (\`file:line:col\`) and, when there is one, a hint saying what to change:

\`\`\`
specs/model.moe:7:20 - error MOE3201: router.top_k 10 exceeds the 8 routed experts
  7 |     router { top_k 10  overflow drop }
    |                    ^^
  hint: use top_k ≤ 8, or add experts
\`\`\`

- **error**: the spec cannot be compiled or trained; \`moec check\` exits 1.
- **warning**: the spec works, but probably not as meant (a setting with no effect, a layout
  that is slow, a feature a target will not honour); \`moec check\` exits 0 unless
  \`--max-warnings\` is exceeded.
- Schema errors (MOE2xxx) do not hide semantic errors (MOE3xxx): every semantic rule that does
  not depend on a value the schema rejected still runs, so one run shows both. Errors in either
  stop IR building and the analyses (MOE4xxx).

Machine-readable output (\`--format json|sarif|github\`) carries the same codes; see
[ci.md](ci.md). The examples below are the real output for the fixtures in
\`test/fixtures/invalid/\`. This file is generated from the diagnostic table
(\`src/diagnostics/codes/\`) by \`test/validate/diagnostics-doc.ts\`; regenerate with
\`UPDATE=1 npx vitest run test/validate/diagnostics-doc.test.ts\`.
`;

type Entry = { severity: string; title: string; message: string; hint?: string; retired?: string };

function examples(): Map<string, { diagnostic: Diagnostic; sources: Map<string, string> }> {
  const found = new Map<string, { diagnostic: Diagnostic; sources: Map<string, string> }>();
  const files = readdirSync(FIXTURES)
    .filter((f) => /\.moe(\.json|\.ya?ml)?$/.test(f))
    .sort();
  for (const f of files) {
    const report = checkFiles([join(FIXTURES, f)]);
    for (const d of report.diagnostics) if (!found.has(d.code)) found.set(d.code, { diagnostic: d, sources: report.sources });
  }
  return found;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function generateDiagnosticsDoc(): string {
  const ex = examples();
  const codes = (Object.keys(diagnosticTable) as DiagnosticCode[]).sort();
  const out = [PREAMBLE];
  out.push('## Index\n', '| Code | Severity | Meaning |', '|---|---|---|');
  for (const code of codes) {
    const e = diagnosticTable[code] as Entry;
    out.push(`| [${code}](#${code.toLowerCase()}) | ${e.severity} | ${cell(e.title)}${e.retired ? ' (retired)' : ''} |`);
  }
  out.push('');
  for (const [prefix, heading] of RANGES) {
    const inRange = codes.filter((c) => c.startsWith(prefix));
    if (inRange.length === 0) continue;
    out.push(`## ${heading}\n`);
    for (const code of inRange) {
      const e = diagnosticTable[code] as Entry;
      out.push(`### ${code}\n`, `**${e.severity}** — ${e.title}.\n`, `Message: ${e.message.replace(/\{(\w+)\}/g, '‹$1›')}\n`);
      if (e.retired) {
        out.push(`Retired: moec no longer raises this code (${e.retired}).\n`);
        continue;
      }
      const sample = ex.get(code);
      if (sample) {
        const text = renderPretty([sample.diagnostic], sample.sources).trimEnd();
        out.push('Example:\n', '```', text, '```\n');
      }
      const fix = sample?.diagnostic.hint ?? e.hint;
      out.push(fix ? `Fix: ${fix}.\n` : 'Fix: follow the message; it names the value to change.\n');
    }
  }
  // Messages may name absolute paths; keep the doc the same in every checkout.
  return out.join('\n').replace(/\.\.\n/g, '.\n').split(process.cwd()).join('.');
}
