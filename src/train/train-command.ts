/**
 * CLI (`moec train`): load the spec through the pipeline (same diagnostics as `moec check`),
 * run the training loop, render diagnostics, and map the outcome to an exit code — 0 done,
 * 1 errors or divergence, 2 usage (a missing spec or run directory), 130 interrupted. SIGINT/SIGTERM once: finish the step in flight,
 * write a checkpoint, exit; twice: leave at once (checkpoints are atomic, so the last one is
 * intact either way).
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { TrainCommandOptions } from '../cli/commands/train.js';
import { writeDiagnostics } from '../cli/render/pretty.js';
import { EXIT_ERRORS, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, exitCodeFor } from '../cli/exit-codes.js';
import { createDiagnostic, hasErrors, sortDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.js';
import { checkThreads, releaseBackend } from '../lower/tfjs/backend.js';
import { loadModel } from '../pipeline.js';
import { spanAt } from '../spec/spans.js';
import { escapeControls } from '../io/escape-text.js';
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


/**
 * Why a model name cannot be the directory runs/<name>, or undefined when it can. The name comes
 * from the spec: `"../../x"` must not choose a directory outside runs/.
 */
export function unsafeDirName(name: string): string | undefined {
  if (name === '' || name === '.' || name === '..') return 'it is not a directory name';
  if (/[/\\]/.test(name)) return 'it contains a path separator';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it contains control characters';
  if (Buffer.byteLength(name) > 255) return 'it is longer than a file name may be';
  return undefined;
}

function report(diagnostics: Diagnostic[], sources: Map<string, string>): void {
  if (diagnostics.length) writeDiagnostics(process.stderr, sortDiagnostics(diagnostics), sources);
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
    process.stderr.write(`error: moec train needs a spec: ${escapeControls(why)}\n`);
    return EXIT_USAGE;
  }
  if (located && options.output && resolve(options.output) !== resolve(located.runDir)) {
    process.stderr.write('error: --resume continues the run in its own directory; drop --output (or make it the same directory)\n');
    return EXIT_USAGE;
  }
  const loaded = loadModel(spec, { memoryFit: false, targets: ['tfjs'] });
  // A bad --threads is reported with the spec's errors, before anything starts.
  const badThreads = checkThreads(options.threads);
  if (!loaded.ir || hasErrors(loaded.diagnostics) || badThreads.length) {
    const all = [...loaded.diagnostics, ...badThreads];
    report(all, loaded.sources);
    return exitCodeFor(all);
  }
  if (options.resume && !existsSync(options.resume)) {
    report([createDiagnostic('MOE9001', { args: { path: options.resume }, hint: 'pass the run directory of an earlier `moec train` (or one of its checkpoints/step-* directories)' })], loaded.sources);
    return EXIT_USAGE;
  }
  const named = located?.runDir ?? options.output;
  const unsafe = named === undefined ? unsafeDirName(loaded.ir.name) : undefined;
  if (unsafe) {
    report([createDiagnostic('MOE6564', { span: spanAt(loaded.spans, '/name', 'value'), args: { name: loaded.ir.name, reason: unsafe } })], loaded.sources);
    return 1;
  }
  const outDir = named ?? join('runs', loaded.ir.name);

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
      initFrom: options.initFrom,
      // --tokenizer as given (relative to the working directory); train.tokenizer relative to the spec.
      tokenizer: options.tokenizer ?? (loaded.ir.train.tokenizer !== undefined ? resolve(dirname(resolve(spec)), loaded.ir.train.tokenizer) : undefined),
      steps: options.steps,
      seed: options.seed,
      backend: options.backend,
      threads: options.threads,
      backendFallback: options.backendFallback,
      checkpointEvery: options.checkpointEvery,
      keep: options.keep,
      evalSplit: options.evalSplit,
      evalEvery: options.evalEvery,
      progress: options.progress === 'none' ? 'silent' : options.progress,
      signal: controller.signal,
      argv: process.argv.slice(2),
      onStart: (info, warnings) => {
        // Warnings (precision, backend fallback) belong before a long run, not after it.
        const early = [...loaded.diagnostics, ...warnings];
        early.forEach((d) => shown.add(d));
        report(early, loaded.sources);
        process.stderr.write(escapeControls(info) + '\n');
      },
    });
    report([...loaded.diagnostics, ...out.diagnostics].filter((d) => !shown.has(d)), loaded.sources);
    if (out.status === 'failed') return Math.max(EXIT_ERRORS, exitCodeFor(out.diagnostics));
    const first = out.losses[0];
    const last = out.losses[out.losses.length - 1];
    const seconds = ((Date.now() - began) / 1000).toFixed(1);
    const [name, shownDir] = [escapeControls(loaded.ir.name), escapeControls(outDir)];
    if (first !== undefined && last !== undefined) {
      process.stdout.write(
        `${name}: step ${out.step} on ${out.backend}, loss ${first.toFixed(4)} → ${last.toFixed(4)} in ${seconds} s; ` +
          `checkpoint step ${out.lastCheckpoint ?? 'none'} in ${shownDir}\n  view: moec report ${shownDir}\n`,
      );
    } else process.stdout.write(`${name}: nothing to do, ${shownDir} is already at step ${out.step}\n`);
    if (out.status === 'interrupted') return EXIT_INTERRUPTED;
    return out.status === 'diverged' ? EXIT_ERRORS : EXIT_OK;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    releaseBackend();
  }
}
