/**
 * CLI (`moec train`): load the spec through the pipeline (same diagnostics as `moec check`),
 * run the training loop, render diagnostics, and map the outcome to an exit code — 0 done,
 * 1 errors or divergence, 130 interrupted. SIGINT/SIGTERM once: finish the step in flight,
 * write a checkpoint, exit; twice: leave at once (checkpoints are atomic, so the last one is
 * intact either way).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { TrainCommandOptions } from '../cli/commands/train.js';
import { renderPretty } from '../cli/render/pretty.js';
import { createDiagnostic, hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { checkThreads, releaseBackend } from '../lower/tfjs/backend.js';
import { loadModel } from '../pipeline.js';
import { runTraining } from './loop.js';
import { readRunLog } from './run-log.js';

/**
 * `--resume` takes a run directory or one of its `checkpoints/step-*` directories (the way to
 * go back to an earlier checkpoint). Either way the run continues in the run directory: a
 * checkpoint directory is never a place to write a run into.
 */
function locateResume(path: string): { runDir: string; from?: string } {
  const dir = resolve(path);
  if (existsSync(join(dir, 'manifest.json')) && basename(dirname(dir)) === 'checkpoints') {
    const runDir = dirname(dirname(dir));
    // join keeps the user's spelling (a relative path stays relative) for messages.
    if (existsSync(join(runDir, 'run.json')) || existsSync(join(runDir, 'latest'))) return { runDir: join(path, '..', '..'), from: path };
  }
  return { runDir: path };
}

const EXIT_INTERRUPTED = 130;

function report(diagnostics: Diagnostic[], sources: Map<string, string>): void {
  if (diagnostics.length) process.stderr.write(renderPretty(sortDiagnostics(diagnostics), sources));
}

export async function runTrainCommand(specArg: string | undefined, options: TrainCommandOptions): Promise<number> {
  const located = options.resume !== undefined ? locateResume(options.resume) : undefined;
  let spec = specArg;
  if (!spec && located) spec = readRunLog(located.runDir)?.spec;
  if (!spec) {
    const why = !options.resume
      ? 'pass a spec file, or --resume <run dir>'
      : existsSync(options.resume)
        ? `${options.resume} has no run.json naming its spec; pass the spec`
        : `no such run directory: ${options.resume}`;
    process.stderr.write(`error: moec train needs a spec: ${why}\n`);
    return 2;
  }
  if (located && options.out && resolve(options.out) !== resolve(located.runDir)) {
    process.stderr.write('error: --resume continues the run in its own directory; drop --out (or make it the same directory)\n');
    return 2;
  }
  const loaded = loadModel(spec, { memoryFit: false, targets: ['tfjs'] });
  // A bad --threads is reported with the spec's errors, before anything starts.
  const badThreads = checkThreads(options.threads);
  if (!loaded.ir || hasErrors(loaded.diagnostics) || badThreads.length) {
    report([...loaded.diagnostics, ...badThreads], loaded.sources);
    return 1;
  }
  if (options.resume && !existsSync(options.resume)) {
    report([createDiagnostic('MOE6500', { args: { path: options.resume, reason: 'no such directory' } })], loaded.sources);
    return 1;
  }
  const outDir = located?.runDir ?? options.out ?? join('runs', loaded.ir.name);

  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) {
      process.stderr.write('\nmoec train: abandoning the step; the last checkpoint is intact\n');
      process.exit(EXIT_INTERRUPTED);
    }
    process.stderr.write('\nmoec train: finishing this step and writing a checkpoint (Ctrl-C again to leave now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const began = Date.now();
  const shown = new Set<Diagnostic>();
  try {
    const out = await runTraining({
      ir: loaded.ir,
      spans: loaded.spans,
      // Absolute, so `moec train --resume` finds the spec from any working directory.
      specFile: resolve(spec),
      outDir,
      resume: options.resume !== undefined,
      resumeFrom: located?.from,
      data: options.data,
      steps: options.steps,
      seed: options.seed,
      backend: options.backend,
      threads: options.threads,
      backendFallback: options.backendFallback,
      checkpointEvery: options.checkpointEvery,
      keep: options.keep,
      progress: options.progress === 'none' ? 'silent' : options.progress,
      signal: controller.signal,
      argv: process.argv.slice(2),
      onStart: (info, warnings) => {
        // Warnings (precision, backend fallback) belong before a long run, not after it.
        const early = [...loaded.diagnostics, ...warnings];
        early.forEach((d) => shown.add(d));
        report(early, loaded.sources);
        process.stderr.write(info + '\n');
      },
    });
    report([...loaded.diagnostics, ...out.diagnostics].filter((d) => !shown.has(d)), loaded.sources);
    if (out.status === 'failed') return 1;
    const first = out.losses[0];
    const last = out.losses[out.losses.length - 1];
    const seconds = ((Date.now() - began) / 1000).toFixed(1);
    if (first !== undefined && last !== undefined) {
      process.stdout.write(
        `${loaded.ir.name}: step ${out.step} on ${out.backend}, loss ${first.toFixed(4)} → ${last.toFixed(4)} in ${seconds} s; ` +
          `checkpoint step ${out.lastCheckpoint ?? 'none'} in ${outDir}\n  view: moec report ${outDir}\n`,
      );
    } else process.stdout.write(`${loaded.ir.name}: nothing to do, ${outDir} is already at step ${out.step}\n`);
    if (out.status === 'interrupted') return EXIT_INTERRUPTED;
    return out.status === 'diverged' ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    releaseBackend();
  }
}
