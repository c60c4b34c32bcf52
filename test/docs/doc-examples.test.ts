/**
 * Every spec example in README.md and docs/ is a file that checks. A spec example is a fenced
 * block tagged ```moe <path>: the block must equal that file (under docs/examples/ or specs/),
 * and every such file — with all of docs/examples/, which holds what the examples import —
 * checks without errors or warnings and is exactly what `moec fmt` prints. A fenced block that
 * parses as a spec but is not tagged fails too, so an untested example cannot slip in.
 * `UPDATE=1` rewrites the blocks from the files (the files are the source of truth).
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseMoeSource } from '../../grammar/parse-source.js';
import { checkFiles } from '../../src/cli/check/check-files.js';
import { formatMoe } from '../../src/fmt/format-moe.js';

const DOCS = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const FENCE = /^```([^\n]*)\n([\s\S]*?)^```$/gm;
const update = process.env.UPDATE === '1';

interface Block {
  doc: string;
  line: number;
  info: string;
  body: string;
}

function blocks(doc: string): Block[] {
  const text = readFileSync(doc, 'utf8');
  return [...text.matchAll(FENCE)].map((m) => ({ doc, line: text.slice(0, m.index).split('\n').length, info: m[1]!.trim(), body: m[2]! }));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : p.endsWith('.moe') ? [p] : [];
  });
}

/** A block that is a clean .moe file (a model or top-level blocks). */
function looksLikeSpec(body: string): boolean {
  const parsed = parseMoeSource(body, 'block.moe');
  return parsed.diagnostics.length === 0 && !!parsed.ast && (!!parsed.ast.model || parsed.ast.entries.length > 0);
}

const all = DOCS.flatMap(blocks);
const examples = all.filter((b) => b.info.split(/\s+/)[0] === 'moe');

describe('spec examples in README.md and docs/', () => {
  test('there are examples, and each names its file', () => {
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const b of examples) expect(b.info, `${b.doc}:${b.line}`).toMatch(/^moe (docs\/examples|specs)\/\S+\.moe$/);
  });

  test.each(examples.map((b) => [`${b.doc}:${b.line}`, b] as const))('%s is its file, as written', (_where, b) => {
    const file = b.info.split(/\s+/)[1]!;
    const text = readFileSync(file, 'utf8');
    if (update && text !== b.body) {
      const doc = readFileSync(b.doc, 'utf8');
      writeFileSync(b.doc, doc.replace('```' + b.info + '\n' + b.body, '```' + b.info + '\n' + text));
      return;
    }
    expect(b.body).toBe(text);
  });

  test('no untagged block is a spec', () => {
    const untagged = all.filter((b) => b.info.split(/\s+/)[0] !== 'moe' && looksLikeSpec(b.body)).map((b) => `${b.doc}:${b.line}`);
    expect(untagged).toEqual([]);
  });

  const files = [...new Set([...filesUnder('docs/examples'), ...examples.map((b) => b.info.split(/\s+/)[1]!)])].sort();
  test.each(files)('%s checks clean and is formatted', (file) => {
    const report = checkFiles([file]);
    expect(report.diagnostics.map((d) => `${d.span?.file}:${d.span?.line} ${d.code} ${d.message}`)).toEqual([]);
    const text = readFileSync(file, 'utf8');
    expect(formatMoe(text, file).output).toBe(text);
  });
});
