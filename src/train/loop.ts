/**
 * Training phase — `moec train`'s loop. Per optimizer step: trainStep (micro-batches, clip,
 * update, router-bias balancing), a metrics.jsonl line, progress, and every
 * `checkpoint_every` steps (and at the end) an atomic checkpoint. With a held-out split
 * (`--eval-split`), every `evalEvery` steps and at the end the step's metrics line also carries
 * eval_loss on the held-out tail (eval-loss.ts). An abort (SIGINT) is seen
 * between steps: the step in flight finishes, a checkpoint of it is written, and the loop
 * returns `interrupted`. A non-finite loss or gradient norm stops with MOE6531 before any
 * update is applied, so the last checkpoint stays a good one.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pointLatestAt, writeCheckpoint } from '../checkpoint/index.js';
import { createDiagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { appendMetrics, METRICS_FILE, truncateMetrics, type StepMetrics } from './metrics.js';
import { createProgress, type ProgressMode } from './progress.js';
import { appendRunSession } from './run-log.js';
import { createSchedule } from './schedule.js';
import { createSession, type Session, type SessionOptions, type TrainerState } from './session.js';
import { heldOutLoss } from './eval-loss.js';
import { trainStep } from './train-step.js';
import { VERSION } from '../version.js';
import { describeArchitecture } from '../ir/architecture.js';
import { adapterRecord } from './adapter-checkpoint.js';
import { describeTrainable } from './trainable-summary.js';
import { writeRunAdapter } from './peft-export.js';
import { lockDirectory } from '../io/dir-lock.js';

export interface TrainOptions extends SessionOptions {
  specFile: string;
  checkpointEvery?: number;
  /** Keep only the newest N checkpoints (0: all). */
  keep?: number;
  /** With a held-out split: evaluate every this many steps (default: checkpoint_every). */
  evalEvery?: number;
  progress?: ProgressMode;
  /** Abort between steps (SIGINT). */
  signal?: AbortSignal;
  /** Called after each step's metrics are written. */
  onStep?: (m: StepMetrics) => void;
  /** Called once before the first step with the run-log line (backend, spec hash, data) and the setup's warnings. */
  onStart?: (line: string, warnings: readonly Diagnostic[]) => void;
  argv?: string[];
}

export type TrainStatus = 'completed' | 'interrupted' | 'diverged' | 'failed';

export interface TrainOutcome {
  status: TrainStatus;
  /** Optimizer steps done when the loop stopped. */
  step: number;
  lastCheckpoint?: number;
  /** Loss of each step this session ran. */
  losses: number[];
  backend?: string;
  diagnostics: Diagnostic[];
}

const LOSS_TAIL = 100;

function saveCheckpoint(o: TrainOptions, s: Session, step: number): Diagnostic[] {
  const state: TrainerState = {
    step,
    totalSteps: s.totalSteps,
    seed: s.seed,
    tokens: s.tokens,
    data: s.sampler.state(),
    dataFingerprint: s.corpus.fingerprint,
    lossTail: s.lossTail.slice(-LOSS_TAIL),
    ...(s.evalSplit !== undefined ? { evalSplit: s.evalSplit } : {}),
    base: s.base,
    ...(s.lora ? { lora: adapterRecord(s.lora.lora) } : {}),
  };
  const r = writeCheckpoint(o.outDir, {
    step,
    specHash: o.ir.specHash,
    architecture: { hash: o.ir.architectureHash, description: describeArchitecture(o.ir) },
    tokenizer: s.tokenizer,
    // A LoRA run stores its adapters; the frozen base stays where state.json's `base` says.
    weights: s.lora?.adapters ?? s.model.variables,
    optimizer: s.optimizer.snapshot(),
    state,
    keep: o.keep,
  });
  return r.diagnostics;
}

