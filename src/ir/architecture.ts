/**
 * IR phase — the architecture of a model: everything in the IR that decides which weights it
 * has and what function it computes with them, and nothing else. Checkpoints record it, so a
 * checkpoint is matched to a spec by architecture, not by the whole spec: the quantization,
 * the parallel layout, the training run, the targets and the model's name may all differ
 * (train in fp32, export in int4) — docs/checkpoint.md "Matching a spec".
 *
 * The description is the IR with the fields below left out. Leaving fields out, rather than
 * listing the ones kept, makes a field added to the IR count as architecture until someone
 * decides otherwise: a new feature can refuse a checkpoint by mistake, never load one silently
 * into a different function.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './spec-hash.js';
import type { ModelIR } from './types.js';

/**
 * ModelIR fields that do not change the function: provenance (name, hashes), the maximum
 * sequence length (a serving choice: positions below it compute the same), the layout, the
 * training run, storage quantization, and the tensor list (compared name by name instead, so
 * the first differing tensor is what gets named).
 */
const NOT_ARCHITECTURE_MODEL = new Set(['name', 'specHash', 'architectureHash', 'context', 'parallel', 'train', 'quantize', 'tensors']);
/** Per layer: where the layer is placed. */
const NOT_ARCHITECTURE_LAYER = new Set(['stage']);
/**
 * Router fields that act only while training (docs/semantics.md: capacity and dropping,
 * jitter, the balance losses and the bias-update rate; the routing bias itself is a tensor).
 */
const TRAINING_ONLY_ROUTER = new Set(['capacityFactor', 'overflow', 'dropPolicy', 'jitter', 'auxLoss', 'auxLossType', 'zLoss', 'biasUpdate']);

export type Architecture = Record<string, unknown>;

function layerArchitecture(layer: ModelIR['layers'][number]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(layer)) {
    if (NOT_ARCHITECTURE_LAYER.has(k)) continue;
    if (k === 'ffn' && v && typeof v === 'object' && (v as { kind?: string }).kind === 'moe') {
      const { router, ...rest } = v as { router: Record<string, unknown> };
      const kept = Object.fromEntries(Object.entries(router).filter(([rk]) => !TRAINING_ONLY_ROUTER.has(rk)));
      out.ffn = { ...rest, router: { ...kept, scoreBias: (router.biasUpdate as number) > 0 } };
    } else {
      out[k] = v;
    }
  }
  return out;
}

/** The architecture of `ir` as a plain JSON-serializable object (key order irrelevant). */
export function describeArchitecture(ir: Omit<ModelIR, 'architectureHash'>): Architecture {
  const out: Architecture = {};
  for (const [k, v] of Object.entries(ir)) {
    if (NOT_ARCHITECTURE_MODEL.has(k)) continue;
    out[k] = k === 'layers' || k === 'mtpLayers' ? (v as ModelIR['layers']).map(layerArchitecture) : v;
  }
  return out;
}

/** sha256 (hex) of the canonical JSON of the architecture. */
export function architectureHash(ir: Omit<ModelIR, 'architectureHash'>): string {
  return createHash('sha256').update(canonicalJson(describeArchitecture(ir))).digest('hex');
}

export interface ArchitectureDifference {
  /** Dotted path of the first differing field, e.g. `layers[3].attention.rope.theta`. */
  path: string;
  found: string;
  expected: string;
}

const show = (v: unknown): string => (v === undefined ? 'absent' : typeof v === 'object' ? canonicalJson(v) : String(v));

/**
 * The first field (in a deterministic walk: keys sorted, arrays in order) where the checkpoint's
 * architecture `found` differs from the spec's `expected`; undefined when they are equal.
 */
export function firstArchitectureDifference(found: unknown, expected: unknown, path = ''): ArchitectureDifference | undefined {
  if (canonicalJson(found) === canonicalJson(expected)) return undefined;
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (Array.isArray(found) && Array.isArray(expected)) {
    if (found.length !== expected.length) return { path: `${path || 'model'} (count)`, found: String(found.length), expected: String(expected.length) };
    for (let i = 0; i < found.length; i++) {
      const d = firstArchitectureDifference(found[i], expected[i], `${path}[${i}]`);
      if (d) return d;
    }
  }
  if (isObj(found) && isObj(expected)) {
    const keys = [...new Set([...Object.keys(found), ...Object.keys(expected)])].sort();
    for (const k of keys) {
      const d = firstArchitectureDifference(found[k], expected[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
  }
  return { path: path || 'model', found: show(found), expected: show(expected) };
}
