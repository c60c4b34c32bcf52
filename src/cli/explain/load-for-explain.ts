/**
 * CLI (`moec explain`): load a spec for explaining. Explain describes the model first and the
 * training run second, so errors confined to the `train` block (a warmup longer than the run, a
 * batch that does not split into micro-batches) must not hide the parameter counts: when the
 * full spec fails but the spec without `train` validates and resolves, that IR is explained and
 * the figures that depend on the training settings (memory plan, communication, per-step
 * FLOPs) are left out. Every diagnostic of the full spec is still reported.
 */
import { hasErrors } from '../../diagnostics/diagnostic.js';
import type { ModelIR } from '../../ir/types.js';
import { loadModel, type LoadedModel } from '../../pipeline.js';
import { readSpecFile } from '../../spec/read-spec-file.js';
import type { Sources } from '../../spec/source.js';

export interface ExplainInput {
  /** The full spec as every other command loads it (its diagnostics are the ones to print). */
  loaded: LoadedModel;
  /** What to explain: the full IR, or the IR without the training settings. */
  ir?: ModelIR;
  /** True when `ir` was resolved without the spec's (invalid) `train` block. */
  withoutTraining: boolean;
}

export function loadForExplain(file: string): ExplainInput {
  const sources: Sources = new Map();
  const parsed = readSpecFile(file, sources);
  const loaded = loadModel(file, { parsed }, sources);
  const spec = parsed.spec as Record<string, unknown> | undefined;
  if (loaded.ir || !spec || typeof spec !== 'object' || spec.train === undefined || hasErrors(parsed.diagnostics)) {
    return { loaded, ir: loaded.ir, withoutTraining: false };
  }
  const { train: _train, ...architecture } = spec;
  const bare = loadModel(file, { parsed: { ...parsed, spec: architecture }, memoryFit: false }, new Map(sources));
  if (!bare.ir || hasErrors(bare.diagnostics)) return { loaded, withoutTraining: false };
  return { loaded, ir: bare.ir, withoutTraining: true };
}
