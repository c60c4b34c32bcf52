/**
 * Generates the tables of docs/hf.md from the bridge's own data, so the page cannot drift from
 * the code: per model_type, the spec key each config field becomes (read from importing the
 * configuration class's defaults), the fields read and their defaults, and the checkpoint key
 * table (HF key ↔ IR name, transform); the refused model_types; the fields that do not change
 * the function. Run by hf-docs.test.ts; `UPDATE=1` rewrites the marked blocks.
 */
import { NOT_ARCHITECTURE } from '../../../src/interop/hf/codecs/metadata.js';
import { importConfigObject } from '../../../src/interop/hf/import-config.js';
import type { KeyRow } from '../../../src/interop/hf/keys/key-row.js';
import type { HfModelType } from '../../../src/interop/hf/model-type.js';
import { HF_MODEL_TYPES, REFUSED_MODEL_TYPES } from '../../../src/interop/hf/types/index.js';
import { primaryField } from '../../../src/spec/types.js';

/** Fields without a class default that the synthetic config needs. */
/** Fields the synthetic config needs: deepseek_v2 has no class default for num_experts_per_tok; glm4_moe's
 *  class default head (4096 // 96 = 42) gives int(42 × 0.5) = 21 rotary channels, which moec refuses
 *  (MOE7200), while every GLM-4.5 config states head_dim 128. */
const REQUIRED: Record<string, Record<string, unknown>> = { deepseek_v2: { num_experts_per_tok: 6 }, glm4_moe: { head_dim: 128 } };

const cell = (s: string) => s.replace(/\|/g, '\\|');

function specKey(pointer: string): string {
  const parts = pointer.slice(1).split('/');
  const parent = parts.slice(0, -1);
  return primaryField(parent) === parts[parts.length - 1] ? `${parent.join('.')} (value)` : parts.join('.');
}

function transform(r: KeyRow): string {
  const t = r.transform;
  if (t.kind === 'copy') return 'copy';
  if (t.kind === 'linear') return t.rope ? `transpose, rope rows (${t.rope})` : 'transpose';
  if (t.flat) return `fused linear, ${t.part}, transpose`;
  return `expert slice, ${t.part}${t.transpose ? ', transpose' : ''}${t.mxfp4 ? ', MXFP4 `_blocks`/`_scales`' : ''}`;
}

/** The class's attribute_map: a field stated under its other name is read as the field. */
function aliasLine(t: HfModelType): string[] {
  const aliases = Object.entries(t.aliases ?? {});
  if (!aliases.length) return [];
  return [`Also read under transformers' \`attribute_map\` names (both names with different values is MOE7002): ${aliases.map(([a, f]) => `\`${a}\` = \`${f}\``).join(', ')}.`, ''];
}

function typeSection(t: HfModelType): string[] {
  const config = { model_type: t.modelType, ...t.defaults, ...(REQUIRED[t.modelType] ?? {}) };
  const r = importConfigObject(`${t.modelType} defaults`, config as never);
  if (!r.value) throw new Error(`${t.modelType} defaults do not import: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  const rows = [...r.value.draft.comments].map(([ptr, from]) => `| \`${specKey(ptr)}\` | ${cell(from)} |`);
  const fields = [...new Set(t.codecs.flatMap((c) => c.fields))].sort();
  const defaults = Object.entries(t.defaults).map(([k, v]) => `\`${k}\` ${JSON.stringify(v)}`).join(', ');
  const keys = t.keys({ ropeInterleave: true }).map((k) => `| \`${k.hf}\` | \`${k.ir}\` | ${transform(k)} |`);
  return [
    `### ${t.modelType} (${t.architecture})`,
    '',
    `transformers: ${t.source}. Fields read: ${fields.map((f) => `\`${f}\``).join(', ')}.`,
    '',
    `Class defaults applied when a field is absent: ${defaults}.`,
    '',
    ...aliasLine(t),
    'Spec key ← config field, as the defaults above import:',
    '',
    '| spec key | from |',
    '|---|---|',
    ...rows,
    '',
    'Checkpoint keys (the first row of an IR name is what export writes; later rows are other layouts import reads):',
    '',
    '| Hugging Face key | IR tensor | transform |',
    '|---|---|---|',
    ...keys,
    '',
  ];
}

export function generateHfTables(): Record<string, string> {
  return {
    types: HF_MODEL_TYPES.flatMap(typeSection).join('\n'),
    refused: ['| model_type | why |', '|---|---|', ...Object.entries(REFUSED_MODEL_TYPES).map(([k, v]) => `| \`${k}\` | ${cell(v)} |`)].join('\n'),
    ignored: ['| field | why it is not in the spec |', '|---|---|', ...Object.entries(NOT_ARCHITECTURE).map(([k, v]) => `| \`${k}\` | ${cell(v)} |`)].join('\n'),
  };
}
