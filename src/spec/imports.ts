/**
 * Phase: imports/extends. Loads a spec file and everything it names, and merges them:
 *   extends base  →  imports, in order  →  the file's own body      (later layers win)
 * Paths are relative to the naming file and must stay under the root directory. Each file is
 * read and lowered once per run (a diamond of imports is fine; a cycle is an error showing the
 * chain). Every problem is reported at the import/extends string that led to it.
 *
 * The root check is on real paths: a symlink under the root that points outside it is refused,
 * and a name that merely starts with `..` (`..frag.moe`) is not. Loading is bounded
 * (docs/security.md): chains at most MAX_IMPORT_DEPTH files deep (the loader recurses once per
 * level), at most MAX_SPEC_FILES files and MAX_SPEC_TOTAL_BYTES of text per spec, at most
 * MAX_IMPORTS_PER_FILE import lines per file and MAX_MERGED_VALUES values merged in all.
 */
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, join, normalize } from 'node:path';
import type { StringValue } from '../../grammar/ast.js';
import { parseMoeSource } from '../../grammar/parse-source.js';
import { createDiagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { fileSpan, type Span } from '../diagnostics/span.js';
import { lowerFile } from './lower-ast.js';
import { mergeLayers, type Layer } from './merge.js';
import { readJsonYaml } from './read-json-yaml.js';
import { hfConfigDiagnostic } from './hf-config-hint.js';
import { readSpecText, type TextResult } from './read-text.js';
import type { Sources } from './source.js';
import { isWithin } from '../io/output-guard.js';

/** `model` (.moe with a model block), `fragment` (.moe without), `data` (.moe.json / .moe.yaml). */
export type SpecFileKind = 'model' | 'fragment' | 'data';

export interface LoadedFile extends Layer {
  kind: SpecFileKind;
  /** False when this file or anything it names has errors: its values are not trustworthy. */
  ok: boolean;
  /** True when the file holds nothing at all (no model, no entries, no imports). */
  empty: boolean;
}

export const MAX_IMPORT_DEPTH = 32;
export const MAX_SPEC_FILES = 256;
export const MAX_SPEC_TOTAL_BYTES = 16 * 1024 * 1024;
export const MAX_IMPORTS_PER_FILE = 256;
export const MAX_MERGED_VALUES = 1_000_000;

/** The real path of `p`, or `p` itself when it does not exist (reading it reports that). */
function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
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
  const realRoot = real(root);
  /** Keyed by real path: one file reached by two names is read once, and a cycle through a symlink is a cycle. */
  const cache = new Map<string, LoadedFile | undefined>();
  const stack: string[] = [];
  let bytesRead = 0;
  let mergedValues = 0;
  /** Set once a limit is hit: the rest of the graph is not loaded (one diagnostic, not hundreds). */
  let halted = false;

  function overLimit(at: Span | undefined, code: 'MOE1072' | 'MOE1073', args: Record<string, string | number>): undefined {
    if (!halted) diagnostics.push(createDiagnostic(code, { span: at, args }));
    halted = true;
    return undefined;
  }

  function loadUncached(abs: string, display: string, at: Span | undefined): LoadedFile | undefined {
    const read = given.get(abs) ?? readSpecText(abs, display, sources, at);
    if (read.ok && (bytesRead += read.text.length) > MAX_SPEC_TOTAL_BYTES) {
      return overLimit(at ?? fileSpan(display), 'MOE1073', { what: `more than ${MAX_SPEC_TOTAL_BYTES} bytes of spec text`, limit: `${MAX_SPEC_TOTAL_BYTES} bytes` });
    }
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
    if (ast.imports.length > MAX_IMPORTS_PER_FILE) {
      return overLimit(ast.imports[MAX_IMPORTS_PER_FILE]!.path.span, 'MOE1073', { what: `${ast.imports.length} imports in ${display}`, limit: `${MAX_IMPORTS_PER_FILE} per file` });
    }
    const follow = (target: StringValue, role: 'extends' | 'import'): void => {
      if (halted) {
        ok = false;
        return;
      }
      const child = resolveChild(abs, display, target);
      if (!child) {
        ok = false;
        return;
      }
      const loaded = loader.load(child.abs, child.display, { span: target.span, chain: [...stack] });
      if (!loaded || halted) {
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
    if (halted) return { kind: lowered.kind, spec: {}, spans: new Map(), ok: false, empty: false };
    if (layers.length > 1 && (mergedValues += layers.reduce((n, l) => n + l.spans.size, 0)) > MAX_MERGED_VALUES) {
      return overLimit(at ?? ast.imports[0]?.path.span, 'MOE1073', { what: `more than ${MAX_MERGED_VALUES} values through its imports`, limit: `${MAX_MERGED_VALUES} values` });
    }
    const merged = layers.length === 1 ? lowered : mergeLayers(layers);
    const empty = !ast.model && ast.entries.length === 0 && ast.imports.length === 0;
    return { kind: lowered.kind, spec: merged.spec, spans: merged.spans, ok, empty };
  }

  function resolveChild(fromAbs: string, fromDisplay: string, target: StringValue): { abs: string; display: string } | undefined {
    const abs = resolve(dirname(fromAbs), target.value);
    if (target.value === '' || !isWithin(real(abs), realRoot)) {
      diagnostics.push(createDiagnostic('MOE1042', { span: target.span, args: { path: target.value, root } }));
      return undefined;
    }
    const display = isAbsolute(target.value) ? abs : normalize(join(dirname(fromDisplay), target.value));
    return { abs, display };
  }

  const loader: Loader = {
    load(abs, display, via) {
      const key = real(abs);
      const start = stack.indexOf(key);
      if (start !== -1 && via) {
        const names = [...stack.slice(start), key].map((p) => relative(realRoot, p) || p);
        diagnostics.push(createDiagnostic('MOE1041', { span: via.span, args: { chain: names.join(' → ') } }));
        return undefined;
      }
      if (cache.has(key)) return cache.get(key);
      if (stack.length >= MAX_IMPORT_DEPTH) return overLimit(via?.span, 'MOE1072', { limit: MAX_IMPORT_DEPTH });
      if (cache.size >= MAX_SPEC_FILES) return overLimit(via?.span, 'MOE1073', { what: `more than ${MAX_SPEC_FILES} files`, limit: `${MAX_SPEC_FILES} files` });
      stack.push(key);
      try {
        const loaded = loadUncached(abs, display, via?.span);
        cache.set(key, loaded);
        return loaded;
      } finally {
        stack.pop();
      }
    },
  };
  return loader;
}


