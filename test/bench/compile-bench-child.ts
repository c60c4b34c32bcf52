/**
 * Child of `npm run bench:compile`: one compile of the bench spec from the synthetic Hugging Face
 * checkpoint to an ONNX model with external data, reporting wall time, bytes written and its own
 * peak RSS (VmHWM, test/tools/peak-rss.ts) as one JSON line. A separate process, so each compile's peak is its own.
 * argv: <spec.json> <checkpoint dir | "seeded"> <out.onnx> [--quantize text]
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { buildIR } from '../../src/ir/build-ir.js';
import { compileOnnx } from '../../src/lower/onnx/compile-onnx.js';
import { parseQuantizeOption } from '../../src/spec/quantize-option.js';
import { benchHfSource } from './hf-bench-source.js';
import { peakRss } from '../tools/peak-rss.js';

const [specFile, checkpoint, out, flag, quantText] = process.argv.slice(2);
const spec = JSON.parse(readFileSync(specFile, 'utf8'));
const quantize = flag === '--quantize' ? parseQuantizeOption(quantText) : undefined;
if (quantize?.diagnostics.length) throw new Error(quantize.diagnostics.map((d) => d.message).join('\n'));
const ir = buildIR(quantize ? { ...spec, quantize: quantize.quantize } : spec).value;
const t0 = performance.now();
const source = checkpoint === 'seeded' ? undefined : benchHfSource(checkpoint, ir);
if (source && !source.value) throw new Error(source.diagnostics.map((d) => d.message).join('\n'));
const r = await compileOnnx(ir, { out, externalData: true, source: source?.value, quantizeOption: quantText });
const seconds = (performance.now() - t0) / 1000;
if (!r.value?.model) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
process.stdout.write(
  JSON.stringify({
    seconds,
    bytes: r.value.model.totalBytes,
    shards: r.value.model.data.length,
    maxRss: peakRss(),
    ms: r.value.ms,
    warnings: r.diagnostics.map((d) => d.code),
  }) + '\n',
);
