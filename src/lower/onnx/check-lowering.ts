/**
 * ONNX lowering — what the ONNX target cannot express exactly, reported as warnings before
 * emission: fp16/bf16 activations, blocked int8 weights with int8
 * activations, fused MoE requested where com.microsoft.MoE does not fit — and capacity drops,
 * which the inference graph does not apply (MOE5020).
 */
import { createDiagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { ModelIR } from '../../ir/types.js';
import type { MoeDispatch } from './moe-block.js';
import { fusedMisfitReason } from './moe-fused.js';

export function checkLowering(ir: ModelIR, dispatch: MoeDispatch): Diagnostic[] {
  const out: Diagnostic[] = [];
  const act = ir.quantize.activations.dtype;
  if (act === 'fp16' || act === 'bf16') out.push(createDiagnostic('MOE5002', { args: { dtype: act } }));
  if (act === 'int8') {
    const groups = new Set(ir.tensors.filter((t) => t.quant.dtype === 'int8' && t.quant.granularity === 'block').map((t) => t.group));
    if (groups.size) out.push(createDiagnostic('MOE5003', { args: { groups: [...groups].join(', ') } }));
  }
  const dropping = ir.layers.flatMap((l) =>
    l.ffn.kind === 'moe' && l.ffn.router.capacityFactor !== undefined && l.ffn.router.overflow === 'drop' ? [{ index: l.index, router: l.ffn.router }] : [],
  );
  if (dropping.length) {
    const { capacityFactor, topK } = dropping[0].router;
    out.push(createDiagnostic('MOE5020', { args: { factor: capacityFactor!, layers: dropping.map((l) => l.index).join(', '), topK } }));
  }
  if (dispatch === 'fused') {
    const reasons = new Set<string>();
    for (const l of ir.layers) {
      if (l.ffn.kind !== 'moe') continue;
      const reason = fusedMisfitReason(l.ffn, ir.quantize.experts);
      if (reason) reasons.add(`layer ${l.index}: ${reason}`);
    }
    if (reasons.size) out.push(createDiagnostic('MOE5001', { args: { reasons: [...reasons].join('; ') } }));
  }
  return out;
}
