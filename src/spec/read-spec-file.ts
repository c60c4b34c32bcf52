/**
 * Phase: read + parse (+ imports/extends) → canonical spec object and SpanMap.
 * `.moe` files go through grammar/ (lexer, parser, CST → AST) and lower-ast.ts; `.moe.json` and
 * `.moe.yaml`/`.moe.yml` through read-json-yaml.ts. Never throws: an exception here would be a
 * compiler bug, and is reported as MOE9005 rather than escaping.
 */
import { dirname, resolve } from 'node:path';
import { createDiagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { fileSpan } from '../diagnostics/span.js';
import { createLoader, type SpecFileKind } from './imports.js';
import type { SpanMap } from './spans.js';
import type { Sources } from './source.js';
import type { TextResult } from './read-text.js';

export interface ReadSpecResult {
  /** The merged spec object (unvalidated), absent when nothing usable was parsed. */
  spec: unknown | undefined;
  spans: SpanMap;
  diagnostics: Diagnostic[];
  /**
   * What the file is: `model` (a model block), `fragment` (top-level blocks only, meant to be
   * imported — not a complete spec), or `data` (.moe.json / .moe.yaml). Absent when unreadable.
   */
  kind?: SpecFileKind;
}

export interface ReadSpecOptions {
  /** Imports must resolve under this directory. Default: the directory of `file`. */
  root?: string;
  /** The file's content, already read (a spec from stdin): `file` is then only its name. */
  text?: TextResult;
}

export function readSpecFile(file: string, sources: Sources, options: ReadSpecOptions = {}): ReadSpecResult {
  const diagnostics: Diagnostic[] = [];
  try {
    const abs = resolve(file);
    const root = resolve(options.root ?? dirname(abs));
    const given = new Map(options.text ? [[abs, options.text]] : []);
    const loaded = createLoader(root, sources, diagnostics, given).load(abs, file);
    if (!loaded) return { spec: undefined, spans: new Map(), diagnostics };
    if (loaded.empty && !hasErrors(diagnostics)) {
      diagnostics.push(createDiagnostic('MOE1003', { span: fileSpan(file), args: { file } }));
    }
    const usable = loaded.ok && !hasErrors(diagnostics);
    return { spec: usable ? loaded.spec : undefined, spans: loaded.spans, diagnostics, kind: loaded.kind };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    diagnostics.push(createDiagnostic('MOE9005', { span: fileSpan(file), args: { reason } }));
    return { spec: undefined, spans: new Map(), diagnostics };
  }
}
