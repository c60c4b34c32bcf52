/**
 * Phase: imports/extends. Loads a spec file and everything it names, and merges them:
 *   extends base  →  imports, in order  →  the file's own body      (later layers win)
 * Paths are relative to the naming file and must stay under the root directory. Each file is
 * read and lowered once per run (a diamond of imports is fine; a cycle is an error showing the
 * chain). Every problem is reported at the import/extends string that led to it.
 */
import { dirname, isAbsolute, relative, resolve, join, normalize } from 'node:path';
import type { StringValue } from '../../grammar/ast.js';
import { parseMoeSource } from '../../grammar/parse-source.js';
import { createDiagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Span } from '../diagnostics/span.js';
import { lowerFile } from './lower-ast.js';
import { mergeLayers, type Layer } from './merge.js';
import { readJsonYaml } from './read-json-yaml.js';
import { hfConfigDiagnostic } from './hf-config-hint.js';
import { readSpecText, type TextResult } from './read-text.js';
import type { Sources } from './source.js';

/** `model` (.moe with a model block), `fragment` (.moe without), `data` (.moe.json / .moe.yaml). */
export type SpecFileKind = 'model' | 'fragment' | 'data';

export interface LoadedFile extends Layer {
  kind: SpecFileKind;
  /** False when this file or anything it names has errors: its values are not trustworthy. */
  ok: boolean;
  /** True when the file holds nothing at all (no model, no entries, no imports). */
  empty: boolean;
}

export function isDataFile(file: string): boolean {
  return /\.(json|ya?ml)$/i.test(file);
}

export interface Loader {
  load(abs: string, display: string, via?: { span: Span; chain: string[] }): LoadedFile | undefined;
}

/**
 * `given`: files already read, by absolute path (a spec from stdin, which goes by the name
 * `--stdin-filepath` gives it and need not exist on disk).
 */
export function createLoader(root: string, sources: Sources, diagnostics: Diagnostic[], given: ReadonlyMap<string, TextResult> = new Map()): Loader {
  const cache = new Map<string, LoadedFile | undefined>();
  const stack: string[] = [];

  function loadUncached(abs: string, display: string, at: Span | undefined): LoadedFile | undefined {
    const read = given.get(abs) ?? readSpecText(abs, display, sources, at);
    if (!read.ok) {
      if (at && read.missing) {
        diagnostics.push(createDiagnostic('MOE1040', { span: at, args: { path: display, resolved: abs } }));
      } else diagnostics.push(read.diagnostic);
      return undefined;
    }
    if (isDataFile(abs)) {
      const data = readJsonYaml(read.text, display);
      const hf = hfConfigDiagnostic(data.spec, display, data.spans);
      if (hf) {
        diagnostics.push(hf);
        return { kind: 'data', spec: {}, spans: data.spans, ok: false, empty: false };
      }
      diagnostics.push(...data.diagnostics);
      const ok = !hasErrors(data.diagnostics) && data.spec !== undefined;
      return { kind: 'data', spec: data.spec ?? {}, spans: data.spans, ok, empty: false };
    }
    const parsed = parseMoeSource(read.text, display);
    diagnostics.push(...parsed.diagnostics);
    if (!parsed.ast || hasErrors(parsed.diagnostics)) {
      return { kind: parsed.ast?.model ? 'model' : 'fragment', spec: {}, spans: new Map(), ok: false, empty: false };
    }
    const ast = parsed.ast;
    const lowered = lowerFile(ast);
    diagnostics.push(...lowered.diagnostics);
    let ok = !hasErrors(lowered.diagnostics);
    const layers: Layer[] = [];
    const follow = (target: StringValue, role: 'extends' | 'import'): void => {
      const child = resolveChild(abs, display, target);
      if (!child) {
        ok = false;
        return;
      }
      const loaded = loader.load(child.abs, child.display, { span: target.span, chain: [...stack] });
      if (!loaded) {
        ok = false;
        return;
      }
      if (!loaded.ok) {
        diagnostics.push(createDiagnostic('MOE1045', { span: target.span, args: { path: target.value } }));
        ok = false;
      } else if (role === 'import' && loaded.kind === 'model') {
        diagnostics.push(createDiagnostic('MOE1043', { span: target.span, args: { path: target.value } }));
        ok = false;
      } else if (role === 'extends' && loaded.kind === 'fragment') {
        diagnostics.push(createDiagnostic('MOE1044', { span: target.span, args: { path: target.value } }));
        ok = false;
      } else layers.push(loaded);
    };
    if (ast.model?.extends) follow(ast.model.extends, 'extends');
    for (const imp of ast.imports) follow(imp.path, 'import');
    layers.push(lowered);
    const merged = layers.length === 1 ? lowered : mergeLayers(layers);
    const empty = !ast.model && ast.entries.length === 0 && ast.imports.length === 0;
    return { kind: lowered.kind, spec: merged.spec, spans: merged.spans, ok, empty };
  }

  function resolveChild(fromAbs: string, fromDisplay: string, target: StringValue): { abs: string; display: string } | undefined {
    const abs = resolve(dirname(fromAbs), target.value);
    const rel = relative(root, abs);
    if (target.value === '' || rel.startsWith('..') || isAbsolute(rel)) {
      diagnostics.push(createDiagnostic('MOE1042', { span: target.span, args: { path: target.value, root } }));
      return undefined;
    }
    const display = isAbsolute(target.value) ? abs : normalize(join(dirname(fromDisplay), target.value));
    return { abs, display };
  }

  const loader: Loader = {
    load(abs, display, via) {
      const start = stack.indexOf(abs);
      if (start !== -1 && via) {
        const names = [...stack.slice(start), abs].map((p) => relative(root, p) || p);
        diagnostics.push(createDiagnostic('MOE1041', { span: via.span, args: { chain: names.join(' → ') } }));
        return undefined;
      }
      if (cache.has(abs)) return cache.get(abs);
      stack.push(abs);
      try {
        const loaded = loadUncached(abs, display, via?.span);
        cache.set(abs, loaded);
        return loaded;
      } finally {
        stack.pop();
      }
    },
  };
  return loader;
}