function record(s: Session, step: number, lr: number, r: ReturnType<typeof trainStep>, seconds: number, epoch: number): StepMetrics {
  const byLayer = <T>(values: T[]): Record<string, T> => Object.fromEntries(r.stats.moeLayers.map((l, i) => [String(l), values[i]!]));
  return {
    step,
    loss: r.loss,
    ce: r.ce,
    aux_loss: r.auxLoss,
    z_loss: r.zLoss,
    lr,
    grad_norm: r.gradNorm,
    clipped: r.clipped,
    tokens: s.tokens,
    tokens_per_s: r.tokens / Math.max(seconds, 1e-9),
    step_s: seconds,
    epoch,
    expert_load: byLayer(r.stats.expertLoad),
    router_entropy: byLayer(r.stats.routerEntropy),
    dropped_fraction: byLayer(r.stats.droppedFraction),
  };
}

/** Run a write; a failure (disk full, permissions) becomes MOE9004 instead of an exception. */
function writeOrDiagnose(path: string, write: () => void): Diagnostic | undefined {
  try {
    write();
    return undefined;
  } catch (err) {
    return createDiagnostic('MOE9004', { args: { path, reason: (err as Error).message } });
  }
}

function appendSession(o: TrainOptions, s: Session): void {
  appendRunSession(
    o.outDir,
    { name: o.ir.name, spec: o.specFile, specHash: o.ir.specHash, architectureHash: o.ir.architectureHash },
    {
      backend: s.backend.kind,
      backendDetails: s.backend.details,
      ...(s.backend.threads !== undefined ? { threads: s.backend.threads } : {}),
      fromStep: s.startStep,
      totalSteps: s.totalSteps,
      seed: s.seed,
      data: s.corpus.files,
      dataTokens: s.tokenCount,
      dataFingerprint: s.corpus.fingerprint,
      argv: o.argv ?? [],
    },
  );
}

export async function runTraining(o: TrainOptions): Promise<TrainOutcome> {
  // One process per run directory (src/io/dir-lock.ts): taken before the run is inspected, so
  // two fresh runs cannot both pass the "already holds a run" check, and held to the end.
  const locked = lockDirectory(o.outDir);
  if (!locked.lock) return { status: 'failed', step: 0, losses: [], diagnostics: locked.diagnostics };
  try {
    const outcome = await runLocked(o);
    outcome.diagnostics.unshift(...locked.diagnostics);
    return outcome;
  } finally {
    locked.lock.release();
  }
}

