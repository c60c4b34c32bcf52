/**
 * I/O: a failed read (read-file.ts) as the diagnostic every command reports for it —
 * MOE9001 missing, MOE9100 not a regular file, MOE9101 over its size limit, MOE9003 otherwise.
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Span } from '../diagnostics/span.js';
import type { ReadFailure } from './read-file.js';

/** `what` names the kind of input for the size message ("training data", "a checkpoint manifest"). */
export function readFailureDiagnostic(f: ReadFailure, path: string, what: string, span?: Span): Diagnostic {
  switch (f.kind) {
    case 'missing':
      return createDiagnostic('MOE9001', { span, args: { path } });
    case 'directory':
      return createDiagnostic('MOE9003', { span, args: { path, reason: 'it is a directory' } });
    case 'special':
      return createDiagnostic('MOE9100', { span, args: { path, kind: f.what } });
    case 'too-large':
      return createDiagnostic('MOE9101', { span, args: { path, size: f.size, what, limit: f.limit } });
    default:
      return createDiagnostic('MOE9003', { span, args: { path, reason: f.code } });
  }
}
