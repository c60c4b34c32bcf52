/**
 * The compiler's phases wired together, gated as STYLE.md describes:
 *   read + parse (+ imports)  →  schema + semantic validation  →  resolved IR  →  analyses
 * A phase runs only when the one before it produced no errors. Every command goes through
 * here, so `moec check`, `explain`, `compile` and `train` report the same diagnostics.
 */
import type { Diagnostic } from './diagnostics/diagnostic.js';
import { hasErrors } from './diagnostics/diagnostic.js';
import { appendAll, capDiagnostics } from './diagnostics/limit.js';
import type { ModelSpec, Target } from './spec/types.js';
import type { SpanMap } from './spec/spans.js';
import type { Sources } from './spec/source.js';
import type { ModelIR } from './ir/types.js';
import { readSpecFile, type ReadSpecResult } from './spec/read-spec-file.js';
import { validateSpec } from './validate/validate-spec.js';
import { buildIR } from './ir/build-ir.js';
import { checkMemoryFit } from './analysis/memory-fit.js';
import { specHash } from './ir/spec-hash.js';
import { QUANTIZE_OPTION_FILE, type QuantizeOption } from './spec/quantize-option.js';

export interface LoadedSpec {
  file: string;
  /** Present when the spec parsed and validated without errors. */
  spec?: ModelSpec;
  spans: SpanMap;
  sources: Sources;
  diagnostics: Diagnostic[];
  /** Hash of the spec as the file states it (before a `--quantize` override): provenance. */
  fileSpecHash?: string;
}

export interface LoadedModel extends LoadedSpec {
  /** Present when the spec is valid. */
  ir?: ModelIR;
}

export interface LoadSpecOptions {
  /** Imports may not escape this directory (default: the spec file's own directory). */
  root?: string;
  /** The file already read by readSpecFile (callers that looked at it first need not parse twice). */
  parsed?: ReadSpecResult;
  /** The targets the command compiles to (target-specific rules run for these; default: the spec's `targets`). */
  targets?: readonly Target[];
  /**
   * `--quantize`: replaces the spec's whole `quantize` block for this command. Its values are
   * checked by the same rules, reported at the option text.
   */
  quantize?: QuantizeOption;
}

/** Parse and validate one spec file (`.moe`, `.moe.json`, `.moe.yaml`). */
export function loadSpec(file: string, sources: Sources = new Map(), options: LoadSpecOptions = {}): LoadedSpec {
  const parsed = options.parsed ?? readSpecFile(file, sources, { root: options.root });
  const diagnostics = [...parsed.diagnostics];
  if (parsed.spec === undefined || hasErrors(diagnostics)) {
    return { file, spans: parsed.spans, sources, diagnostics: capDiagnostics(diagnostics, file) };
  }
  // Provenance with --quantize: the spec as the file states it (the IR hashes the one compiled).
  const fileSpecHash = options.quantize ? specHash(parsed.spec) : undefined;
  const { spec, spans } = options.quantize ? withQuantize(parsed.spec, parsed.spans, options.quantize, sources) : parsed;
  const validated = validateSpec(spec, spans, { targets: options.targets });
  appendAll(diagnostics, validated.diagnostics);
  const result: LoadedSpec = { file, spans, sources, diagnostics: capDiagnostics(diagnostics, file), fileSpecHash };
  if (validated.spec && !hasErrors(diagnostics)) result.spec = validated.spec;
  return result;
}

/** The spec with its `quantize` block replaced by the option's (spans point into the option). */
function withQuantize(spec: unknown, spans: SpanMap, option: QuantizeOption, sources: Sources): { spec: unknown; spans: SpanMap } {
  sources.set(QUANTIZE_OPTION_FILE, option.text);
  const merged: SpanMap = new Map([...spans].filter(([ptr]) => ptr !== '/quantize' && !ptr.startsWith('/quantize/')));
  for (const [ptr, s] of option.spans) merged.set(ptr, s);
  return { spec: { ...(spec as object), quantize: option.quantize }, spans: merged };
}

export interface LoadModelOptions extends LoadSpecOptions {
  /** Run the per-device memory-fit analysis (on by default: CI should catch a layout that cannot fit). */
  memoryFit?: boolean;
}

/** Parse, validate and resolve a spec to the IR, with the analyses `moec check` runs. */
export function loadModel(file: string, options: LoadModelOptions = {}, sources: Sources = new Map()): LoadedModel {
  const loaded: LoadedModel = loadSpec(file, sources, options);
  if (!loaded.spec) return loaded;
  const built = buildIR(loaded.spec, loaded.spans);
  appendAll(loaded.diagnostics, built.diagnostics);
  if (hasErrors(built.diagnostics)) return loaded;
  loaded.ir = built.value;
  // With --quantize the IR's spec is not the file's; provenance names the file's spec.
  if (options.quantize && loaded.fileSpecHash) loaded.ir.specHash = loaded.fileSpecHash;
  if (options.memoryFit !== false) appendAll(loaded.diagnostics, checkMemoryFit(built.value, loaded.spans));
  return loaded;
}
