/**
 * Evaluation — `moec eval <model folder | model.onnx | run dir> [--data …]`: mean loss and
 * perplexity per token and per byte of held-out text, read with the trainer's data readers
 * (src/train/corpus.ts: files, directories, globs, JSONL; the demo text by default) and scored
 * in onnxruntime with the model's inference routing. A run directory (run.json + checkpoints) is
 * compiled in memory from its latest checkpoint, with the spec run.json names (or --spec).
 * Exit 0 ok, 1 errors, 2 usage.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import type { EvalOptions } from '../cli/commands/eval.js';
import { EXIT_ERRORS, EXIT_OK } from '../cli/exit-codes.js';
import { renderPretty } from '../cli/render/pretty.js';
import { createDiagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { loadCorpus } from '../train/corpus.js';
import { checkTokenizerVocab, loadTokenizer } from '../train/tokenizer.js';
import { cacheLayout, type CacheLayout } from '../run/cache-layout.js';
import { openLmSession } from '../run/lm-session.js';
import { folderTokenizerPath } from '../run/model-path.js';
import { evalWindows, type EvalSummary } from './held-out.js';
import { scoreTokens } from './score-onnx.js';

interface EvalModel {
  session: ort.InferenceSession;
  cache?: CacheLayout;
  vocab: number;
  context?: number;
  label: string;
  /** A run's tokenizer: its spec's train.tokenizer (relative to the spec), as `moec train` used it. */
  tokenizer?: string;
}

const isRunDir = (path: string) => existsSync(join(path, 'run.json')) || existsSync(join(path, 'latest')) || existsSync(join(path, 'manifest.json'));

/** A training run (or one checkpoint): its spec's IR with the checkpoint's weights, compiled in memory. */
async function openRun(path: string, options: EvalOptions): Promise<{ model?: EvalModel; diagnostics: Diagnostic[] }> {
  const fail = (reason: string) => ({ diagnostics: [createDiagnostic('MOE5526', { args: { path, reason } })] });
  const { readRunLog } = await import('../train/run-log.js');
  const spec = options.spec ?? readRunLog(path)?.spec;
  if (!spec) return fail('it has no run.json naming its spec');
  if (!existsSync(spec)) return fail(`its spec \`${spec}\` does not exist`);
  const { loadModel } = await import('../pipeline.js');
  const loaded = loadModel(spec, { memoryFit: false, targets: ['onnx'] });
  if (!loaded.ir || hasErrors(loaded.diagnostics)) return { diagnostics: loaded.diagnostics };
  const { readCheckpointWeights } = await import('../checkpoint/index.js');
  const weights = readCheckpointWeights(path, loaded.ir);
  if (!weights.value) return { diagnostics: weights.diagnostics };
  const { emitOnnxModel } = await import('../lower/onnx/emit-model.js');
  const { onnx } = await import('../lower/onnx/graph-builder.js');
  const bytes = onnx.ModelProto.encode(emitOnnxModel(loaded.ir, weights.value)).finish();
  const session = await ort.InferenceSession.create(Buffer.from(bytes), options.threads ? { intraOpNumThreads: options.threads } : {});
  const cache = cacheLayout(session);
  return {
    model: {
      session,
      cache: typeof cache === 'string' ? undefined : cache,
      vocab: loaded.ir.vocab,
      context: loaded.ir.context,
      label: `${path} (checkpoint, spec ${spec})`,
      ...(loaded.ir.train.tokenizer !== undefined ? { tokenizer: resolve(dirname(resolve(spec)), loaded.ir.train.tokenizer) } : {}),
    },
    diagnostics: [],
  };
}

async function openModel(path: string, options: EvalOptions): Promise<{ model?: EvalModel; diagnostics: Diagnostic[] }> {
  const folder = existsSync(join(path, 'onnx')) || existsSync(join(path, 'config.json'));
  if (!folder && existsSync(path) && isRunDir(path)) return openRun(path, options);
  const opened = await openLmSession(path, options.threads, options.variant);
  const lm = opened.value;
  if (!lm) return { diagnostics: opened.diagnostics };
  if (lm.vocab === undefined) {
    await lm.session.release();
    return { diagnostics: [createDiagnostic('MOE5511', { args: { path, reason: 'its logits have no fixed vocabulary size' } })] };
  }
  return { model: { session: lm.session, cache: lm.cache, vocab: lm.vocab, context: lm.context, label: lm.file }, diagnostics: opened.diagnostics };
}

