/**
 * Training phase — where a session's batches come from: the byte-level stream of the data files
 * (byte-stream.ts), cut into windows, or, with a model tokenizer, indexed records packed into rows
 * (packed-data.ts); with `--eval-split`, the held-out part (on resume the run's own split, another
 * one is MOE6581).
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { sliceSource, type TokenSource } from './byte-stream.js';
import { openCorpus, type CorpusInfo } from './corpus.js';
import { splitPoint } from './eval-loss.js';
import { loadPackedData, type PackedData } from './packed-data.js';
import { createSampler, sampleCount, type Sampler, type SamplerState } from './sampler.js';
import type { SessionOptions } from './session.js';
import type { TextTokenizer } from './tokenizer.js';

export interface DataSource {
  corpus: CorpusInfo;
  heldOut?: TokenSource;
  evalSplit?: number;
  tokenCount: number;
  sampler(seed: number, state?: SamplerState): Sampler;
  evaluate?: PackedData['evaluate'];
  heldOutTokens?: number;
}

/** The run's --eval-split (on resume the recorded one; another is MOE6581), or false after an error. */
function evalSplitOf(o: SessionOptions, recorded: { evalSplit?: number } | undefined, diagnostics: Diagnostic[]): number | undefined | false {
  if (recorded && o.evalSplit !== undefined && o.evalSplit !== recorded.evalSplit) {
    diagnostics.push(createDiagnostic('MOE6581', { args: { path: o.outDir, given: o.evalSplit, recorded: recorded.evalSplit ?? 'nothing' } }));
    return false;
  }
  return recorded ? recorded.evalSplit : o.evalSplit;
}

/** Byte-level data: the token stream read from the files as it is sampled, cut into windows (sampler.ts). */
function streamSource(o: SessionOptions, recorded: { evalSplit?: number } | undefined, diagnostics: Diagnostic[]): DataSource | undefined {
  const corpus = openCorpus(o.data ?? [], o.ir.vocab);
  diagnostics.push(...corpus.diagnostics);
  if (!corpus.value) return undefined;
  const seqLen = o.ir.train.seqLen;
  const evalSplit = evalSplitOf(o, recorded, diagnostics);
  if (evalSplit === false) return undefined;
  const { stream: all, ...info } = corpus.value;
  let train = all;
  let heldOut: TokenSource | undefined;
  if (evalSplit !== undefined) {
    const at = splitPoint(all.length, evalSplit, seqLen);
    if (at === undefined) {
      const held = Math.floor(all.length * evalSplit);
      const args = { fraction: evalSplit, tokens: all.length, held, train: all.length - held, needed: seqLen + 1 };
      diagnostics.push(createDiagnostic('MOE6580', { args }));
      return undefined;
    }
    heldOut = sliceSource(all, at, all.length);
    train = sliceSource(all, 0, at);
  }
  if (sampleCount(train.length, seqLen) === 0) {
    diagnostics.push(createDiagnostic('MOE6522', { args: { tokens: train.length, needed: seqLen + 1 } }));
    return undefined;
  }
  return { corpus: info, heldOut, evalSplit, tokenCount: train.length, sampler: (seed, state) => createSampler(train, seqLen, seed, state) };
}

/** Fine-tuning data through a model tokenizer: indexed records, examples with loss masks, packed rows. */
function packedSource(o: SessionOptions, recorded: { evalSplit?: number } | undefined, tok: TextTokenizer, diagnostics: Diagnostic[]): DataSource | undefined {
  const evalSplit = evalSplitOf(o, recorded, diagnostics);
  if (evalSplit === false) return undefined;
  const packed = loadPackedData(o.data ?? [], tok, o.ir.train.seqLen, evalSplit);
  diagnostics.push(...packed.diagnostics);
  if (!packed.value) return undefined;
  const p = packed.value;
  return { corpus: p.corpus, evalSplit, tokenCount: p.tokenCount, sampler: p.sampler, evaluate: p.evaluate, heldOutTokens: p.heldOutTokens };
}

/** The session's data: packed records with a model tokenizer, else the byte stream. */
export function loadDataSource(o: SessionOptions, recorded: { evalSplit?: number } | undefined, tok: TextTokenizer | undefined, diagnostics: Diagnostic[]): DataSource | undefined {
  return tok ? packedSource(o, recorded, tok, diagnostics) : streamSource(o, recorded, diagnostics);
}
