/**
 * The generation loop over a scripted decoder: one prefill then one step per token, rows
 * stopping at the end-of-sequence id (not part of the output), at max-new-tokens or at the
 * context, finished rows feeding the eos id while the others go on, and the loop ending when
 * every row has stopped.
 */
import { describe, expect, it } from 'vitest';
import type { Decoder } from '../../src/run/decoder.js';
import { generate } from '../../src/run/generate.js';
import { folderEos } from '../../src/run/model-path.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSampler, GREEDY } from '../../src/run/sampling.js';

/** A decoder whose row r emits script[r][n] at step n (as a one-hot logit over vocab 8). */
function scripted(script: number[][]): Decoder & { fed: number[][] } {
  let n = 0;
  let width = 0;
  const fed: number[][] = [];
  const logits = () => script.map((row) => Float32Array.from({ length: 8 }, (_, v) => (v === row[Math.min(n, row.length - 1)] ? 1 : 0)));
  return {
    fed,
    get length() {
      return width + n;
    },
    async prefill(prompts) {
      width = Math.max(...prompts.map((p) => p.length));
      return logits();
    },
    async step(tokens) {
      fed.push([...tokens]);
      n++;
      return logits();
    },
  };
}

describe('generate', () => {
  const sampler = createSampler(GREEDY, 0);
  it('stops each row at eos (excluded) or at max-new-tokens; stopped rows feed eos', async () => {
    const d = scripted([[1, 2, 7, 3], [4, 4, 4, 4, 4, 4]]);
    const g = await generate(d, [[1], [2, 3]], { maxNewTokens: 5, eos: 7, sampler });
    expect(g.ids).toEqual([[1, 2], [4, 4, 4, 4, 4]]);
    expect(g.finish).toEqual(['eos', 'length']);
    expect(d.fed).toEqual([[1, 4], [2, 4], [7, 4], [7, 4]]);
    expect(g.steps).toBe(4);
    // Decoded by the steps: row 0's second token, row 1's last four — not steps × rows (8).
    expect(g.decoded).toBe(5);
  });

  it('an eos list (generation_config.json [a, b], as Qwen ships) stops a row at any of its ids, feeding the first', async () => {
    const d = scripted([[1, 6, 2], [3, 5, 4]]);
    const g = await generate(d, [[1], [2]], { maxNewTokens: 5, eos: [5, 6], sampler });
    expect([g.ids, g.finish]).toEqual([[[1], [3]], ['eos', 'eos']]);
    expect(d.fed).toEqual([[1, 3]]);
    const dir = mkdtempSync(join(tmpdir(), 'moec-eos-'));
    try {
      writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [151645, 151643] }));
      expect(folderEos(dir)).toEqual([151645, 151643]);
      writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: 7 }));
      expect(folderEos(dir)).toEqual([7]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops at the context; without eos only at max-new-tokens; 0 tokens runs nothing', async () => {
    const g = await generate(scripted([[5]]), [[1, 2, 3]], { maxNewTokens: 10, context: 6, sampler });
    expect([g.ids, g.finish]).toEqual([[[5, 5, 5]], ['context']]);
    // A prompt at the context gets nothing; a shorter one in the same batch still generates.
    const mixed = await generate(scripted([[5], [6]]), [[1, 2, 3, 4, 5, 6], [1]], { maxNewTokens: 2, context: 6, sampler });
    expect([mixed.ids, mixed.finish]).toEqual([[[], [6, 6]], ['context', 'length']]);
    const all = await generate(scripted([[7]]), [[1]], { maxNewTokens: 3, sampler });
    expect(all.ids).toEqual([[7, 7, 7]]);
    const none = scripted([[1]]);
    expect((await generate(none, [[1]], { maxNewTokens: 0, sampler })).ids).toEqual([[]]);
  });
});
