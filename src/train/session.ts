/**
 * Training phase — setting up a training session: check the spec's training settings, read
 * and tokenize the data, choose the backend, then build variables, optimizer and sampler,
 * either fresh (weights from initWeights with the seed) or from the run's latest checkpoint
 * (`--resume`: weights, optimizer slots and step, sampler position and RNG state, all restored
 * exactly). Problems are diagnostics; nothing is created when there are errors.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readCheckpointWeights, readManifest, readOptimizerState, readTrainerState } from '../checkpoint/index.js';
import { createDiagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { ModelIR } from '../ir/types.js';
import { selectBackend, type BackendPreference, type SelectedBackend } from '../lower/tfjs/backend.js';
import { createTfjsModel, type TfjsModel } from '../lower/tfjs/model.js';
import { createVariables, disposeVariables } from '../lower/tfjs/variables.js';
import { spanAt, type SpanMap } from '../spec/spans.js';
import { initWeights } from '../weights/init-weights.js';
import { checkTrainMemory } from './train-memory.js';
import { loadCorpus, type Corpus } from './corpus.js';
import { METRICS_FILE } from './metrics.js';
import { createOptimizer, isSupportedOptimizer, type Optimizer } from './optimizer.js';
import { createSampler, sampleCount, type Sampler, type SamplerState } from './sampler.js';

/** state.json of a moec-train checkpoint (docs/checkpoint.md). */
export interface TrainerState {
  step: number;
  totalSteps: number;
  seed: number;
  tokens: number;
  data: SamplerState;
  dataFingerprint: string;
  lossTail: number[];
}

export interface SessionOptions {
  ir: ModelIR;
  spans?: SpanMap;
  outDir: string;
  resume?: boolean;
  /** A checkpoint directory of the run to resume from instead of the one `latest` names. */
  resumeFrom?: string;
  data?: string[];
  steps?: number;
  seed?: number;
  backend?: BackendPreference;
  /** wasm threads (default: the available cores); checked by checkThreads. */
  threads?: number;
  /** false: an explicit backend that cannot be used stops the run (MOE6033). */
  backendFallback?: boolean;
}

export interface Session {
  model: TfjsModel;
  optimizer: Optimizer;
  sampler: Sampler;
  corpus: Corpus;
  backend: SelectedBackend;
  seed: number;
  totalSteps: number;
  /** Optimizer steps already done (0 fresh, the checkpoint's step on resume). */
  startStep: number;
  tokens: number;
  lossTail: number[];
  dispose(): void;
}

function checkSettings(o: SessionOptions, diagnostics: Diagnostic[]): void {
  const t = o.ir.train;
  if (!isSupportedOptimizer(t.optimizer.type)) {
    diagnostics.push(createDiagnostic('MOE6510', { span: o.spans && spanAt(o.spans, '/train/optimizer/type', 'value'), args: { type: t.optimizer.type } }));
  }
  const fresh = !o.resume;
  if (fresh && (existsSync(join(o.outDir, 'latest')) || existsSync(join(o.outDir, METRICS_FILE)))) {
    diagnostics.push(createDiagnostic('MOE6530', { args: { path: o.outDir } }));
  }
}

interface Restored {
  weights: Map<string, Float32Array>;
  state: TrainerState;
  optimizer: NonNullable<ReturnType<typeof readOptimizerState>['value']>;
}

