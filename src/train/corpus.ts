/**
 * Training phase — reading the training text. `--data` takes files, directories (searched for
 * *.txt, *.text, *.md, *.jsonl) and globs (tinyglobby); files are read in sorted order so the
 * same arguments give the same token stream. UTF-8 text files are one document each; a .jsonl
 * file holds one document per line as `{"text": "…"}`. Without --data, the shipped demo text
 * (specs/data/) is used.
 *
 * Tokenizer: byte-level — a document's UTF-8 bytes are its tokens (ids 0–255). Documents are
 * joined with an end-of-document token: id 256 when the vocabulary has room, otherwise a blank
 * line ("\n\n"), so a 256-entry vocabulary still sees document boundaries. The trainer reads
 * that stream from the files as it samples (openCorpus, byte-stream.ts); loadCorpus holds it.
 */
import { createHash } from 'node:crypto';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { globSync } from 'tinyglobby';
import { createDiagnostic, type Diagnostic, type Result } from '../diagnostics/diagnostic.js';
import type { TextTokenizer } from './tokenizer.js';
import { textExample } from './examples.js';
import { endOfDocumentId } from '../run/byte-tokenizer.js';
import { indexByteStream } from './byte-index.js';
import type { TokenIds, TokenSource } from './byte-stream.js';
import { describeReadFailure, readRegularFile } from '../io/read-file.js';
import { readFailureDiagnostic } from '../io/read-diagnostic.js';

const TEXT_EXTENSIONS = ['.txt', '.text', '.md', '.jsonl'];

export type { TokenIds } from './byte-stream.js';

/** Where a corpus is read into memory (`moec eval`, the tokenizer path of loadCorpus) it is at most this many bytes. */
export const MAX_DATA_FILE_BYTES = 1 << 30;
export const MAX_DATA_BYTES = 1 << 30;

/** What a run records about its data. */
export interface CorpusInfo {
  files: string[];
  documents: number;
  /** sha256 of the token stream: a resumed run checks it is training on the same data. */
  fingerprint: string;
}

export interface Corpus extends CorpusInfo {
  /** Token ids (bytes, plus the end-of-document id when the vocabulary has it; or the model tokenizer's). */
  tokens: TokenIds;
}

export interface StreamedCorpus extends CorpusInfo {
  stream: TokenSource;
}

/** The demo text shipped with moec (specs/data/), found relative to this module in src/ or dist/src/. */
export function defaultDataDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'specs', 'data');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return resolve('specs/data');
}

export function expand(inputs: readonly string[], diagnostics: Diagnostic[]): string[] {
  const files = new Set<string>();
  for (const input of inputs) {
    let matched: string[];
    if (existsSync(input) && statSync(input).isDirectory()) {
      matched = globSync(TEXT_EXTENSIONS.map((e) => `**/*${e}`), { cwd: input, absolute: true }).filter((f) => !f.endsWith('README.md'));
    } else if (existsSync(input)) matched = [resolve(input)];
    else matched = globSync(input, { absolute: true, onlyFiles: true });
    if (matched.length === 0) diagnostics.push(createDiagnostic('MOE6520', { args: { pattern: input } }));
    // By real path: a symlinked directory (or a loop back up the tree) must not feed a file twice.
    for (const f of matched) files.add(realOrResolved(f));
  }
  return [...files].sort();
}

