/**
 * HF bridge (import) — a transformers `config.json` becomes a moec spec object: the model_type's
 * codecs read their fields (types/), every other field is accounted for (known not to change the
 * function, with the reason in the spec's header, or unknown: MOE7005), and the result is
 * validated and resolved to the IR as any spec is, so an import that would not check is an
 * error here (MOE7009), never a file that fails later.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { createDiagnostic, hasErrors, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { buildIR } from '../../ir/build-ir.js';
import type { ModelIR } from '../../ir/types.js';
import type { ModelSpec } from '../../spec/types.js';
import { validateSpec } from '../../validate/validate-spec.js';
import { ConfigReader, type Json } from './config-reader.js';
import { metadataCodec, NOT_ARCHITECTURE } from './codecs/metadata.js';
import type { HfModelType } from './model-type.js';
import { SpecDraft } from './spec-draft.js';
import { hfModelType, KNOWN_MODEL_TYPES, REFUSED_MODEL_TYPES } from './types/index.js';

/** config.json files are small; a larger one is not a config (and must not be read whole). */
export const MAX_CONFIG_BYTES = 16 << 20;

export interface ImportedConfig {
  type: HfModelType;
  config: Readonly<Record<string, Json>>;
  /** The config file read. */
  path: string;
  draft: SpecDraft;
  spec: ModelSpec;
  ir: ModelIR;
}

const fail = (path: string, reason: string): Result<undefined> => ({ value: undefined, diagnostics: [createDiagnostic('MOE7000', { args: { path, reason } })] });

/** The parsed config.json of a model directory or file. */
export function readConfigFile(input: string): Result<{ path: string; config: Record<string, Json> } | undefined> {
  const path = existsSync(input) && statSync(input).isDirectory() ? join(input, 'config.json') : input;
  let text: string;
  try {
    if (!statSync(path).isFile()) return fail(path, 'it is not a file');
    if (statSync(path).size > MAX_CONFIG_BYTES) return fail(path, `it is over ${MAX_CONFIG_BYTES} bytes`);
    text = new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(path));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(path, code === 'ENOENT' ? 'no such file' : code ?? 'it is not UTF-8 text');
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (err) {
    return fail(path, `it is not JSON (${(err as Error).message})`);
  }
  if (!config || typeof config !== 'object' || Array.isArray(config)) return fail(path, 'it is not a JSON object');
  return { value: { path, config: config as Record<string, Json> }, diagnostics: [] };
}

/** The model's name: moec's own (an export), else the repository or directory name. */
function modelName(path: string, config: Record<string, Json>): string {
  const moec = config.moec as Record<string, Json> | undefined;
  if (moec && typeof moec.name === 'string' && moec.name) return moec.name;
  const named = config._name_or_path;
  if (typeof named === 'string' && named.trim()) return basename(named.trim());
  // The Hub cache keeps `models--org--name/snapshots/<revision>/config.json`; a download tool `org--name/`.
  const parts = resolve(path).split(/[\\/]/).slice(0, -1);
  const dir = parts[parts.length - 2] === 'snapshots' ? parts[parts.length - 3]! : parts[parts.length - 1]!;
  return dir.replace(/^models--/, '').split('--').pop() || 'model';
}

