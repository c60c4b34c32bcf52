/**
 * HF bridge (weights in) — the checkpoint tensors the read plan did not use. Each is an error
 * (MOE7102: the model has a part the spec lacks, and loading without it would compute another
 * function), except what transformers itself skips, noted once per reason (MOE7104): DeepSeek's
 * copies of the embedding and LM head in its MTP layers, MTP layers a spec does not have, stored
 * RoPE frequencies, and a stored LM head when the embeddings are tied.
 */
import { createDiagnostic, type Diagnostic } from '../../../diagnostics/diagnostic.js';
import type { ModelIR } from '../../../ir/types.js';
import { irMatcher } from '../keys/key-row.js';
import { MTP_COPIES } from '../keys/tables.js';
import type { Checkpoint } from './plan.js';

/** Checkpoint tensors no IR tensor used: errors, except DeepSeek MTP copies, unused MTP layers and rotary buffers. */
export function leftovers(ir: ModelIR, ckpt: Checkpoint, used: Set<string>): Diagnostic[] {
  const L = ir.layers.length;
  const copies = MTP_COPIES.map((p) => irMatcher(p.replace('{m}', '{i}')));
  const notes = new Map<string, string[]>();
  const note = (why: string, key: string) => notes.set(why, [...(notes.get(why) ?? []), key]);
  const extra: string[] = [];
  for (const key of ckpt.keys()) {
    if (used.has(key)) continue;
    const layer = /^model\.layers\.(\d+)\./.exec(key);
    if (copies.some((m) => m(key)) && layer && Number(layer[1]) >= L) note('DeepSeek-V3 and GLM-4.5 store copies of the embedding and LM head in each MTP layer; moec shares the main ones', key);
    else if (layer && Number(layer[1]) >= L + ir.mtpDepth) note(`layers from ${L + ir.mtpDepth} are multi-token-prediction modules the spec does not have (transformers skips them too)`, key);
    else if (/\.rotary_emb\.inv_freq$/.test(key)) note('RoPE frequencies are recomputed from the config', key);
    else if (key === 'lm_head.weight' && ir.tieEmbeddings) note('the embeddings are tied, so transformers ignores a stored LM head', key);
    else extra.push(key);
  }
  const out: Diagnostic[] = [];
  if (extra.length) out.push(createDiagnostic('MOE7102', { args: { path: ckpt.path, count: extra.length, key: extra[0]! } }));
  for (const [why, keys] of notes) out.push(createDiagnostic('MOE7104', { args: { path: ckpt.path, count: keys.length, key: keys[0]!, why } }));
  return out;
}
