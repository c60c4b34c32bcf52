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
import type { ModelIR, TensorIR } from '../ir/types.js';
import { selectBackend, type BackendPreference, type SelectedBackend } from '../lower/tfjs/backend.js';
import { createLoraRuntime, type LoraRuntime } from '../lower/tfjs/lora.js';
import { createTfjsModel, type TfjsModel } from '../lower/tfjs/model.js';
import { createVariables, disposeVariables, type ModelVariables } from '../lower/tfjs/variables.js';
import { spanAt, type SpanMap } from '../spec/spans.js';
import { loraModules } from '../ir/lora.js';
import { initLoraWeights } from '../weights/lora-init.js';
import { noLoraBlock, readAdapterCheckpoint, type AdapterRecord } from './adapter-checkpoint.js';
import { loadBaseWeights, type BaseSource, type BaseWeights } from './base-weights.js';
import { WeightsReadError } from '../weights/lazy-source.js';
import { BYTE_TOKENIZER, checkTokenizerVocab, loadTokenizer } from './tokenizer.js';
import type { PackedData } from './packed-data.js';
import { checkTrainMemory } from './train-memory.js';
import type { CorpusInfo } from './corpus.js';
import type { TokenSource } from './byte-stream.js';
import { loadDataSource } from './data-source.js';
import { METRICS_FILE } from './metrics.js';
import { createOptimizer, isSupportedOptimizer, type Optimizer } from './optimizer.js';
import type { Sampler, SamplerState } from './sampler.js';

/** state.json of a moec-train checkpoint (docs/checkpoint.md). */
export interface TrainerState {
  step: number;
  totalSteps: number;
  seed: number;
  tokens: number;
  data: SamplerState;
  dataFingerprint: string;
  lossTail: number[];
  /** Where the base (starting) weights came from (base-weights.ts). */
  base?: BaseSource;
  /** A LoRA run's adapter settings: its checkpoints hold the adapters only. */
  lora?: AdapterRecord;
  /** Fraction of the data held out for eval_loss (absent: none). */
  evalSplit?: number;
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
  /** `--init-from`: start from the weights of this run or checkpoint directory. */
  initFrom?: string;
  /** The model's tokenizer (tokenizer.json or HF directory); absent: byte-level. */
  tokenizer?: string;
  /** Hold out this fraction of the token stream (its tail) for eval_loss; on resume, the run's own. */
  evalSplit?: number;
  /** wasm threads (default: the available cores); checked by checkThreads. */
  threads?: number;
  /** false: an explicit backend that cannot be used stops the run (MOE6033). */
  backendFallback?: boolean;
}

export interface Session {
  model: TfjsModel;
  optimizer: Optimizer;
  sampler: Sampler;
  /** The training data's files, documents and fingerprint. */
  corpus: CorpusInfo;
  /**
   * Fingerprint of the tokenizer whose ids the weights learn (TextTokenizer.fingerprint, or
   * `bytes` for moec's byte-level one): checkpoints record it, so an export with another
   * tokenizer is refused (MOE6552) — the architecture alone cannot tell.
   */
  tokenizer: string;
  /** The held-out tail of the byte stream, when the run holds one out. */
  heldOut?: TokenSource;
  /** Tokens the run trains on per epoch (the corpus stream, or the packed examples). */
  tokenCount: number;
  /** Held-out eval of packed fine-tuning data (--eval-split with a model tokenizer). */
  evaluate?: PackedData['evaluate'];
  heldOutTokens?: number;
  evalSplit?: number;
  backend: SelectedBackend;
  seed: number;
  totalSteps: number;
  /** Optimizer steps already done (0 fresh, the checkpoint's step on resume). */
  startStep: number;
  tokens: number;
  lossTail: number[];
  base: BaseSource;
  /** Present for a LoRA run: its adapters are what the optimizer trains and checkpoints store. */
  lora?: LoraRuntime;
  dispose(): void;
}