/** Read `config` (already parsed) as its model_type, into a spec and its IR. */
export function importConfigObject(path: string, config: Record<string, Json>): Result<ImportedConfig | undefined> {
  const modelType = config.model_type;
  const known = KNOWN_MODEL_TYPES.join(', ');
  if (typeof modelType !== 'string') {
    return { value: undefined, diagnostics: [createDiagnostic('MOE7001', { args: { path, modelType: String(modelType), reason: 'is missing or not a string', known } })] };
  }
  const type = hfModelType(modelType);
  if (!type) {
    const reason = REFUSED_MODEL_TYPES[modelType] ?? 'is not one moec maps';
    return { value: undefined, diagnostics: [createDiagnostic('MOE7001', { args: { path, modelType, reason, known } })] };
  }
  const aliased = resolveAliases(path, config, type.aliases ?? {});
  if (!aliased.value) return aliased as Result<undefined>;
  config = aliased.value;
  const reader = new ConfigReader(path, modelType, config, type.defaults);
  const draft = new SpecDraft();
  draft.set('/name', modelName(path, config));
  for (const codec of [...type.codecs, metadataCodec(type.architecture, modelType)]) codec.read(reader, draft);
  const owned = new Set([...type.codecs.flatMap((c) => c.fields), ...Object.keys(NOT_ARCHITECTURE)]);
  for (const field of Object.keys(config)) {
    if (!owned.has(field) && !reader.used.has(field)) reader.diagnostics.push(createDiagnostic('MOE7005', { args: { path, field, modelType } }));
  }
  const diagnostics: Diagnostic[] = [...reader.diagnostics];
  if (hasErrors(diagnostics)) return { value: undefined, diagnostics };
  const built = resolveDraft(path, draft);
  diagnostics.push(...built.diagnostics);
  if (!built.value) return { value: undefined, diagnostics };
  return { value: { type, config, path, draft, spec: draft.model, ir: built.value }, diagnostics };
}

/**
 * The config with each `attribute_map` alias restated under the field moec reads, as transformers'
 * `__setattr__` stores it; both names with different values is an error (which one wins depends
 * on the transformers version's assignment order).
 */
function resolveAliases(path: string, config: Record<string, Json>, aliases: Readonly<Record<string, string>>): Result<Record<string, Json> | undefined> {
  const has = (f: string) => Object.prototype.hasOwnProperty.call(config, f);
  const out = { ...config };
  for (const [alias, field] of Object.entries(aliases)) {
    if (!has(alias) || config[alias] === undefined) continue;
    if (has(field) && config[field] !== undefined && JSON.stringify(config[field]) !== JSON.stringify(config[alias])) {
      const expected = `it is transformers' other name for \`${field}\`, which the file states as ${JSON.stringify(config[field])}: state one`;
      return { value: undefined, diagnostics: [createDiagnostic('MOE7002', { args: { path, field: alias, value: JSON.stringify(config[alias]), expected } })] };
    }
    out[field] = config[alias]!;
    delete out[alias];
  }
  return { value: out, diagnostics: [] };
}

/** Validate and resolve the imported spec; its errors become MOE7009 (the config's fault, named). */
function resolveDraft(path: string, draft: SpecDraft): Result<ModelIR | undefined> {
  const validated = validateSpec(draft.spec, new Map());
  const wrap = (ds: readonly Diagnostic[]) =>
    ds.map((d) => (d.severity === 'error' ? createDiagnostic('MOE7009', { args: { path, code: d.code, message: d.message } }) : d));
  if (!validated.spec || hasErrors(validated.diagnostics)) return { value: undefined, diagnostics: wrap(validated.diagnostics) };
  const built = buildIR(validated.spec);
  if (hasErrors(built.diagnostics)) return { value: undefined, diagnostics: wrap([...validated.diagnostics, ...built.diagnostics]) };
  const kinds = built.value.layers.map((l) => l.ffn.kind === 'moe');
  const expected = kinds.map((_, i) => draft.moeLayers.includes(i));
  if (kinds.some((k, i) => k !== expected[i])) {
    throw new Error(`import of ${path}: MoE layers ${kinds.flatMap((k, i) => (k ? [i] : [])).join(',')} differ from the config's ${draft.moeLayers.join(',')}`);
  }
  return { value: built.value, diagnostics: validated.diagnostics.filter((d) => d.severity !== 'error') };
}

/** Read and import a config.json (a file, or a model directory holding one). */
export function importConfig(input: string): Result<ImportedConfig | undefined> {
  const read = readConfigFile(input);
  if (!read.value) return read as Result<undefined>;
  return importConfigObject(read.value.path, read.value.config);
}
