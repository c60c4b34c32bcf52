/**
 * Phase: reading. Loads one spec file's text, refusing what cannot be a spec before any lexing:
 * missing files, directories, FIFOs and devices, files over MAX_SPEC_BYTES (so a stray 10 MB log
 * never hangs the parser), and binary files (NUL bytes or invalid UTF-8).
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { fileSpan, type Span } from '../diagnostics/span.js';
import type { Sources } from './source.js';
import { readRegularFile } from '../io/read-file.js';
import { readFailureDiagnostic } from '../io/read-diagnostic.js';

/** 1 MiB: real specs are a few kilobytes. */
export const MAX_SPEC_BYTES = 1024 * 1024;

export type TextResult = { ok: true; text: string } | { ok: false; diagnostic: Diagnostic; missing: boolean };

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Read `abs`, recording the text in `sources` under `display` (the name spans use).
 * `at` is where to report a problem (the import string for an imported file).
 */
export function readSpecText(abs: string, display: string, sources: Sources, at?: Span): TextResult {
  // The file named on the command line has no position to point at: no fake `file:1:1`.
  const span = at;
  const fail = (diagnostic: Diagnostic, missing = false): TextResult => ({ ok: false, diagnostic, missing });
  // FIFOs, devices and sockets are refused and the read is capped (src/io/read-file.ts).
  const read = readRegularFile(abs, MAX_SPEC_BYTES);
  if (!read.ok) {
    if (read.kind === 'missing') return fail(createDiagnostic('MOE9001', { span, args: { path: display } }), true);
    if (read.kind === 'directory') return fail(createDiagnostic('MOE9003', { span, args: { path: display, reason: 'it is a directory' } }));
    if (read.kind === 'too-large') return fail(createDiagnostic('MOE1002', { span: fileSpan(display), args: { file: display, size: read.size, limit: MAX_SPEC_BYTES } }));
    return fail(readFailureDiagnostic(read, display, 'a spec file', span));
  }
  return decodeSpecBytes(read.bytes, display, sources);
}

/**
 * The checks on a spec's bytes, wherever they came from (a file, or stdin for `moec check -`):
 * size, NUL bytes, UTF-8. Records the text in `sources` under `display`.
 */
export function decodeSpecBytes(bytes: Uint8Array, display: string, sources: Sources): TextResult {
  const fail = (diagnostic: Diagnostic): TextResult => ({ ok: false, diagnostic, missing: false });
  if (bytes.length > MAX_SPEC_BYTES) {
    return fail(createDiagnostic('MOE1002', { span: fileSpan(display), args: { file: display, size: bytes.length, limit: MAX_SPEC_BYTES } }));
  }
  const nul = bytes.indexOf(0);
  if (nul !== -1) return fail(createDiagnostic('MOE1001', { span: fileSpan(display), args: { file: display, reason: `NUL byte at offset ${nul}` } }));
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return fail(createDiagnostic('MOE1001', { span: fileSpan(display), args: { file: display, reason: 'not valid UTF-8' } }));
  }
  sources.set(display, text);
  return { ok: true, text };
}
