/**
 * Phase: reading + lowering, for spec files written as data: `.moe.json`, `.moe.yaml`, `.moe.yml`.
 * They hold the canonical spec object directly (src/spec/types.ts: sizes in bytes, ranges as
 * "a..b" strings). The `yaml` package parses both (JSON is YAML 1.2) and keeps node ranges, so
 * every value gets a span just like in a `.moe` file.
 */
import { createRequire } from 'node:module';
import type { Document, Node } from 'yaml';
import { createDiagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Span } from '../diagnostics/span.js';
import { pointer, type SpanMap } from './spans.js';
import type { SpecObject } from './lower-ast.js';
import { MAX_NESTING } from '../../grammar/parse-source.js';
import { anchorsPast, blockDepth, bracketDepth, MAX_YAML_ANCHORS, MAX_YAML_VALUES, numberProblem } from './data-limits.js';

export interface DataSpec {
  spec?: SpecObject;
  spans: SpanMap;
  diagnostics: Diagnostic[];
}

/**
 * The `yaml` parser also reads YAML's flow syntax, which is looser than JSON: trailing commas,
 * comments, single quotes, bare keys. A `.moe.json` file must stay readable by every JSON tool
 * (jq, editors validating it against `moec schema`), so it must also be strict JSON.
 */
function strictJsonError(text: string): { detail: string; at: number } | undefined {
  try {
    JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    return undefined;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const position = /at position (\d+)/.exec(message);
    const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    const detail = message.replace(/ in JSON at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '');
    return { detail: `not valid JSON: ${detail}`, at: position ? Number(position[1]) + bom : 0 };
  }
}
const JSON_HINT = 'a .moe.json file is strict JSON: no trailing commas, comments, single quotes or unquoted keys (name it .moe.yaml for YAML syntax)';

// `yaml` costs ~35 ms to load; most runs read only .moe files, so load it on first use.
let yamlModule: typeof import('yaml') | undefined;
const loadYaml = () => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));

export function readJsonYaml(text: string, file: string): DataSpec {
  const { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } = loadYaml();
  const spans: SpanMap = new Map();
  const diagnostics: Diagnostic[] = [];
  const lines = new LineCounter();
  const span = (start: number, end: number): Span => {
    const a = lines.linePos(start);
    const b = lines.linePos(end);
    return { file, offset: start, line: Math.max(1, a.line), column: a.col, endOffset: end, endLine: Math.max(1, b.line), endColumn: b.col };
  };

  const deep = bracketDepth(text);
  const deepAt = deep.at !== -1 ? deep.at : blockDepth(text);
  if (deepAt !== -1) {
    diagnostics.push(createDiagnostic('MOE1023', { span: span(deepAt, deepAt + 1), args: { limit: MAX_NESTING } }));
    return { spans, diagnostics };
  }
  const anchorAt = anchorsPast(text, MAX_YAML_ANCHORS);
  if (anchorAt !== -1) {
    diagnostics.push(createDiagnostic('MOE1078', { span: span(anchorAt, anchorAt + 1), args: { limit: MAX_YAML_ANCHORS } }));
    return { spans, diagnostics };
  }
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  } catch {
    diagnostics.push(createDiagnostic('MOE1050', { span: span(0, 0), args: { detail: 'the file could not be parsed as JSON or YAML' } }));
    return { spans, diagnostics };
  }
  for (const e of doc.errors) {
    const [start, end] = e.pos;
    diagnostics.push(createDiagnostic('MOE1050', { span: span(start, Math.max(start, end)), args: { detail: e.message.split('\n')[0] } }));
  }
  if (diagnostics.length) return { spans, diagnostics };
  const notJson = /\.json$/i.test(file) ? strictJsonError(text) : undefined;
  if (notJson) {
    diagnostics.push(createDiagnostic('MOE1050', { span: span(notJson.at, Math.min(text.length, notJson.at + 1)), args: { detail: notJson.detail }, hint: JSON_HINT }));
    return { spans, diagnostics };
  }

  const root = doc.contents;
  if (!isMap(root)) {
    const found = root === null ? 'nothing' : isSeq(root) ? 'a list' : 'a single value';
    const at = root?.range ? span(root.range[0], root.range[1]) : span(0, 0);
    diagnostics.push(createDiagnostic('MOE1051', { span: at, args: { found } }));
    return { spans, diagnostics };
  }

  // Aliases are expanded as toJS will expand them, so the walk is bounded by MAX_YAML_VALUES:
  // a "billion laughs" file stops here, at the alias that crosses the limit, not at 1 GB.
  let visited = 0;
  let bombAt: Node | undefined;
  const checked = new Set<Node>();
  // Alias.resolve searches the whole document each time: once per alias node is enough.
  const targets = new Map<Node, Node | undefined>();
  const resolveAlias = (a: Node): Node | undefined => {
    if (!targets.has(a)) targets.set(a, (a as unknown as { resolve(d: Document): Node | undefined }).resolve(doc));
    return targets.get(a);
  };
  const walk = (node: Node | null | undefined, path: (string | number)[], seen: Set<Node>, alias?: Node): void => {
    if (!node || seen.has(node) || bombAt) return;
    if (++visited > MAX_YAML_VALUES) {
      bombAt = alias ?? node;
      return;
    }
    const resolved = isAlias(node) ? resolveAlias(node) : node;
    if (!resolved) return;
    if (isAlias(node)) alias ??= node;
    if (isScalar(resolved) && typeof resolved.value === 'number' && !checked.has(resolved)) {
      checked.add(resolved);
      const code = numberProblem(resolved.value, String(resolved.source ?? resolved.value));
      const r = resolved.range;
      if (code && r) diagnostics.push(createDiagnostic(code, { span: span(r[0], r[1]), args: { text: String(resolved.source ?? resolved.value) } }));
    }
    const next = new Set(seen).add(node);
    if (isMap(resolved)) {
      for (const pair of resolved.items) {
        const key = pair.key as Node | null;
        const name = isScalar(key) ? String(key.value) : String(key);
        const value = pair.value as Node | null;
        const valueRange = value?.range ?? key?.range;
        if (!valueRange) continue;
        const entry: { key?: Span; value: Span } = { value: span(valueRange[0], valueRange[1]) };
        if (key?.range) entry.key = span(key.range[0], key.range[1]);
        spans.set(pointer([...path, name]), entry);
        walk(value, [...path, name], next, alias);
      }
    } else if (isSeq(resolved)) {
      resolved.items.forEach((item, i) => {
        const r = (item as Node | null)?.range;
        if (r) spans.set(pointer([...path, i]), { value: span(r[0], r[1]) });
        walk(item as Node, [...path, i], next, alias);
      });
    }
  };
  if (root.range) spans.set('', { value: span(root.range[0], root.range[1]) });
  walk(root, [], new Set());
  if (bombAt) {
    const r = bombAt.range ?? [0, 0];
    diagnostics.push(createDiagnostic('MOE1074', { span: span(r[0], r[1]), args: { limit: MAX_YAML_VALUES } }));
    return { spans: new Map(), diagnostics };
  }
  if (hasErrors(diagnostics)) return { spans, diagnostics };
  try {
    return { spec: doc.toJS({ maxAliasCount: 100 }) as SpecObject, spans, diagnostics };
  } catch (err) {
    // toJS throws on alias bombs ("excessive alias count").
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    diagnostics.push(createDiagnostic('MOE1050', { span: span(0, 0), args: { detail } }));
    return { spans, diagnostics };
  }
}
