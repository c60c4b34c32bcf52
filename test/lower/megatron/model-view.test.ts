/**
 * The Megatron rules read the spec through the IR's default resolvers (fromSpec); the emitter
 * reads the IR (fromIR). They must see the same model, or `moec check --target megatron` would
 * refuse something other than what the emitter cannot write.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { fromIR, fromSpec } from '../../../src/lower/megatron/model-view.js';
import { loadModel } from '../../../src/pipeline.js';

const specs = [
  ...readdirSync('specs').filter((f) => f.endsWith('.moe')).map((f) => join('specs', f)),
  'test/fixtures/megatron/qwen3-30b-a3b.moe',
];

test.each(specs)('%s: fromSpec = fromIR', (file) => {
  const loaded = loadModel(file, { memoryFit: false });
  expect(loaded.ir).toBeDefined();
  expect(fromSpec(loaded.spec!)).toEqual(fromIR(loaded.ir!));
});
