/**
 * CLI: specs read from stdin, as editors run formatters and linters (`prettier --stdin-filepath`,
 * `ruff format -`). The input `-` (or no input with `--stdin-filepath`) means stdin; the spec is
 * then treated as the file `--stdin-filepath` names — that name appears in diagnostics and its
 * directory is where relative imports resolve (the file itself need not exist). Without it the
 * spec is `<stdin>`, a `.moe` file in the working directory. Reading stops past the spec size
 * limit, so `moec check - < /dev/zero` ends with a diagnostic instead of filling memory.
 */
import type { Readable } from 'node:stream';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { fileSpan } from '../diagnostics/span.js';
import { decodeSpecBytes, MAX_SPEC_BYTES, type TextResult } from '../spec/read-text.js';
import type { Sources } from '../spec/source.js';
import { STDIN } from './options.js';

/** The name a stdin spec goes by when `--stdin-filepath` is not given. */
export const STDIN_NAME = '<stdin>';

export type InputMode = { kind: 'stdin'; display: string } | { kind: 'files' } | { kind: 'usage'; diagnostic: Diagnostic };

/**
 * Whether the command reads stdin: `-` alone, or no inputs with --stdin-filepath. Mixing `-`
 * with files, or naming --stdin-filepath next to files, is a usage error (MOE9011).
 */
export function inputMode(inputs: readonly string[], stdinFilepath: string | undefined): InputMode {
  const dashes = inputs.filter((i) => i === STDIN).length;
  const usage = (reason: string): InputMode => ({ kind: 'usage', diagnostic: createDiagnostic('MOE9011', { args: { reason } }) });
  if (dashes > 0 && inputs.length > 1) return usage('`-` (stdin) cannot be combined with other inputs');
  if (stdinFilepath !== undefined && dashes === 0 && inputs.length > 0) return usage('--stdin-filepath names the spec read from stdin; pass `-` instead of files');
  if (stdinFilepath === '') return usage('--stdin-filepath needs a path');
  if (dashes === 1 || (inputs.length === 0 && stdinFilepath !== undefined)) return { kind: 'stdin', display: stdinFilepath ?? STDIN_NAME };
  if (inputs.length === 0) return usage('no input: give spec files, directories or globs, or `-` to read stdin');
  return { kind: 'files' };
}

/** Reads all of `stream` (at most the spec size limit) as the spec named `display`. */
export async function readStdinSpec(display: string, sources: Sources, stream: Readable = process.stdin): Promise<TextResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      chunks.push(buf);
      size += buf.length;
      if (size > MAX_SPEC_BYTES) {
        const diagnostic = createDiagnostic('MOE1002', { span: fileSpan(display), args: { file: display, size: `more than ${MAX_SPEC_BYTES}`, limit: MAX_SPEC_BYTES } });
        return { ok: false, diagnostic, missing: false };
      }
    }
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return { ok: false, diagnostic: createDiagnostic('MOE9003', { args: { path: display, reason } }), missing: false };
  }
  return decodeSpecBytes(Buffer.concat(chunks), display, sources);
}
