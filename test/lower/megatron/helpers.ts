/** Test helpers: a spec (file or object) through validation with megatron as the target, then the launch. */
import { hasErrors, type Diagnostic } from '../../../src/diagnostics/diagnostic.js';
import { buildIR } from '../../../src/ir/build-ir.js';
import type { ModelIR } from '../../../src/ir/types.js';
import { renderMegatron, type MegatronArtifacts } from '../../../src/lower/megatron/compile-megatron.js';
import { launchArgv } from '../../../src/lower/megatron/launch.js';
import { resolveLaunchOptions } from '../../../src/lower/megatron/launch-options.js';
import { loadModel } from '../../../src/pipeline.js';
import type { ModelSpec } from '../../../src/spec/types.js';
import { validateSpec } from '../../../src/validate/validate-spec.js';
import { fakeSpans } from '../../validate/fake-spans.js';

export interface Compiled {
  diagnostics: Diagnostic[];
  artifacts?: MegatronArtifacts;
  /** pretrain_gpt.py's argument list. */
  argv?: string[];
  ir?: ModelIR;
}

function render(diagnostics: Diagnostic[], spec: ModelSpec | undefined, build: () => ReturnType<typeof buildIR>['value'] | undefined): Compiled {
  if (!spec || hasErrors(diagnostics)) return { diagnostics };
  const ir = build();
  if (!ir) return { diagnostics };
  const artifacts = renderMegatron(ir, resolveLaunchOptions(spec.megatron, ir.parallel.world));
  return { diagnostics, artifacts, argv: launchArgv(artifacts.launch), ir };
}

export function compileFile(file: string): Compiled {
  const loaded = loadModel(file, { memoryFit: false, targets: ['megatron'] });
  return render(loaded.diagnostics, loaded.spec, () => loaded.ir);
}

export function compileSpec(spec: ModelSpec): Compiled {
  const { spans } = fakeSpans(spec);
  const validated = validateSpec(spec, spans, { targets: ['megatron'] });
  const diagnostics = [...validated.diagnostics];
  return render(diagnostics, validated.spec, () => {
    const built = buildIR(spec, spans);
    diagnostics.push(...built.diagnostics);
    return hasErrors(built.diagnostics) ? undefined : built.value;
  });
}

/** The values after `flag` in an argument list (undefined when absent, [] for a switch). */
export function valuesOf(argv: readonly string[], flag: string): string[] | undefined {
  const i = argv.indexOf(flag);
  if (i < 0) return undefined;
  const out: string[] = [];
  for (let j = i + 1; j < argv.length && !argv[j].startsWith('--'); j++) out.push(argv[j]);
  return out;
}
