/**
 * Run phase — `moec run --prompts <file>`: a batch of prompts, one per line of a UTF-8 text
 * file (empty lines skipped; `\n` inside a line stays literal), or one `{"prompt": "…"}` /
 * `{"text": "…"}` object per line of a `.jsonl` file (JSON strings may hold newlines).
 * Every problem is reported with its line; nothing is run until the whole file is good.
 */
import { readFileSync } from 'node:fs';
import { createDiagnostic, type Diagnostic, type Result } from '../diagnostics/diagnostic.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function readPrompts(path: string): Result<string[] | undefined> {
  const fail = (reason: string): Result<undefined> => ({ value: undefined, diagnostics: [createDiagnostic('MOE5523', { args: { path, reason } })] });
  let text: string;
  try {
    text = strictUtf8.decode(readFileSync(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(code ? `cannot read it (${code})` : 'it is not UTF-8 text');
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const prompts: string[] = [];
  const diagnostics: Diagnostic[] = [];
  const jsonl = path.toLowerCase().endsWith('.jsonl');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    if (!jsonl) return void prompts.push(line);
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (err) {
      return void diagnostics.push(createDiagnostic('MOE5523', { args: { path, reason: `line ${i + 1} is not JSON (${(err as Error).message})` } }));
    }
    const r = record as { prompt?: unknown; text?: unknown } | null;
    const value = r?.prompt ?? r?.text;
    if (typeof value !== 'string' || value === '') {
      return void diagnostics.push(createDiagnostic('MOE5523', { args: { path, reason: `line ${i + 1} has no non-empty string "prompt" or "text" field` } }));
    }
    prompts.push(value);
  });
  if (diagnostics.length) return { value: undefined, diagnostics };
  if (prompts.length === 0) return fail('it holds no prompt');
  return { value: prompts, diagnostics: [] };
}
