/**
 * Training phase — the fine-tuning data path `moec train` takes with a model tokenizer
 * (--tokenizer / train.tokenizer): records indexed without holding them (record-index.ts),
 * turned into examples with loss masks (examples.ts), packed into rows with document boundaries
 * (packing.ts). `--eval-split f` holds out the last fraction f of the records (in file order), packed
 * apart; eval_loss is the mean cross-entropy over their target tokens (the assistant or completion
 * tokens of chat and prompt/completion records), training off.
 */
import * as tf from '@tensorflow/tfjs';
import { createDiagnostic, type Diagnostic, type Result } from '../diagnostics/diagnostic.js';
import { LossAccumulator, type EvalSummary } from '../eval/held-out.js';
import type { TfjsModel } from '../lower/tfjs/model.js';
import type { Corpus } from './corpus.js';
import { chatRenderer, type Example } from './examples.js';
import { createPackedSampler, emptyBatch, fillRow, packBestFit, unitsOf, type Unit } from './packing.js';
import { indexRecords, readExample } from './record-index.js';
import type { Batch, Sampler, SamplerState } from './sampler.js';
import type { TextTokenizer } from './tokenizer.js';

export interface PackedData {
  /** files, documents (records), fingerprint; `tokens` empty: the corpus is not held. */
  corpus: Corpus;
  tokenCount: number;
  sampler(seed: number, restore?: SamplerState): Sampler;
  /** Held-out eval (with --eval-split). */
  evaluate?(model: TfjsModel, rows: number): EvalSummary;
  heldOutTokens?: number;
}

/** A small cache: a batch re-reads each of its records once. */
function exampleReader(read: (record: number) => Example): (record: number) => Example {
  const cache = new Map<number, Example>();
  return (record) => {
    let ex = cache.get(record);
    if (!ex) {
      ex = read(record);
      cache.set(record, ex);
      if (cache.size > 256) cache.delete(cache.keys().next().value!);
    }
    return ex;
  };
}

function evaluatePacked(model: TfjsModel, batches: Batch[]): EvalSummary {
  const acc = new LossAccumulator();
  const vocab = model.ir.vocab;
  for (const b of batches) {
    const input = tf.tensor2d(b.inputs, [b.rows, b.seqLen], 'int32');
    const mask = tf.tensor2d(b.valid!, [b.rows, b.seqLen], 'int32');
    const { logits } = model.forward(input, { training: false, mask, layout: { batch: b.rows, seq: b.seqLen, segments: b.segments!, positions: b.positions! } });
    const data = logits.dataSync() as Float32Array;
    tf.dispose([input, mask, logits]);
    b.targets.forEach((t, i) => t >= 0 && acc.add(data, i * vocab, vocab, t));
  }
  return acc.summary();
}

export function loadPackedData(inputs: readonly string[], tok: TextTokenizer, seq: number, evalSplit?: number): Result<PackedData | undefined> {
  const indexed = indexRecords(inputs, tok);
  if (!indexed.value) return indexed as Result<undefined>;
  const index = indexed.value;
  const diagnostics: Diagnostic[] = [...indexed.diagnostics];
  const n = index.tokens.length;
  const held = evalSplit !== undefined ? Math.floor(n * evalSplit) : 0;
  const all = [...Array(n).keys()];
  const train = unitsOf(index, all.slice(0, n - held), seq);
  diagnostics.push(...train.diagnostics);
  if (train.units.length === 0 || (evalSplit !== undefined && held === 0)) {
    const tokens = index.tokens.reduce((a, b) => a + b, 0);
    if (evalSplit !== undefined) diagnostics.push(createDiagnostic('MOE6580', { args: { fraction: evalSplit, tokens, held: 0, train: tokens, needed: seq + 1 } }));
    else diagnostics.push(createDiagnostic('MOE6522', { args: { tokens, needed: 2 } }));
    return { value: undefined, diagnostics };
  }
  const render = chatRenderer(tok);
  const example = exampleReader((r) => readExample(index, r, tok, render));
  const rows = packBestFit(train.units, seq);
  const value: PackedData = {
    corpus: { tokens: new Uint32Array(0), files: index.files, documents: n, fingerprint: index.fingerprint },
    tokenCount: train.units.reduce((a, u) => a + u.length, 0),
    sampler: (seed, restore) => createPackedSampler(train.units, rows, seq, example, seed, restore),
  };
  if (held > 0) {
    const evalUnits: Unit[] = unitsOf(index, all.slice(n - held), seq).units;
    const evalRows = packBestFit(evalUnits, seq);
    value.heldOutTokens = evalUnits.reduce((a, u) => a + u.length, 0);
    value.evaluate = (model, perBatch) => {
      const batches: Batch[] = [];
      for (let i = 0; i < evalRows.length; i += perBatch) {
        const group = evalRows.slice(i, i + perBatch);
        const b = emptyBatch(group.length, seq);
        group.forEach((row, r) => fillRow(b, r, evalUnits, row, example));
        batches.push(b);
      }
      return evaluatePacked(model, batches);
    };
  }
  return { value, diagnostics };
}
