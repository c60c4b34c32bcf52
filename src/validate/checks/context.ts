/**
 * Validation phase, semantic rules: what every check receives. A check runs only on a spec
 * that passed the JSON Schema, so it may trust ModelSpec's types; it reports each problem at
 * the span of the offending value (by JSON pointer) with the numbers and what to change.
 */
import { createDiagnostic, type Diagnostic, type Severity } from '../../diagnostics/diagnostic.js';
import type { DiagnosticCode } from '../../diagnostics/codes/index.js';
import type { SpanMap } from '../../spec/spans.js';
import type { ModelSpec, Target } from '../../spec/types.js';
import { spanFor } from '../json-pointer.js';

export interface ReportInit {
  args?: Record<string, string | number>;
  hint?: string;
  severity?: Severity;
  /** Other values involved, by pointer, with a note each ("heads is set here"). */
  related?: { at: string; message: string }[];
}

export interface CheckContext {
  spec: ModelSpec;
  spans: SpanMap;
  /**
   * The targets in effect (docs/language.md `targets`): the command's `--target` when given,
   * else the spec's `targets`. Target-specific rules report only for these.
   */
  targets: ReadonlySet<Target>;
  /** Report at the value named by JSON pointer `at` (the nearest ancestor with a span if it was defaulted). */
  report(code: DiagnosticCode, at: string, init?: ReportInit): void;
  /** Whether the user wrote the value at `at` (as opposed to a default). */
  has(at: string): boolean;
}

export type Check = (ctx: CheckContext) => void;

/** The targets in effect: the command's when it names any, else the spec's declaration. */
export function targetsInEffect(spec: ModelSpec, commandTargets?: readonly Target[]): ReadonlySet<Target> {
  if (commandTargets && commandTargets.length) return new Set(commandTargets);
  return new Set(Array.isArray(spec.targets) ? spec.targets : []);
}

export function createCheckContext(spec: ModelSpec, spans: SpanMap, out: Diagnostic[], targets: ReadonlySet<Target> = new Set()): CheckContext {
  return {
    spec,
    spans,
    targets,
    report(code, at, init = {}) {
      const related = (init.related ?? []).flatMap((r) => {
        const span = spanFor(spans, r.at);
        return span ? [{ message: r.message, span }] : [];
      });
      out.push(createDiagnostic(code, { span: spanFor(spans, at), args: init.args, hint: init.hint, severity: init.severity, related }));
    },
    has(at) {
      let cur: unknown = spec;
      for (const seg of at.slice(1).split('/')) {
        if (cur === null || typeof cur !== 'object') return false;
        cur = (cur as Record<string, unknown>)[seg];
      }
      return cur !== undefined;
    },
  };
}
