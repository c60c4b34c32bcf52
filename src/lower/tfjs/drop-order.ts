/**
 * TensorFlow.js target — the order in which experts fill their buffers under capacity
 * (docs/semantics.md §MoE block step 7, `drop_policy`): probs = highest routing weight first
 * (Megatron's default `--moe-token-drop-policy probs`), position = earliest token first,
 * gshard = every token's first choice in token order, then every second choice, … Ties go to
 * the earlier assignment, as ONNX TopK and the references break them.
 */
import type { RouterIR } from '../../ir/types.js';

/**
 * JS copy of the gate weights' order key: s[choice] (÷ Σ_k s + 1e-20 with norm_topk, in float32
 * as the tape computes it); the positive `scaling` factor does not change the order.
 */
function gateOrderKey(scores: Float32Array, experts: number, topK: number, choice: Int32Array, router: RouterIR): Float32Array {
  const key = new Float32Array(choice.length);
  for (let a = 0; a < choice.length; a++) key[a] = scores[Math.floor(a / topK) * experts + choice[a]!]!;
  if (!router.normTopK) return key;
  for (let t = 0; t < choice.length / topK; t++) {
    let sum = 0;
    for (let k = 0; k < topK; k++) sum = Math.fround(sum + key[t * topK + k]!);
    const d = Math.fround(sum + 1e-20);
    for (let k = 0; k < topK; k++) key[t * topK + k] = Math.fround(key[t * topK + k]! / d);
  }
  return key;
}

/**
 * Assignments (a = t·K + k) in the order experts fill their buffers: `gshard` k-major then
 * token order; `position` token order; `probs` highest gate weight first, ties to the lower a.
 */
export function priorityOrder(scores: Float32Array, experts: number, topK: number, choice: Int32Array, router: RouterIR): Int32Array {
  const n = choice.length;
  const order = new Int32Array(n);
  for (let a = 0; a < n; a++) order[a] = a;
  if (router.dropPolicy === 'position') return order;
  if (router.dropPolicy === 'gshard') {
    const tokens = n / topK;
    for (let k = 0; k < topK; k++) for (let t = 0; t < tokens; t++) order[k * tokens + t] = t * topK + k;
    return order;
  }
  const key = gateOrderKey(scores, experts, topK, choice, router);
  return order.sort((a, b) => key[b]! - key[a]! || a - b);
}