async function runLocked(o: TrainOptions): Promise<TrainOutcome> {
  const created = await createSession(o);
  const diagnostics = created.diagnostics;
  const s = created.session;
  if (!s || hasErrors(diagnostics)) return { status: 'failed', step: 0, losses: [], diagnostics };
  // The lock created the directory; a run refused during setup (bad data, too large) removes
  // it again when the lock is released, so it leaves no directory behind.
  mkdirSync(o.outDir, { recursive: true });
  const t = o.ir.train;
  const metricsFile = join(o.outDir, METRICS_FILE);
  const setup = writeOrDiagnose(o.outDir, () => {
    if (o.resume) truncateMetrics(metricsFile, s.startStep);
    // Resuming from an earlier checkpoint branches the run there: `latest` follows at once, so an
    // interruption before the next checkpoint resumes this branch, not the abandoned steps.
    if (o.resumeFrom) pointLatestAt(o.outDir, o.resumeFrom);
    appendSession(o, s);
  });
  if (setup) {
    s.dispose();
    return { status: 'failed', step: s.startStep, losses: [], diagnostics: [...diagnostics, setup] };
  }
  const details = s.backend.details.length ? ` (${s.backend.details.join(', ')})` : '';
  o.onStart?.(
    `moec train ${VERSION}: ${o.ir.name} (spec ${o.ir.specHash.slice(0, 12)}), ${describeTrainable(o.ir, s.lora, s.base)}, ` +
      `backend ${s.backend.kind}${details}; data ${s.corpus.files.length} file(s), ${s.tokenCount.toLocaleString('en-US')} tokens` +
      (s.heldOut || s.heldOutTokens ? ` (+ ${(s.heldOut?.length ?? s.heldOutTokens ?? 0).toLocaleString('en-US')} held out for eval_loss)` : '') +
      '; ' +
      `${o.resume ? `resuming at step ${s.startStep}` : 'fresh run'} → ${s.totalSteps} steps in ${o.outDir}`,
    diagnostics,
  );
  // Without an explicit decay_steps the decay spans the run's steps, which --steps may change.
  const followsSteps = t.schedule.decaySteps === t.steps;
  const schedule = createSchedule({ optimizer: t.optimizer, schedule: { ...t.schedule, decaySteps: followsSteps ? s.totalSteps : t.schedule.decaySteps } });
  const every = o.checkpointEvery ?? t.checkpointEvery;
  const cfg = { microBatch: t.batch / t.gradAccum, gradAccum: t.gradAccum, gradClip: t.gradClip, seed: s.seed };
  const progress = createProgress(o.progress ?? 'auto', process.stderr, t.logEvery);
  const losses: number[] = [];
  let step = s.startStep;
  let lastCheckpoint: number | undefined = o.resume ? s.startStep : undefined;
  let status: TrainStatus = 'completed';
  progress.start(s.totalSteps, step);
  try {
    while (step < s.totalSteps) {
      if (o.signal?.aborted) {
        status = 'interrupted';
        break;
      }
      const began = performance.now();
      const lr = schedule(step);
      const r = trainStep(s.model, s.optimizer, s.sampler, step, lr, cfg);
      if (!Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm)) {
        const what = !Number.isFinite(r.loss) ? r.loss : `finite, but the gradient norm is ${r.gradNorm}`;
        diagnostics.push(createDiagnostic('MOE6531', { args: { value: String(what), step: step + 1 } }));
        status = 'diverged';
        break;
      }
      step += 1;
      s.tokens += r.tokens;
      s.lossTail.push(r.loss);
      if (s.lossTail.length > LOSS_TAIL) s.lossTail.shift();
      losses.push(r.loss);
      const m = record(s, step, lr, r, (performance.now() - began) / 1000, s.sampler.state().epoch);
      if ((s.heldOut || s.evaluate) && (step % (o.evalEvery ?? every) === 0 || step === s.totalSteps)) {
        const e = s.evaluate ? s.evaluate(s.model, cfg.microBatch) : heldOutLoss(s.model, s.heldOut!, t.seqLen, cfg.microBatch);
        Object.assign(m, { eval_loss: e.loss, eval_tokens: e.tokens });
      }
      const failed = writeOrDiagnose(metricsFile, () => appendMetrics(metricsFile, m));
      if (failed) {
        // A full disk: stop here; the last checkpoint is intact and the run resumes from it.
        diagnostics.push(failed);
        status = 'failed';
        break;
      }
      progress.step(m, s.totalSteps);
      o.onStep?.(m);
      // Let a pending SIGINT handler run: tf's cpu/wasm kernels are synchronous.
      await new Promise((resolve) => setImmediate(resolve));
      if (step % every === 0 || step === s.totalSteps || o.signal?.aborted) {
        const d = saveCheckpoint(o, s, step);
        diagnostics.push(...d);
        if (hasErrors(d)) {
          status = 'failed';
          break;
        }
        lastCheckpoint = step;
      }
    }
    // A LoRA run that stopped at a checkpoint leaves its adapter in the PEFT format too.
    if (s.lora && lastCheckpoint === step && step > s.startStep) diagnostics.push(...(await writeRunAdapter(o.outDir, o.ir, s.lora, s.base)));
  } finally {
    progress.stop();
    s.dispose();
  }
  if (status === 'interrupted') {
    diagnostics.push(createDiagnostic('MOE6532', { args: { step, checkpoint: lastCheckpoint ?? 'none', path: o.outDir } }));
  }
  return { status, step, lastCheckpoint, losses, backend: s.backend.kind, diagnostics };
}