function render(s: EvalSummary, perByte: boolean): string {
  return [
    `  tokens scored    ${s.tokens.toLocaleString('en-US')}${perByte ? ` (${s.bytes.toLocaleString('en-US')} bytes)` : ''}`,
    `  loss per token   ${s.loss.toFixed(4)} nats   perplexity ${s.perplexity.toFixed(3)}`,
    ...(perByte ? [`  loss per byte    ${s.lossPerByte.toFixed(4)} nats   bits per byte ${s.bitsPerByte.toFixed(4)}   byte perplexity ${s.bytePerplexity.toFixed(3)}`] : []),
  ].join('\n');
}

/** Per-byte figures count ids below 256 as bytes: true of moec's byte tokenizer only, not of a model's. */
function tokenFigures(s: EvalSummary): Partial<EvalSummary> {
  const { bytes: _b, lossPerByte: _l, bitsPerByte: _bits, bytePerplexity: _p, ...rest } = s;
  return rest;
}

export async function runEval(path: string, options: EvalOptions): Promise<number> {
  const diagnostics: Diagnostic[] = [];
  const finish = (code: number, result?: object) => {
    if (options.format === 'json') {
      const doc = { version: 1, ok: code === EXIT_OK, diagnostics: diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message, ...(d.hint ? { hint: d.hint } : {}) })), ...(result ? { result } : {}) };
      process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
    } else if (diagnostics.length) process.stderr.write(renderPretty(diagnostics, new Map()));
    return code;
  };
  const opened = await openModel(path, options);
  diagnostics.push(...opened.diagnostics);
  if (!opened.model) return finish(EXIT_ERRORS);
  const m = opened.model;
  try {
    // A folder that ships the model's own tokenizer is scored in its tokens, not in UTF-8 bytes.
    const tokenizerPath = options.tokenizer ?? m.tokenizer ?? folderTokenizerPath(path);
    const tokenizer = tokenizerPath !== undefined ? loadTokenizer(tokenizerPath) : undefined;
    if (tokenizer) diagnostics.push(...tokenizer.diagnostics, ...(tokenizer.value ? checkTokenizerVocab(tokenizer.value, m.vocab) : []));
    if (tokenizer && (!tokenizer.value || hasErrors(diagnostics))) return finish(EXIT_ERRORS);
    const corpus = loadCorpus(options.data ?? [], m.vocab, tokenizer?.value);
    diagnostics.push(...corpus.diagnostics);
    if (!corpus.value) return finish(EXIT_ERRORS);
    const tokens = corpus.value.tokens;
    if (tokens.length < 2) {
      diagnostics.push(createDiagnostic('MOE5525', { args: { tokens: tokens.length } }));
      return finish(EXIT_ERRORS);
    }
    const seqLen = options.seqLen ?? m.context ?? 512;
    const windows = evalWindows(tokens.length, seqLen, options.maxTokens);
    // RoPE extrapolates without an error, so scoring past the context would pass silently.
    if (m.context !== undefined && windows.some((w) => w.length > m.context!)) diagnostics.push(createDiagnostic('MOE5527', { args: { seqLen, context: m.context } }));
    const t0 = performance.now();
    const summary = await scoreTokens(m.session, m.cache, m.vocab, tokens, windows, { batch: options.batch });
    const seconds = (performance.now() - t0) / 1000;
    const perByte = !tokenizer;
    const result = { model: m.label, data: corpus.value.files, seqLen, windows: windows.length, ...(perByte ? summary : tokenFigures(summary)), seconds, tokensPerSecond: summary.tokens / seconds };
    if (options.format === 'pretty') {
      process.stdout.write(`evaluated ${m.label} on ${corpus.value.files.length} file(s), windows of ${seqLen} tokens, in ${seconds.toFixed(2)} s\n${render(summary, perByte)}\n`);
    }
    return finish(EXIT_OK, result);
  } catch (err) {
    diagnostics.push(createDiagnostic('MOE5516', { args: { path: m.label, reason: (err instanceof Error ? err.message : String(err)).split('\n')[0] } }));
    return finish(EXIT_ERRORS);
  } finally {
    await m.session.release();
  }
}