function checkSettings(o: SessionOptions, diagnostics: Diagnostic[]): void {
  const t = o.ir.train;
  if (!isSupportedOptimizer(t.optimizer.type)) {
    diagnostics.push(createDiagnostic('MOE6510', { span: o.spans && spanAt(o.spans, '/train/optimizer/type', 'value'), args: { type: t.optimizer.type } }));
  }
  if (o.initFrom !== undefined && o.resume) {
    diagnostics.push(createDiagnostic('MOE6603', { args: { reason: 'cannot be combined with --resume' }, hint: 'a run records where its weights came from; resume it without --init-from' }));
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
  if (m.value && !m.value.verified) {
    // A version-1 checkpoint's optimizer and data-cursor state carry no checksum: not resumed.
    diagnostics.push(createDiagnostic('MOE6562', { args: { path: m.value.dir } }));
    return undefined;
  }
  diagnostics.push(...m.diagnostics);
  if (!m.value) return undefined;
  const s = readTrainerState<TrainerState>(m.value.dir);
  if (s.value?.lora && !o.ir.train.lora) {
    diagnostics.push(...noLoraBlock(m.value.dir, s.value.lora).diagnostics);
    return undefined;
  }
  const w = o.ir.train.lora ? adapterWeights(m.value.dir, o.ir) : readCheckpointWeights(m.value.dir, o.ir);
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

  const tokenizer = o.tokenizer !== undefined ? loadTokenizer(o.tokenizer) : undefined;
  if (tokenizer) diagnostics.push(...tokenizer.diagnostics, ...(tokenizer.value ? checkTokenizerVocab(tokenizer.value, ir.vocab) : []));
  if (hasErrors(diagnostics)) return { diagnostics };
  const data = loadDataSource(o, restored?.state, tokenizer?.value, diagnostics);
  if (!data || hasErrors(diagnostics)) return { diagnostics };
  const { corpus, heldOut, evalSplit } = data;
  if (restored && restored.state.dataFingerprint !== corpus.fingerprint) {
    const reason = 'the training data differ from the data the run was trained on (pass the same --data and --tokenizer)';
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
  const built = buildParameters(ir, o, restored, seed, diagnostics);
  if (!built) return { diagnostics };
  const { vars, lora, trainable, base } = built;
  const { model, warnings } = createTfjsModel(ir, vars, { lora });
  diagnostics.push(...warnings);
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
  const sampler = data.sampler(seed, restored?.state.data);
  const session: Session = {
    model,
    optimizer,
    sampler,
    corpus,
    tokenizer: tokenizer?.value?.fingerprint ?? BYTE_TOKENIZER,
    heldOut,
    tokenCount: data.tokenCount,
    ...(data.evaluate ? { evaluate: data.evaluate, heldOutTokens: data.heldOutTokens } : {}),
    evalSplit,
    backend,
    seed,
    totalSteps: o.steps ?? restored?.state.totalSteps ?? ir.train.steps,
    startStep: restored?.state.step ?? 0,
    tokens: restored?.state.tokens ?? 0,
    lossTail: restored?.state.lossTail ?? [],
    base,
    ...(lora ? { lora } : {}),
    dispose() {
      optimizer.dispose();
      disposeVariables(vars);
    },
  };
  return { session, diagnostics };
}

/** A LoRA run's checkpoint weights are its adapters (adapter-checkpoint.ts). */
function adapterWeights(dir: string, ir: ModelIR): { value?: Map<string, Float32Array>; diagnostics: Diagnostic[] } {
  const r = readAdapterCheckpoint(dir, ir);
  return { value: r.value?.adapters, diagnostics: r.diagnostics };
}

/**
 * The model's variables and what the optimizer trains. Full training: every weight, from the
 * checkpoint on resume, else --init-from, else the seed. LoRA: the base weights frozen (from
 * --init-from, or on resume from the source the run recorded) and the adapters trainable (from
 * the checkpoint on resume, else PEFT's initialisation).
 */
function buildParameters(
  ir: ModelIR,
  o: SessionOptions,
  restored: Restored | undefined,
  seed: number,
  diagnostics: Diagnostic[],
): { vars: ModelVariables; lora?: LoraRuntime; trainable: Pick<TensorIR, 'name' | 'shape' | 'group'>[]; base: BaseSource } | undefined {
  const lora = ir.train.lora;
  if (!lora) {
    if (restored) return { vars: createVariables(ir, restored.weights), trainable: ir.tensors.filter((t) => t.trainable), base: restored.state.base ?? { kind: 'init', seed } };
    const start = loadBaseWeights(ir, { initFrom: o.initFrom, seed, runDir: o.outDir });
    diagnostics.push(...start.diagnostics);
    const vars = start.value && variablesFrom(ir, start.value, false, diagnostics);
    if (!start.value || !vars) return undefined;
    return { vars, trainable: ir.tensors.filter((t) => t.trainable), base: start.value.source };
  }
  const start = loadBaseWeights(ir, { initFrom: o.initFrom, recorded: restored?.state.base, seed, runDir: o.outDir });
  diagnostics.push(...start.diagnostics);
  if (!start.value) return undefined;
  if (start.value.source.kind === 'init') diagnostics.push(createDiagnostic('MOE6602'));
  const modules = loraModules(ir, lora);
  const vars = variablesFrom(ir, start.value, true, diagnostics);
  if (!vars) return undefined;
  const runtime = createLoraRuntime(ir, vars, restored?.weights ?? initLoraWeights(modules, lora.rank, seed));
  const groupOf = (kind: string): TensorIR['group'] => (kind === 'router' ? 'router' : (kind as TensorIR['group']));
  const trainable = modules.flatMap((m) => [
    { name: `${m.prefix}.lora_A.weight`, shape: [m.in, lora.rank], group: groupOf(m.kind) },
    { name: `${m.prefix}.lora_B.weight`, shape: [lora.rank, m.out], group: groupOf(m.kind) },
  ]);
  return { vars, lora: runtime, trainable, base: start.value.source };
}

/**
 * The variables from base weights, which an HF directory reads tensor by tensor as they are made;
 * a read that fails now (the files changed since they were checked) is its diagnostics.
 */
function variablesFrom(ir: ModelIR, base: BaseWeights, frozen: boolean, diagnostics: Diagnostic[]): ModelVariables | undefined {
  try {
    return createVariables(ir, base.weights, { frozen });
  } catch (err) {
    if (!(err instanceof WeightsReadError)) throw err;
    diagnostics.push(...err.diagnostics);
    return undefined;
  } finally {
    base.close();
  }
}
