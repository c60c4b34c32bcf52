/**
 * Writes the reference cases (spec, IR, test weights, ids) as JSON for numpy_reference.py, the
 * second implementation that produced fixtures/numpy-logits.json. The spec goes along so the NumPy
 * side resolves YaRN from the written keys itself. Run: npx tsx test/reference/dump-cases.ts
 */
import { CASE_BATCH, CASE_SEQ, REFERENCE_SPECS, referenceIR, testIds, testWeights } from './cases.js';

const out: Record<string, unknown> = {};
for (const name of Object.keys(REFERENCE_SPECS)) {
  const ir = referenceIR(name);
  const w = testWeights(ir);
  const weights = Object.fromEntries(ir.tensors.map((t) => [t.name, { shape: t.shape, data: Array.from(w.get(t.name)!) }]));
  out[name] = { spec: REFERENCE_SPECS[name], ir: { ...ir, tensors: undefined }, weights, ids: testIds(ir.vocab, CASE_BATCH, CASE_SEQ) };
}
process.stdout.write(JSON.stringify(out));