function realOrResolved(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return resolve(file);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A file's text, BOM dropped. Bytes that are not UTF-8 (a binary file, Latin-1, UTF-16) are
 * refused rather than decoded to U+FFFD, which would train the model on replacement
 * characters; NUL bytes mark binary files and UTF-16 too.
 */
export function decodeUtf8(bytes: Buffer): string | { reason: string } {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    const lossy = bytes.toString('utf8');
    let offset = 0;
    for (const ch of lossy) {
      const n = Buffer.byteLength(ch);
      if (ch === '\uFFFD' && !(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) break;
      offset += n;
    }
    return { reason: `not UTF-8 text (byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')} at offset ${offset} is not valid UTF-8)` };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { reason: `not text (a NUL byte at offset ${nul}: a binary or UTF-16 file)` };
  return text;
}

/** Documents of one file: the whole text, or the `text` field of each JSONL line. */
function documentsOf(file: string, diagnostics: Diagnostic[], budget: { left: number }): string[] {
  // A FIFO or device named by --data (or matched by a glob) is refused, never read: it could
  // block the run forever or feed it without end (src/io/read-file.ts).
  const read = readRegularFile(file, Math.min(MAX_DATA_FILE_BYTES, budget.left));
  if (!read.ok) {
    const what = budget.left < MAX_DATA_FILE_BYTES ? `training data (all files together, ${MAX_DATA_BYTES} bytes)` : 'a training data file';
    if (read.kind === 'special' || read.kind === 'too-large') diagnostics.push(readFailureDiagnostic(read, file, what));
    else diagnostics.push(createDiagnostic('MOE6524', { args: { path: file, reason: describeReadFailure(read) } }));
    return [];
  }
  const bytes = read.bytes;
  budget.left -= bytes.length;
  const text = decodeUtf8(bytes);
  if (typeof text !== 'string') {
    diagnostics.push(createDiagnostic('MOE6524', { args: { path: file, reason: text.reason }, hint: 'training data must be UTF-8 text; convert it (e.g. `iconv -t UTF-8`) or leave the file out' }));
    return [];
  }
  if (extname(file) !== '.jsonl') return text.length ? [text] : [];
  const docs: string[] = [];
  const lines = text.split('\n');
  // A file of thousands of bad records needs a few examples, not thousands of lines of output.
  const SHOWN = 10;
  let bad = 0;
  const badRecord = (line: number, reason: string) => {
    if (++bad <= SHOWN) diagnostics.push(createDiagnostic('MOE6521', { args: { file, line, reason } }));
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (err) {
      badRecord(i + 1, `not JSON (${(err as Error).message})`);
      continue;
    }
    const t = (record as { text?: unknown } | null)?.text;
    if (typeof t !== 'string') {
      badRecord(i + 1, 'no string "text" field');
      continue;
    }
    if (t.length) docs.push(t);
  }
  if (bad > SHOWN) {
    diagnostics.push(createDiagnostic('MOE6521', { args: { file, line: lines.length, reason: `${bad - SHOWN} more bad records not shown (${bad} in all)` } }));
  }
  return docs;
}

/**
 * The byte-level corpus as a stream read a window at a time (byte-stream.ts): the files are read
 * once to check and index them, never held. `inputs` empty → the shipped demo text.
 */
export function openCorpus(inputs: readonly string[], vocab: number): Result<StreamedCorpus | undefined> {
  const diagnostics: Diagnostic[] = [];
  if (vocab < 256) return { value: undefined, diagnostics: [createDiagnostic('MOE6523', { args: { vocab } })] };
  const files = expand(inputs.length ? inputs : [defaultDataDir()], diagnostics);
  if (diagnostics.length) return { value: undefined, diagnostics };
  const eod = endOfDocumentId(vocab);
  const shown = files.map((f) => relative(process.cwd(), f) || f);
  const indexed = indexByteStream(files, eod !== undefined ? [eod] : [10, 10], diagnostics);
  if (!indexed) return { value: undefined, diagnostics };
  return { value: { stream: indexed.stream, files: shown, documents: indexed.documents, fingerprint: indexed.fingerprint }, diagnostics };
}

/**
 * Read and tokenize the training data into memory (`moec eval`; the trainer streams with
 * openCorpus). With a model `tokenizer` each document is encoded with its special tokens (Llama's
 * <s>) and followed by the tokenizer's eos token when it has one, as `run_clm`-style packing joins
 * documents.
 */
export function loadCorpus(inputs: readonly string[], vocab: number, tokenizer?: TextTokenizer): Result<Corpus | undefined> {
  if (tokenizer) return loadTokenized(inputs, tokenizer);
  const opened = openCorpus(inputs, vocab);
  if (!opened.value) return opened as Result<undefined>;
  const { stream, ...rest } = opened.value;
  if (stream.length > MAX_DATA_BYTES) {
    const d = createDiagnostic('MOE9101', { args: { path: rest.files.join(', '), size: stream.length, what: `training data held in memory (all files together, ${MAX_DATA_BYTES} bytes)`, limit: MAX_DATA_BYTES } });
    return { value: undefined, diagnostics: [d] };
  }
  return { value: { tokens: stream.read(0, stream.length), ...rest }, diagnostics: opened.diagnostics };
}

/** The corpus through a model tokenizer (32-bit ids). */
function loadTokenized(inputs: readonly string[], tokenizer: TextTokenizer): Result<Corpus | undefined> {
  const diagnostics: Diagnostic[] = [];
  const files = expand(inputs.length ? inputs : [defaultDataDir()], diagnostics);
  if (diagnostics.length) return { value: undefined, diagnostics };
  const parts: number[][] = [];
  const budget = { left: MAX_DATA_BYTES };
  for (const f of files) for (const doc of documentsOf(f, diagnostics, budget)) {
    parts.push(textExample(tokenizer, doc).ids);
  }
  if (diagnostics.length) return { value: undefined, diagnostics };
  const tokens = new Uint32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    tokens.set(p, at);
    at += p.length;
  }
  const fingerprint = createHash('sha256').update(tokenizer.fingerprint).update(new Uint8Array(tokens.buffer)).digest('hex');
  const shown = files.map((f) => relative(process.cwd(), f) || f);
  return { value: { tokens, files: shown, documents: parts.length, fingerprint }, diagnostics };
}
