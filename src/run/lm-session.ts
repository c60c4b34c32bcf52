/**
 * Run phase — an onnxruntime-node session over a compiled language model, checked to have the
 * interface `moec compile` emits: int64 `input_ids` [batch, seq] → float `logits`
 * [batch, seq, vocab]. Problems are diagnostics (MOE9001/MOE5510/MOE5511), never exceptions.
 */
import { statSync, type Stats } from 'node:fs';
import { describeFileType } from '../io/read-file.js';
import * as ort from 'onnxruntime-node';
import { createDiagnostic, type Result } from '../diagnostics/diagnostic.js';
import { readModelMetadata } from './model-metadata.js';

export interface LmSession {
  session: ort.InferenceSession;
  /** From the logits shape, else `moec.vocab`; undefined when neither says (checked after the first run). */
  vocab?: number;
  /** `moec.context`, when the model records it. */
  context?: number;
  metadata: Record<string, string>;
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0];

export async function openLmSession(path: string, threads?: number): Promise<Result<LmSession | undefined>> {
  const fail = (d: ReturnType<typeof createDiagnostic>) => ({ value: undefined, diagnostics: [d] });
  let stats: Stats | undefined;
  try {
    stats = statSync(path);
  } catch {
    stats = undefined;
  }
  if (!stats) return fail(createDiagnostic('MOE9001', { args: { path }, hint: 'pass a model written by `moec compile <spec> --target onnx -o <file>`' }));
  // A FIFO or device would block onnxruntime's read or feed it without end.
  if (!stats.isFile()) return fail(createDiagnostic('MOE9100', { args: { path, kind: describeFileType(stats) } }));
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
  const problem = !input
    ? `it has no input named input_ids (inputs: ${session.inputNames.join(', ') || 'none'})`
    : !output
      ? `it has no output named logits (outputs: ${session.outputNames.join(', ') || 'none'})`
      : input.isTensor && input.type !== 'int64'
        ? `input_ids is ${input.type}, not int64`
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
  return {
    value: { session, vocab, context: Number.isInteger(context) && context > 0 ? context : undefined, metadata },
    diagnostics: [],
  };
}

/** Logits of the last position for one sequence, and the vocabulary size the model reported. */
export async function lastLogits(lm: LmSession, ids: readonly number[]): Promise<{ logits: Float32Array; vocab: number }> {
  const feeds = { input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [1, ids.length]) };
  const out = await lm.session.run(feeds);
  const logits = out.logits;
  const vocab = logits.dims[logits.dims.length - 1];
  const data = logits.data as Float32Array;
  return { logits: data.subarray(data.length - vocab), vocab };
}

/** Greedy choice: the largest logit, ties to the lower id (as the router's top-k). */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
