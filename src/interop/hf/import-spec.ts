/**
 * HF bridge (import) — `moec import`'s product: the imported spec as a formatted, commented
 * `.moe` text, checked before it is handed over: the text is parsed, validated and resolved
 * like any spec, and its architecture must equal the one the config gave (so the printer can
 * never change the model).
 */
import { createDiagnostic, hasErrors, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { firstArchitectureDifference, describeArchitecture } from '../../ir/architecture.js';
import { buildIR } from '../../ir/build-ir.js';
import { decodeSpecBytes } from '../../spec/read-text.js';
import type { ModelIR } from '../../ir/types.js';
import { loadSpec } from '../../pipeline.js';
import { readSpecFile } from '../../spec/read-spec-file.js';
import type { Sources } from '../../spec/source.js';
import { importConfig, type ImportedConfig } from './import-config.js';
import { renderSpec } from './render-spec.js';

export interface ImportedSpec extends ImportedConfig {
  text: string;
}

function header(imp: ImportedConfig, outputName: string): string[] {
  const { type, draft, path } = imp;
  const lines = [
    `${draft.model.name}: imported by \`moec import\` from ${path}`,
    `(Hugging Face model_type ${type.modelType}, ${type.architecture}; transformers ${type.source}).`,
    'Each key ends with the config field it came from; docs/hf.md has the mapping.',
  ];
  if (draft.notes.length) lines.push('Config fields that do not change what the model computes:', ...draft.notes.map((n) => `  ${n}`));
  lines.push(`Next: moec check ${outputName}  ·  moec explain ${outputName}  ·  moec compile ${outputName} --weights <model dir> -o out/`, '');
  return lines.map(oneLine);
}

/** A header line stays one `//` comment line: a line break in a name or path (`_name_or_path` is free text) is escaped. */
function oneLine(line: string): string {
  return line.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The spec text of the config at `input`, checked to resolve to the config's architecture. */
export function importSpec(input: string, outputName = 'model.moe'): Result<ImportedSpec | undefined> {
  const imported = importConfig(input);
  if (!imported.value) return imported as Result<undefined>;
  const imp = imported.value;
  const diagnostics: Diagnostic[] = [...imported.diagnostics];
  const text = renderSpec(imp.draft.spec, imp.draft.comments, header(imp, outputName), outputName);
  const reread = rereadSpec(text, outputName);
  if (!reread) return { value: undefined, diagnostics: [...diagnostics, createDiagnostic('MOE9005', { args: { reason: `the spec printed for ${imp.path} does not resolve` } })] };
  const diff = firstArchitectureDifference(describeArchitecture(reread), describeArchitecture(imp.ir));
  if (diff) return { value: undefined, diagnostics: [...diagnostics, createDiagnostic('MOE9005', { args: { reason: `the printed spec differs from the config at ${diff.path}: ${diff.found} vs ${diff.expected}` } })] };
  return { value: { ...imp, text }, diagnostics };
}

/** Parse, validate and resolve the printed text as a file of its own. */
function rereadSpec(text: string, name: string): ModelIR | undefined {
  const sources: Sources = new Map();
  const read = decodeSpecBytes(Buffer.from(text), name, sources);
  const loaded = loadSpec(name, sources, { parsed: readSpecFile(name, sources, { text: read }) });
  if (!loaded.spec || hasErrors(loaded.diagnostics)) return undefined;
  const built = buildIR(loaded.spec);
  return hasErrors(built.diagnostics) ? undefined : built.value;
}
