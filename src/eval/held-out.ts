/**
 * Evaluation — scoring a token stream: the windows it is cut into and the loss summary, shared by
 * `moec eval` (onnxruntime) and the held-out `eval_loss` that `moec train` logs (TensorFlow.js).
 *
 * Windows are consecutive and non-overlapping with stride L (the trainer's sampler cuts its
 * samples the same way, src/train/sampler.ts): window w scores targets t[wL+1 … wL+L] from inputs
 * t[wL … wL+L−1], so every token but the first is scored exactly once; the last window may be
 * shorter. A token's loss is −log softmax(logits)[target] in float64.
 * Per byte: byte-level ids < 256 are one UTF-8 byte each; the end-of-document id (256) is none,
 * so loss per byte = total loss / bytes, bits per byte = that / ln 2 (lm-evaluation-harness's
 * `bits_per_byte`), byte perplexity = exp(loss per byte).
 */

export interface Window {
  start: number;
  /** Scored positions (inputs t[start … start+length−1], targets one further). */
  length: number;
}

/** Windows of at most `seqLen` scored tokens over a stream of `tokens`, scoring at most `maxTokens`. */
export function evalWindows(tokens: number, seqLen: number, maxTokens = Infinity): Window[] {
  const out: Window[] = [];
  let left = Math.min(tokens - 1, maxTokens);
  for (let start = 0; left > 0; start += seqLen) {
    const length = Math.min(seqLen, left);
    out.push({ start, length });
    left -= length;
  }
  return out;
}

export interface EvalSummary {
  /** Tokens scored. */
  tokens: number;
  /** UTF-8 bytes among the scored targets (ids < 256). */
  bytes: number;
  /** Mean loss per token, nats. */
  loss: number;
  perplexity: number;
  /** Total loss / bytes, nats. */
  lossPerByte: number;
  bitsPerByte: number;
  bytePerplexity: number;
}

export class LossAccumulator {
  private total = 0;
  private tokens = 0;
  private bytes = 0;

  /** −log softmax(row)[target] of one position; row = logits[offset … offset+vocab). */
  add(logits: ArrayLike<number>, offset: number, vocab: number, target: number): number {
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) max = Math.max(max, logits[offset + v]);
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(logits[offset + v] - max);
    const nll = max + Math.log(sum) - logits[offset + target];
    this.total += nll;
    this.tokens++;
    if (target < 256) this.bytes++;
    return nll;
  }

  summary(): EvalSummary {
    const loss = this.tokens ? this.total / this.tokens : NaN;
    const lossPerByte = this.bytes ? this.total / this.bytes : NaN;
    return {
      tokens: this.tokens,
      bytes: this.bytes,
      loss,
      perplexity: Math.exp(loss),
      lossPerByte,
      bitsPerByte: lossPerByte / Math.LN2,
      bytePerplexity: Math.exp(lossPerByte),
    };
  }
}
