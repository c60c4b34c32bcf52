/**
 * Diagnostics are values: every phase returns its result together with the diagnostics it
 * produced. An exception escaping a phase is a compiler bug, never a user error.
 */
import type { Span } from './span.js';
import { diagnosticTable, type DiagnosticCode } from './codes/index.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  /** Where the problem is. Absent only for problems not tied to any file (e.g. bad CLI usage). */
  span?: Span;
  /** What to do about it, when we can say. */
  hint?: string;
  /** Other places that explain the problem (e.g. the conflicting earlier definition). */
  related?: { message: string; span: Span }[];
}

type TemplateArgs = Record<string, string | number>;

/** Fill `{name}` placeholders of a message template. */
function fill(template: string, args: TemplateArgs): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in args ? String(args[name]) : whole,
  );
}

export interface DiagnosticInit {
  span?: Span;
  args?: TemplateArgs;
  hint?: string;
  related?: { message: string; span: Span }[];
  /** Override the table's severity (e.g. a rule that is an error for one target, a warning for another). */
  severity?: Severity;
}

/** The only way to make a diagnostic: the code must exist in the table, so codes stay stable and documented. */
export function createDiagnostic(code: DiagnosticCode, init: DiagnosticInit = {}): Diagnostic {
  const entry = diagnosticTable[code];
  const d: Diagnostic = {
    code,
    severity: init.severity ?? entry.severity,
    message: fill(entry.message, init.args ?? {}),
  };
  if (init.span) d.span = init.span;
  const hint = init.hint ?? ('hint' in entry ? fill(entry.hint as string, init.args ?? {}) : undefined);
  if (hint) d.hint = hint;
  if (init.related?.length) d.related = init.related;
  return d;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Stable order for reporting: by file, then position, then code. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => {
    const fa = a.span?.file ?? '';
    const fb = b.span?.file ?? '';
    if (fa !== fb) return fa < fb ? -1 : 1;
    const oa = a.span?.offset ?? -1;
    const ob = b.span?.offset ?? -1;
    if (oa !== ob) return oa - ob;
    return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
  });
}

/** A phase's output: its value (possibly partial) and what it found. */
export interface Result<T> {
  value: T;
  diagnostics: Diagnostic[];
}
