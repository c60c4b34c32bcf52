/**
 * Diagnostic codes MOE5xxx (onnx). Codes are stable: never renumber or reuse one;
 * retire a code by leaving it here with a note. Each is documented in docs/diagnostics.md.
 */
import { defineCodes } from './entry.js';

export const onnxCodes = defineCodes({
  // MOE5000–MOE5499: ONNX graph lowering (src/lower/onnx/, graph engineer).
  MOE5000: {
    severity: 'warning',
    title: 'YaRN rope scaling is not lowered to ONNX',
    message: 'rope scaling "yarn" is not implemented by the ONNX target; the model runs with unscaled rotary embeddings',
    hint: 'use rope scaling "linear" or "none" for ONNX export, or expect different logits past the original context',
  },
  MOE5001: {
    severity: 'warning',
    title: 'fused MoE does not fit; sparse dispatch used',
    message: 'com.microsoft.MoE cannot express this MoE block ({reasons}); emitting the sparse standard-op dispatch instead',
    hint: 'the fused op needs softmax scoring with norm_topk, no groups, no score bias, no capacity drop, swiglu/silu/relu fp32 experts',
  },
});
