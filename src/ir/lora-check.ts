/**
 * IR phase — checks of a `train.lora` block against the resolved layers: every target must
 * adapt at least one projection in the layers it applies to (MOE6600: `k_proj` in an MLA model,
 * `experts` in a dense model, `shared` without shared experts), and a rank that is not below a
 * projection's smaller dimension is not a low-rank adapter (MOE6601, once per target).
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import { spanAt, type SpanMap } from '../spec/spans.js';
import type { LoraTarget } from '../spec/types.js';
import { adaptableModules, targetsModule, type LoraModule } from './lora.js';
import type { ModelIR } from './types.js';

function available(all: LoraModule[]): string {
  const names = new Set<string>();
  for (const m of all) {
    names.add(m.kind === 'router' ? 'router' : m.module);
    if (m.kind !== 'router') names.add(m.kind);
  }
  return [...names].join(', ');
}

export function checkLora(ir: Pick<ModelIR, 'layers' | 'hidden' | 'train'>, spans: SpanMap): Diagnostic[] {
  const lora = ir.train.lora;
  if (!lora) return [];
  const out: Diagnostic[] = [];
  const selected = new Set(lora.layers);
  const everywhere = ir.layers.flatMap((l) => adaptableModules(l, ir.hidden));
  const inLayers = everywhere.filter((m) => selected.has(m.layer));
  lora.targets.forEach((target: LoraTarget, i) => {
    const span = spanAt(spans, `/train/lora/targets/${i}`, 'value') ?? spanAt(spans, '/train/lora/targets', 'value');
    const matches = (m: LoraModule) => targetsModule([target], m.kind, m.module);
    const hits = inLayers.filter(matches);
    if (hits.length === 0) {
      const elsewhere = everywhere.some(matches);
      const where = elsewhere ? 'in the layers `lora.layers` selects' : 'in this model';
      const hint = elsewhere
        ? 'add the layers that have it to `lora.layers`, or remove the target'
        : `this model has: ${available(everywhere)}`;
      out.push(createDiagnostic('MOE6600', { span, args: { target, where, hint } }));
      return;
    }
    const small = hits.find((m) => lora.rank >= Math.min(m.in, m.out));
    if (small) {
      const min = Math.min(small.in, small.out);
      out.push(createDiagnostic('MOE6601', { span: spanAt(spans, '/train/lora/rank', 'value') ?? span, args: { rank: lora.rank, module: small.prefix, in: small.in, out: small.out, min, target } }));
    }
  });
  return out;
}
