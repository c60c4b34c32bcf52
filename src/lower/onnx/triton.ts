/**
 * ONNX output — a Triton Inference Server model repository for the compiled model:
 *   <repo>/<name>/config.pbtxt      platform onnxruntime_onnx, dynamic batching
 *   <repo>/<name>/1/model.onnx      (+ model.onnx.data… when the model uses external data)
 * With max_batch_size > 0 Triton owns the batch dimension, so the tensors are declared without
 * it: input_ids [-1] (the sequence), logits [-1, vocab]. Requests with the same sequence length
 * are batched together (Triton batches equal shapes unless ragged batching is configured).
 * The repository holds the full-sequence graph (emitOnnxModel `cache: false`): dynamic batching
 * of stateless requests has no place to keep a KV cache between them.
 */
import { join } from 'node:path';
import type onnxProto from 'onnx-proto';
import type { Result } from '../../diagnostics/diagnostic.js';
import { writeOnnxModel, writeTextAtomic, type StreamedModel, type WriteModelOptions, type WrittenModel } from './write-model.js';

export interface TritonOptions {
  /** Largest batch Triton forms (default 8). */
  maxBatchSize?: number;
  /** How long a request may wait for others to batch with, in microseconds (default 100). */
  maxQueueDelayMicroseconds?: number;
  /** Model instances per device (default 1). */
  instances?: number;
  /** Where instances run (default cpu). */
  kind?: 'cpu' | 'gpu';
}

export interface TritonWritten {
  dir: string;
  config: string;
  model: WrittenModel;
}

/** Triton model names: letters, digits, `_`, `-`, `.` (the spec name with anything else replaced). */
export function tritonModelName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_.-]/g, '_');
  return clean === '' || clean === '.' || clean === '..' ? 'model' : clean;
}

/** Preferred batch sizes: powers of two up to the maximum, and the maximum itself. */
function preferredSizes(max: number): number[] {
  const out: number[] = [];
  for (let s = 2; s < max; s *= 2) out.push(s);
  out.push(max);
  return out.filter((s) => s > 1 || max === 1);
}

export function tritonConfig(name: string, vocab: number, options: TritonOptions = {}): string {
  const max = options.maxBatchSize ?? 8;
  const delay = options.maxQueueDelayMicroseconds ?? 100;
  const lines = [
    `name: "${name}"`,
    'platform: "onnxruntime_onnx"',
    `max_batch_size: ${max}`,
    'input [',
    '  {',
    '    name: "input_ids"',
    '    data_type: TYPE_INT64',
    '    dims: [ -1 ]',
    '  }',
    ']',
    'output [',
    '  {',
    '    name: "logits"',
    '    data_type: TYPE_FP32',
    `    dims: [ -1, ${vocab} ]`,
    '  }',
    ']',
  ];
  if (max > 0) {
    lines.push('dynamic_batching {', `  preferred_batch_size: [ ${preferredSizes(max).join(', ')} ]`, `  max_queue_delay_microseconds: ${delay}`, '}');
  }
  lines.push(
    'instance_group [',
    '  {',
    `    count: ${options.instances ?? 1}`,
    `    kind: ${options.kind === 'gpu' ? 'KIND_GPU' : 'KIND_CPU'}`,
    '  }',
    ']',
  );
  return lines.join('\n') + '\n';
}

/** Write `<repo>/<name>/config.pbtxt` and `<repo>/<name>/1/model.onnx`, each atomically. */
export async function writeTritonRepository(
  repo: string,
  specName: string,
  vocab: number,
  model: onnxProto.onnx.IModelProto | StreamedModel,
  options: TritonOptions & WriteModelOptions = {},
): Promise<Result<TritonWritten | undefined>> {
  const name = tritonModelName(specName);
  const dir = join(repo, name);
  const written = await writeOnnxModel(model, join(dir, '1', 'model.onnx'), options);
  if (!written.value) return { value: undefined, diagnostics: written.diagnostics };
  const config = join(dir, 'config.pbtxt');
  const text = await writeTextAtomic(config, tritonConfig(name, vocab, options));
  if (text.diagnostics.length) return { value: undefined, diagnostics: text.diagnostics };
  return { value: { dir, config, model: written.value }, diagnostics: written.diagnostics };
}
