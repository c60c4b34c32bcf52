/**
 * GitHub Actions workflow commands: one `::error file=…,line=…,col=…,title=MOE3201::message`
 * line per diagnostic, which GitHub shows as an annotation on the line in the pull request.
 * Escaping follows the Actions toolkit (`%`, CR, LF in data; also `:` and `,` in properties).
 */
import type { Diagnostic } from '../../diagnostics/diagnostic.js';
import { summaryLine, type CheckReport } from '../check/report.js';
import { escapeControls } from '../../io/escape-text.js';

const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

const COMMAND = { error: 'error', warning: 'warning', info: 'notice' } as const;

export function renderGithubLine(d: Diagnostic): string {
  const props: string[] = [];
  if (d.span) {
    props.push(`file=${escapeProperty(escapeControls(d.span.file))}`, `line=${d.span.line}`, `col=${d.span.column}`);
    if (d.span.endLine >= d.span.line) props.push(`endLine=${d.span.endLine}`);
    if (d.span.endLine === d.span.line && d.span.endColumn > d.span.column) props.push(`endColumn=${d.span.endColumn}`);
  }
  props.push(`title=${escapeProperty(d.code)}`);
  // Other control characters (ESC: log colours) are made visible first; the newline before the
  // hint is the only real one, and escapeData encodes it.
  const text = d.hint ? `${escapeControls(d.message)}\nhint: ${escapeControls(d.hint)}` : escapeControls(d.message);
  return `::${COMMAND[d.severity]} ${props.join(',')}::${escapeData(text)}`;
}

export function renderGithub(report: CheckReport): string {
  return [...report.diagnostics.map(renderGithubLine), summaryLine(report)].join('\n') + '\n';
}
