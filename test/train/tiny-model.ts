/** Test helper: the tiny spec (specs/tiny.moe) and its IR, optionally with settings overridden. */
import { buildIR } from '../../src/ir/build-ir.js';
import type { ModelIR } from '../../src/ir/types.js';
import { loadSpec } from '../../src/pipeline.js';
import type { ModelSpec } from '../../src/spec/types.js';

export const TINY_SPEC = 'specs/tiny.moe';

/** specs/tiny.moe as a spec object (the parser's output), a fresh copy for overrides. */
export async function tinySpec(): Promise<ModelSpec> {
  const loaded = loadSpec(TINY_SPEC);
  if (!loaded.spec) throw new Error('specs/tiny.moe did not load: ' + JSON.stringify(loaded.diagnostics));
  return structuredClone(loaded.spec);
}

/** The tiny spec's IR after `edit` (the spec hash follows the edits, as it would for a file). */
export async function buildTinyIR(edit?: (spec: ModelSpec) => void): Promise<ModelIR> {
  const spec = await tinySpec();
  edit?.(spec);
  const built = buildIR(spec, new Map());
  if (!built.value) throw new Error(JSON.stringify(built.diagnostics));
  return built.value;
}