function readResume(o: SessionOptions, diagnostics: Diagnostic[]): Restored | undefined {
  const m = readManifest(o.resumeFrom ?? o.outDir);
  diagnostics.push(...m.diagnostics);
  if (!m.value) return undefined;
  const w = readCheckpointWeights(m.value.dir, o.ir);
  const s = readTrainerState<TrainerState>(m.value.dir);
  const opt = readOptimizerState(m.value.dir);
  diagnostics.push(...w.diagnostics, ...s.diagnostics, ...opt.diagnostics);
  if (!w.value || !s.value || !opt.value) return undefined;
  const trainedWith = m.value.manifest.specHash;
  if (trainedWith !== o.ir.specHash) {
    // Same architecture (readCheckpointWeights checked it), other settings: continuing is the
    // user's call (a longer schedule, another learning rate), but it is not the same run.
    diagnostics.push(createDiagnostic('MOE6551', { args: { path: m.value.dir, found: trainedWith.slice(0, 12), expected: o.ir.specHash.slice(0, 12) } }));
  }
  if (o.seed !== undefined && o.seed !== s.value.seed) {
    diagnostics.push(createDiagnostic('MOE6533', { args: { path: o.outDir, reason: `the run was trained with seed ${s.value.seed}, --seed is ${o.seed}` } }));
    return undefined;
  }
  return { weights: w.value, state: s.value, optimizer: opt.value };
}

export async function createSession(o: SessionOptions): Promise<{ session?: Session; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const { ir } = o;
  checkSettings(o, diagnostics);
  if (hasErrors(diagnostics)) return { diagnostics };
  const restored = o.resume ? readResume(o, diagnostics) : undefined;
  if (hasErrors(diagnostics)) return { diagnostics };

  const corpus = loadCorpus(o.data ?? [], ir.vocab);
  diagnostics.push(...corpus.diagnostics);
  if (!corpus.value) return { diagnostics };
  const seqLen = ir.train.seqLen;
  if (sampleCount(corpus.value.tokens.length, seqLen) === 0) {
    diagnostics.push(createDiagnostic('MOE6522', { args: { tokens: corpus.value.tokens.length, needed: seqLen + 1 } }));
    return { diagnostics };
  }
  if (restored && restored.state.dataFingerprint !== corpus.value.fingerprint) {
    const reason = 'the training data differ from the data the run was trained on (pass the same --data)';
    diagnostics.push(createDiagnostic('MOE6533', { args: { path: o.outDir, reason } }));
    return { diagnostics };
  }

  const backend = await selectBackend(o.backend ?? 'auto', { precision: ir.train.precision, threads: o.threads, fallback: o.backendFallback });
  for (const w of backend.warnings) {
    // Point the precision warning at the spec's `precision` (selectBackend has no spans).
    if (w.code === 'MOE6511' && !w.span && o.spans) w.span = spanAt(o.spans, '/train/precision', 'value');
    diagnostics.push(w);
  }
  diagnostics.push(...checkTrainMemory(ir, backend.kind));
  if (hasErrors(diagnostics)) return { diagnostics };
  const seed = restored?.state.seed ?? o.seed ?? ir.train.seed;
  const weights = restored?.weights ?? initWeights(ir, seed);
  const vars = createVariables(ir, weights);
  const { model, warnings } = createTfjsModel(ir, vars);
  diagnostics.push(...warnings);
  const trainable = ir.tensors.filter((t) => t.trainable);
  const optimizer = createOptimizer(ir.train.optimizer, trainable);
  if (restored) {
    const bad = optimizer.restore(restored.optimizer);
    if (bad) {
      optimizer.dispose();
      disposeVariables(vars);
      diagnostics.push(createDiagnostic('MOE6512', { args: { path: o.outDir, reason: bad } }));
      return { diagnostics };
    }
  }
  const sampler = createSampler(corpus.value.tokens, seqLen, seed, restored?.state.data);
  const session: Session = {
    model,
    optimizer,
    sampler,
    corpus: corpus.value,
    backend,
    seed,
    totalSteps: o.steps ?? restored?.state.totalSteps ?? ir.train.steps,
    startStep: restored?.state.step ?? 0,
    tokens: restored?.state.tokens ?? 0,
    lossTail: restored?.state.lossTail ?? [],
    dispose() {
      optimizer.dispose();
      disposeVariables(vars);
    },
  };
  return { session, diagnostics };
}
