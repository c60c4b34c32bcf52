/**
 * Run phase — greedy generation. Each step re-runs the whole sequence through the model and
 * takes the argmax of the last position: the compiled graph has no KV-cache inputs, so a step
 * costs a full forward pass over the prefix (quadratic in length). Fine for seeing a model work
 * end to end; not a serving loop.
 */
import { performance } from 'node:perf_hooks';
import { argmax, lastLogits, type LmSession } from './lm-session.js';

export interface GenerateOptions {
  maxNewTokens: number;
  /** Stop before the sequence exceeds this many tokens. */
  context?: number;
  onToken?: (id: number) => void;
}

export interface Generation {
  ids: number[];
  /** Seconds for the first step (the prompt) and for all steps. */
  firstStep: number;
  total: number;
  stoppedAtContext: boolean;
}

export async function generateGreedy(lm: LmSession, prompt: readonly number[], options: GenerateOptions): Promise<Generation> {
  const seq = [...prompt];
  const out: number[] = [];
  const start = performance.now();
  let firstStep = 0;
  let stoppedAtContext = false;
  for (let step = 0; step < options.maxNewTokens; step++) {
    if (options.context !== undefined && seq.length >= options.context) {
      stoppedAtContext = true;
      break;
    }
    const { logits } = await lastLogits(lm, seq);
    const next = argmax(logits);
    if (step === 0) firstStep = (performance.now() - start) / 1000;
    seq.push(next);
    out.push(next);
    options.onToken?.(next);
  }
  return { ids: out, firstStep, total: (performance.now() - start) / 1000, stoppedAtContext };
}
