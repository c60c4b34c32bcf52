/**
 * Run phase — an onnxruntime-node session over a compiled language model (a .onnx file, or a
 * model folder: model-path.ts), checked to have the interface `moec compile` emits: int64
 * `input_ids` [batch, seq] → float `logits` [batch, seq, vocab], with the KV-cache inputs and
 * outputs (cache-layout.ts) or without them (full-sequence models). Problems are diagnostics
 * (MOE9001/MOE5510/MOE5511), never exceptions.
 */
import { statSync, type Stats } from 'node:fs';
import { describeFileType } from '../io/read-file.js';
import * as ort from 'onnxruntime-node';
import { createDiagnostic, type Result } from '../diagnostics/diagnostic.js';
import type { VariantName } from '../lower/onnx/deploy/variants.js';
import { endOfDocumentId } from './byte-tokenizer.js';
import { cacheLayout, type CacheLayout } from './cache-layout.js';
import { readModelMetadata } from './model-metadata.js';
import { folderEos, resolveModelPath } from './model-path.js';

export interface LmSession {
  session: ort.InferenceSession;
  /** The file loaded. */
  file: string;
  /** The KV-cache interface; undefined for a full-sequence model. */
  cache?: CacheLayout;
  /** End-of-sequence ids (any stops a row): the folder's generation_config.json, else the byte vocabulary's end-of-document id. */
  eos?: number[];
  /** From the logits shape, else `moec.vocab`; undefined when neither says (checked after the first run). */
  vocab?: number;
  /** `moec.context`, when the model records it. */
  context?: number;
  metadata: Record<string, string>;
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0];

export async function openLmSession(modelPath: string, threads?: number, variant?: VariantName): Promise<Result<LmSession | undefined>> {
  const fail = (d: ReturnType<typeof createDiagnostic>) => ({ value: undefined, diagnostics: [d] });
  const resolved = resolveModelPath(modelPath, variant);
  if ('reason' in resolved) {
    // Name the file a folder lacks: the folder itself exists.
    return fail(createDiagnostic('MOE9001', { args: { path: resolved.missing ?? modelPath }, hint: `${resolved.reason}; pass a model written by \`moec compile <spec> --target onnx -o <dir>/\` (or -o <file>.onnx)` }));
  }
  const path = resolved.file;
  // A FIFO or device would block onnxruntime's read or feed it without end.
  let stats: Stats | undefined;
  try {
    stats = statSync(path);
  } catch {
    stats = undefined;
  }
  if (stats && !stats.isFile()) return fail(createDiagnostic('MOE9100', { args: { path, kind: describeFileType(stats) } }));
  let metadata: Record<string, string>;
  try {
    metadata = readModelMetadata(path);
  } catch (err) {
    return fail(createDiagnostic('MOE5510', { args: { path, reason: firstLine(err) } }));
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, {
      ...(threads ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
      graphOptimizationLevel: 'all',
    });
  } catch (err) {
    return fail(createDiagnostic('MOE5510', { args: { path, reason: firstLine(err) } }));
  }
  const input = session.inputMetadata.find((m) => m.name === 'input_ids');
  const output = session.outputMetadata.find((m) => m.name === 'logits');
  const cache = input && output ? cacheLayout(session) : undefined;
  const problem = !input
    ? `it has no input named input_ids (inputs: ${session.inputNames.join(', ') || 'none'})`
    : !output
      ? `it has no output named logits (outputs: ${session.outputNames.join(', ') || 'none'})`
      : input.isTensor && input.type !== 'int64'
        ? `input_ids is ${input.type}, not int64`
        : typeof cache === 'string'
          ? cache
          : undefined;
  if (problem) {
    await session.release();
    return fail(createDiagnostic('MOE5511', { args: { path, reason: problem } }));
  }
  const dims = output && output.isTensor ? output.shape : [];
  const last = dims[dims.length - 1];
  const fromMeta = Number(metadata['moec.vocab']);
  const vocab = typeof last === 'number' && last > 0 ? last : Number.isInteger(fromMeta) && fromMeta > 0 ? fromMeta : undefined;
  const context = Number(metadata['moec.context']);
  const eos = folderEos(resolved.folder);
  return {
    value: {
      session,
      file: path,
      cache: typeof cache === 'string' ? undefined : cache,
      eos: eos === null ? undefined : eos ?? (vocab !== undefined && endOfDocumentId(vocab) !== undefined ? [endOfDocumentId(vocab)!] : undefined),
      vocab,
      context: Number.isInteger(context) && context > 0 ? context : undefined,
      metadata,
    },
    diagnostics: [],
  };
}

/** Greedy choice: the largest logit, ties to the lower id (as the router's top-k). */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
