/**
 * An empty sequence (input_ids [1, 0], empty past) is bad input a client can send —
 * transformers.js generating from an empty prompt with a tokenizer that adds no bos — and must
 * give empty logits [1, 0, vocab], not kill the process: the sparse MoE dispatch divided by the
 * token count (an integer Mod by zero, SIGFPE in onnxruntime). Each case runs in a child
 * process, so a crash fails the test instead of the test runner.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emitOnnxModel, type EmitOptions } from '../../../src/lower/onnx/emit-model.js';
import type { ModelIR } from '../../../src/ir/types.js';
import { referenceIR, testWeights } from '../../reference/cases.js';
import { encode } from './helpers.js';
import { irOf, tinySpec } from './variants.js';

const root = mkdtempSync(join(tmpdir(), 'moec-empty-seq-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const RUN_EMPTY = `
const ort = require('onnxruntime-node');
(async () => {
  const s = await ort.InferenceSession.create(process.argv[1]);
  const i64 = (d) => new ort.Tensor('int64', new BigInt64Array(0), d);
  const feeds = { input_ids: i64([1, 0]), attention_mask: i64([1, 0]), position_ids: i64([1, 0]) };
  for (const m of s.inputMetadata) if (m.name.startsWith('past_')) feeds[m.name] = new ort.Tensor('float32', new Float32Array(0), [1, m.shape[1], 0, m.shape[3]]);
  const out = await s.run(feeds);
  console.log(JSON.stringify(out.logits.dims));
})();
`;

describe('an empty sequence gives empty logits', () => {
  const cases: [string, () => ModelIR, EmitOptions?][] = [
    ['specs/tiny (sparse MoE dispatch)', () => irOf(tinySpec)],
    ['fused com.microsoft.MoE dispatch', () => irOf(tinySpec), { moe: 'fused' }],
    ['dense dispatch', () => irOf(tinySpec), { moe: 'dense' }],
    ['group-limited sigmoid routing (groups max, top-2 sum)', () => referenceIR('moe-sigmoid-bias-groups-max-scaling')],
    ['top-3, groups by top-2 sum', () => referenceIR('moe-top2sum-no-drop-unnormalized')],
    ['MLA', () => referenceIR('mla-qlora-moe')],
    ['window + sinks, dense and MoE layers', () => referenceIR('mqa-qknorm-window-sinks-relu-geglu')],
  ];
  for (const [name, ir, options] of cases) {
    it(name, () => {
      const model = ir();
      const file = join(root, `${name.replace(/\W+/g, '-')}.onnx`);
      writeFileSync(file, encode(emitOnnxModel(model, testWeights(model), options)));
      const r = spawnSync(process.execPath, ['-e', RUN_EMPTY, file], { encoding: 'utf8' });
      expect([r.signal, r.status, r.stdout.trim()]).toEqual([null, 0, JSON.stringify([1, 0, model.vocab])]);
    });
  }
});
