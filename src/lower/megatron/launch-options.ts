/**
 * Megatron-Core target — the launch settings a spec does not state (cluster shape, data,
 * tokenizer, checkpoints, dispatcher): the spec's `megatron { … }` block, overridden key by key
 * by `--megatron key=value` on the command line, with the documented defaults filled in.
 * `--mock-data` when no data is given, so an emitted script smoke-tests as it is.
 */
import { createDiagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { MEGATRON_TOKENIZERS, type MegatronSpec, type MegatronTokenizer } from '../../spec/types.js';

export interface LaunchOptions {
  nodes: number;
  gpusPerNode: number;
  /** Empty: `--mock-data`. */
  data: string[];
  split: string;
  tokenizer: MegatronTokenizer;
  tokenizerModel?: string;
  save?: string;
  load?: string;
  dispatcher: 'allgather' | 'alltoall' | 'flex';
  flexBackend?: 'deepep' | 'hybridep' | 'ncclep';
  groupedGemm: boolean;
  mtpLossScale: number;
  fsdp: 'megatron' | 'torch';
}

export const DEFAULT_SPLIT = '969,30,1';

/** The most GPUs per node (at most `limit`) that split `world` into whole nodes. */
function largestDivisorUpTo(world: number, limit: number): number {
  for (let d = Math.min(limit, world); d > 1; d--) if (world % d === 0) return d;
  return 1;
}

/** The defaults of docs/megatron.md §Launch settings. */
export function resolveLaunchOptions(block: MegatronSpec | undefined, world: number): LaunchOptions {
  const b = block ?? {};
  const gpusPerNode = b.gpus_per_node ?? (b.nodes !== undefined && world % b.nodes === 0 ? world / b.nodes : largestDivisorUpTo(world, 8));
  const o: LaunchOptions = {
    nodes: b.nodes ?? Math.max(1, Math.ceil(world / gpusPerNode)),
    gpusPerNode,
    data: b.data ?? [],
    split: b.split ?? DEFAULT_SPLIT,
    tokenizer: b.tokenizer ?? 'NullTokenizer',
    dispatcher: b.dispatcher ?? 'alltoall',
    groupedGemm: b.grouped_gemm ?? true,
    mtpLossScale: b.mtp_loss_scale ?? 0.1,
    fsdp: b.fsdp ?? 'megatron',
  };
  if (b.tokenizer_model !== undefined) o.tokenizerModel = b.tokenizer_model;
  if (b.save !== undefined) o.save = b.save;
  if (b.load !== undefined) o.load = b.load;
  if (b.flex_backend !== undefined) o.flexBackend = b.flex_backend;
  return o;
}

type Parse = (text: string) => unknown;
const wholeNumber: Parse = (t) => (/^\d+$/.test(t) && Number(t) >= 1 ? Number(t) : undefined);
const text: Parse = (t) => (t.length ? t : undefined);
const oneOf = (values: readonly string[]): Parse => (t) => (values.includes(t) ? t : undefined);
const KEYS: Record<keyof MegatronSpec, { parse: Parse; expect: string }> = {
  nodes: { parse: wholeNumber, expect: 'a whole number ≥ 1' },
  gpus_per_node: { parse: wholeNumber, expect: 'a whole number ≥ 1' },
  // Comma-separated on the command line: `data=0.7,corpus_a,0.3,corpus_b`.
  data: { parse: (t) => (t.length && t.split(',').every(Boolean) ? t.split(',') : undefined), expect: 'comma-separated --data-path items' },
  split: { parse: text, expect: 'e.g. 969,30,1' },
  tokenizer: { parse: oneOf(MEGATRON_TOKENIZERS), expect: `one of ${MEGATRON_TOKENIZERS.join(', ')}` },
  tokenizer_model: { parse: text, expect: 'a Hugging Face id or a file' },
  save: { parse: text, expect: 'a directory' },
  load: { parse: text, expect: 'a directory' },
  dispatcher: { parse: oneOf(['allgather', 'alltoall', 'flex']), expect: 'allgather, alltoall or flex' },
  flex_backend: { parse: oneOf(['deepep', 'hybridep', 'ncclep']), expect: 'deepep, hybridep or ncclep' },
  grouped_gemm: { parse: (t) => (t === 'true' ? true : t === 'false' ? false : undefined), expect: 'true or false' },
  mtp_loss_scale: { parse: (t) => (/^\d*\.?\d+(e-?\d+)?$/i.test(t) ? Number(t) : undefined), expect: 'a number ≥ 0' },
  fsdp: { parse: oneOf(['megatron', 'torch']), expect: 'megatron or torch' },
};

/** `--megatron key=value` pairs laid over the spec's block; each bad pair is an MOE8203. */
export function applyCliSettings(block: MegatronSpec | undefined, pairs: readonly string[]): { block: MegatronSpec; diagnostics: Diagnostic[] } {
  const out: Record<string, unknown> = { ...(block ?? {}) };
  const diagnostics: Diagnostic[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const entry = (KEYS as Record<string, { parse: Parse; expect: string }>)[key];
    if (eq < 0 || !entry) {
      const why = entry ? 'missing =value' : `unknown key \`${key}\`; keys: ${Object.keys(KEYS).join(', ')}`;
      diagnostics.push(createDiagnostic('MOE8203', { args: { pair, why } }));
      continue;
    }
    const value = entry.parse(pair.slice(eq + 1));
    if (value === undefined) diagnostics.push(createDiagnostic('MOE8203', { args: { pair, why: `expected ${entry.expect}` } }));
    else out[key] = value;
  }
  return { block: out as MegatronSpec, diagnostics };
}
