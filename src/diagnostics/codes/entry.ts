/** Diagnostics: one row of the code table. `message`/`hint` may use `{name}` placeholders. */
import type { Severity } from '../diagnostic.js';

export interface DiagnosticEntry {
  severity: Severity;
  /** One-line summary used by docs/diagnostics.md. */
  title: string;
  message: string;
  hint?: string;
  /** Set when moec no longer raises the code: why. The row stays so the code is never reused. */
  retired?: string;
}

/** Identity helper that keeps the literal code keys (so unknown codes fail to type-check). */
export function defineCodes<const T extends Record<string, DiagnosticEntry>>(codes: T): T {
  return codes;
}
