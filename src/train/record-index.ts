/**
 * Training phase — fine-tuning data without holding it in memory: one pass over the files reads
 * them in 1 MiB chunks, turns each record into an example (examples.ts) to learn its length and
 * check it, and keeps only where the record lives (file, byte offset, byte length) and its token
 * count. Batches later re-read their records by offset (positioned reads) and tokenize them again,
 * so memory is bounded by the index (a few integers per record), not by the corpus. JSONL files
 * hold one record per line; a text file (.txt, .text, .md) is one `text` record.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { extname, relative } from 'node:path';
import { createDiagnostic, type Diagnostic, type Result } from '../diagnostics/diagnostic.js';
import { decodeUtf8, defaultDataDir, expand } from './corpus.js';
import { describeFileType } from '../io/read-file.js';
import { readFailureDiagnostic } from '../io/read-diagnostic.js';
import { chatRenderer, recordExample, textExample, type Example, type RecordProblem } from './examples.js';
import type { TextTokenizer } from './tokenizer.js';

const CHUNK = 1 << 20;
/**
 * A text file is one record, read and tokenized whole: past this its one string nears V8's
 * string limit (2²⁹ − 24 UTF-16 units) and its token list gigabytes. Long text belongs in JSONL
 * records (one document a line), which stream.
 */
export const MAX_TEXT_RECORD_BYTES = 1 << 28;
const SHOWN = 10;

export interface RecordIndex {
  files: string[];
  /** Per record: file index, byte offset, byte length, 1-based line (0 for a text file), token count. */
  file: Int32Array;
  offset: Float64Array;
  bytes: Int32Array;
  line: Int32Array;
  tokens: Int32Array;
  /** Per record: 1 for a text document (split across rows when long), 0 for chat and prompt/completion (truncated). */
  splittable: Uint8Array;
  kinds: Record<Example['kind'], number>;
  fingerprint: string;
}

/**
 * Each line of a JSONL file with its byte offset, read 1 MiB at a time. A line's pieces are kept
 * apart until its newline arrives (joining per chunk would copy a long line once per MiB); a line
 * past MAX_TEXT_RECORD_BYTES ends the file with `tooLong` (a record is tokenized whole).
 */
