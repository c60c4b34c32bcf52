/**
 * Megatron-Core target — the two small languages Megatron reads per-layer facts from, written
 * compactly so a 61-layer model stays one readable line:
 *
 * - list expressions (`--moe-layer-freq`, `--window-attn-skip-freq`): a Python list built from
 *   `[a,b]`, `+` and `*n` — the only characters `_eval_pattern` accepts (arguments.py:244).
 *   `[0]*3+[1]*58` is DeepSeek-V3's MoE pattern as Megatron's own recipe writes it.
 * - the pipeline layout (`--pipeline-model-parallel-layout`): stages split by `|`, `E` the
 *   embedding, `t` a decoder layer, `m` an MTP layer, `L` the loss; `x*n` and `(…)*n` repeat
 *   (PipelineParallelLayerLayout.parse_str_to_list, pipeline_parallel_layer_layout.py:283).
 */

/** `[v]*n` runs joined by `+`; single elements merge into one literal, e.g. `[1,0,1]+[0]*5`. */
function runs(values: readonly number[]): string {
  const parts: string[] = [];
  let literal: number[] = [];
  const flush = () => {
    if (literal.length) parts.push(`[${literal.join(',')}]`);
    literal = [];
  };
  for (let i = 0; i < values.length; ) {
    let j = i;
    while (j < values.length && values[j] === values[i]) j++;
    if (j - i >= 3) {
      flush();
      parts.push(`[${values[i]}]*${j - i}`);
    } else {
      for (let k = i; k < j; k++) literal.push(values[k]);
    }
    i = j;
  }
  flush();
  return parts.join('+');
}

/** The shortest period of `values` that divides its length. */
function period(values: readonly number[]): number {
  const n = values.length;
  for (let p = 1; p < n; p++) {
    if (n % p === 0 && values.every((v, i) => v === values[i % p])) return p;
  }
  return n;
}

/** A Python list expression that evaluates to `values` (0/1 per layer). */
export function listExpression(values: readonly number[]): string {
  const p = period(values);
  if (p === values.length) return runs(values);
  const body = runs(values.slice(0, p));
  const literal = /^\[[\d,]+\]$/.test(body);
  return literal ? `${body}*${values.length / p}` : `(${body})*${values.length / p}`;
}

/** One stage of a layout: its decoder layers, plus E / m… / L on the first and last stage. */
function stageText(layers: number, first: boolean, last: boolean, mtp: number): string {
  const body = layers === 0 ? '' : layers === 1 ? 't' : `t*${layers}`;
  return `${first ? 'E' : ''}${body}${last ? 'm'.repeat(mtp) + 'L' : ''}`;
}

/**
 * The layout string for decoder-layer counts per stage in Megatron's 1-D order (stage index =
 * virtual rank × pipeline + pipeline rank, which is moec's chunk order), with the MTP layers
 * beside the loss on the last stage. Runs of three or more equal middle stages fold into `(…|)*n`.
 */
export function pipelineLayout(stageLayers: readonly number[], mtp: number): string {
  const n = stageLayers.length;
  const text = stageLayers.map((l, i) => stageText(l, i === 0, i === n - 1, mtp));
  let out = '';
  for (let i = 0; i < n; ) {
    let j = i + 1;
    if (i > 0) while (j < n - 1 && text[j] === text[i]) j++;
    if (j - i >= 3) {
      out += `(${text[i]}|)*${j - i}`;
    } else {
      for (let k = i; k < j; k++) out += text[k] + (k < n - 1 ? '|' : '');
    }
    i = j;
  }
  return out;
}