function* jsonlLines(path: string): Generator<{ text: Buffer; offset: number; line: number; tooLong?: boolean }> {
  const fd = openSync(path, 'r');
  try {
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let base = 0;
    let line = 0;
    for (;;) {
      const buf = Buffer.alloc(CHUNK);
      const n = readSync(fd, buf, 0, CHUNK, null);
      const data = buf.subarray(0, n);
      let start = 0;
      for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, start)) {
        const text = pending.length ? Buffer.concat([...pending, data.subarray(start, nl)]) : data.subarray(start, nl);
        yield { text, offset: base, line: ++line };
        base += pendingBytes + (nl - start) + 1;
        pending = [];
        pendingBytes = 0;
        start = nl + 1;
      }
      if (n === 0) {
        if (pendingBytes > 0) yield { text: Buffer.concat(pending), offset: base, line: ++line };
        return;
      }
      if (start < n) {
        pending.push(data.subarray(start));
        pendingBytes += n - start;
      }
      if (pendingBytes > MAX_TEXT_RECORD_BYTES) {
        yield { text: Buffer.alloc(0), offset: base, line: ++line, tooLong: true };
        return;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** Read `bytes` bytes at `offset` of `path`. */
export function readRecordBytes(path: string, offset: number, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const out = Buffer.alloc(bytes);
    readSync(fd, out, 0, bytes, offset);
    return out;
  } finally {
    closeSync(fd);
  }
}

/** The example of record `i` of the index (re-read from its file). */
export function readExample(index: RecordIndex, i: number, tok: TextTokenizer, render: ReturnType<typeof chatRenderer>): Example {
  const bytes = readRecordBytes(index.files[index.file[i]!]!, index.offset[i]!, index.bytes[i]!);
  // Decoded exactly as indexRecords decoded it (a text file's BOM dropped by decodeUtf8, a JSONL
  // line trimmed, which drops a BOM too), so the tokens are the ones the index counted.
  const decoded = index.line[i] === 0 ? decodeUtf8(bytes) : bytes.toString('utf8').trim();
  if (typeof decoded !== 'string') throw new Error(`moec: record ${i} is no longer UTF-8 (the data changed during the run)`);
  const ex = index.line[i] === 0 ? textExample(tok, decoded) : recordExample(tok, render, JSON.parse(decoded));
  if (!('ids' in ex)) throw new Error(`moec: record ${i} no longer makes an example (the data changed during the run)`);
  return ex;
}

export function indexRecords(inputs: readonly string[], tok: TextTokenizer): Result<RecordIndex | undefined> {
  const diagnostics: Diagnostic[] = [];
  const files = expand(inputs.length ? inputs : [defaultDataDir()], diagnostics);
  if (diagnostics.length) return { value: undefined, diagnostics };
  const render = chatRenderer(tok);
  const hash = createHash('sha256').update(tok.fingerprint);
  const cols = { file: [] as number[], offset: [] as number[], bytes: [] as number[], line: [] as number[], tokens: [] as number[], splittable: [] as number[] };
  const kinds = { text: 0, prompt: 0, chat: 0 };
  let bad = 0;
  const report = (d: Diagnostic) => {
    if (++bad <= SHOWN) diagnostics.push(d);
  };
  const add = (f: number, offset: number, bytes: number, line: number, ex: Example | RecordProblem, file: string) => {
    if ('ids' in ex) {
      cols.file.push(f), cols.offset.push(offset), cols.bytes.push(bytes), cols.line.push(line), cols.tokens.push(ex.ids.length);
      cols.splittable.push(ex.kind === 'text' ? 1 : 0);
      kinds[ex.kind]++;
    } else if ('template' in ex) report(createDiagnostic('MOE6641', { args: { file, reason: ex.template } }));
    else if ('prefix' in ex) report(createDiagnostic('MOE6642', { args: { file, line, turn: ex.prefix } }));
    else report(createDiagnostic('MOE6640', { args: { file, line, reason: ex.problem } }));
  };
  files.forEach((path, f) => {
    const shown = relative(process.cwd(), path) || path;
    // A FIFO or device named by --data (or matched by a glob) would block the open or never end:
    // refused unread, as the byte corpus does (byte-index.ts).
    const stats = statSync(path, { throwIfNoEntry: false });
    if (!stats) return report(readFailureDiagnostic({ kind: 'missing' }, shown, 'a training data file'));
    if (!stats.isFile()) return report(readFailureDiagnostic({ kind: 'special', what: describeFileType(stats) }, shown, 'a training data file'));
    if (extname(path) !== '.jsonl') {
      if (stats.size > MAX_TEXT_RECORD_BYTES) {
        return report(readFailureDiagnostic({ kind: 'too-large', size: stats.size, limit: MAX_TEXT_RECORD_BYTES }, shown, 'a text file (one document) with --tokenizer'));
      }
      const raw = readRecordBytes(path, 0, stats.size);
      const text = decodeUtf8(raw);
      if (typeof text !== 'string') return report(createDiagnostic('MOE6524', { args: { path: shown, reason: text.reason } }));
      hash.update(raw);
      if (text.length) add(f, 0, raw.length, 0, textExample(tok, text), shown);
      return;
    }
    for (const { text, offset, line, tooLong } of jsonlLines(path)) {
      if (tooLong) {
        report(createDiagnostic('MOE6640', { args: { file: shown, line, reason: `the line is longer than ${MAX_TEXT_RECORD_BYTES} bytes (one record is read and tokenized whole; is this JSON Lines?)` } }));
        break;
      }
      hash.update(text);
      // Strictly, as a text file is: a lossy decode would train on U+FFFD in place of the bytes.
      const decoded = decodeUtf8(text);
      if (typeof decoded !== 'string') {
        report(createDiagnostic('MOE6640', { args: { file: shown, line, reason: decoded.reason } }));
        continue;
      }
      const s = decoded.trim();
      if (!s) continue;
      let record: unknown;
      try {
        record = JSON.parse(s);
      } catch (err) {
        report(createDiagnostic('MOE6640', { args: { file: shown, line, reason: `not JSON (${(err as Error).message})` } }));
        continue;
      }
      add(f, offset, text.length, line, recordExample(tok, render, record), shown);
    }
  });
  if (bad > SHOWN) diagnostics.push(createDiagnostic('MOE6640', { args: { file: 'data', line: 0, reason: `${bad - SHOWN} more bad records not shown (${bad} in all)` } }));
  if (diagnostics.length) return { value: undefined, diagnostics };
  return {
    value: {
      files,
      file: Int32Array.from(cols.file),
      offset: Float64Array.from(cols.offset),
      bytes: Int32Array.from(cols.bytes),
      line: Int32Array.from(cols.line),
      tokens: Int32Array.from(cols.tokens),
      splittable: Uint8Array.from(cols.splittable),
      kinds,
      fingerprint: hash.digest('hex'),
    },
    diagnostics,
  };
}
