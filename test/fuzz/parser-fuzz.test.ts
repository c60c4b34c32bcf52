/**
 * Fuzz: mutated real specs and random text through readSpecFile and fmt. Properties: nothing
 * throws, every diagnostic has a stable code and a 1-based position, and whatever fmt prints is
 * a fixed point that lowers to the same spec. The run itself is the hang detector.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMoeSource } from '../../grammar/parse-source.js';
import { formatMoe } from '../../src/fmt/format-moe.js';
import { lowerFile } from '../../src/spec/lower-ast.js';
import { readSpecFile } from '../../src/spec/read-spec-file.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';

const corpus = readdirSync('specs')
  .filter((f) => f.endsWith('.moe'))
  .map((f) => readFileSync(join('specs', f), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'moec-fuzz-'));
const ALPHABET = '{}[]",.:=#/*\\\n \t-_0123456789kMGiBe"xyzmodelimportextends\u0000\u00e9\u{1F600}';

function checkDiagnostics(diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) {
    expect(d.code).toMatch(/^MOE\d{4}$/);
    expect(d.span).toBeDefined();
    expect(d.span!.line).toBeGreaterThanOrEqual(1);
    expect(d.span!.column).toBeGreaterThanOrEqual(1);
    expect(d.code).not.toBe('MOE9005');
  }
}

let n = 0;
function roundTrip(text: string): void {
  const file = join(dir, `f${n++ % 8}.moe`);
  writeFileSync(file, text);
  const read = readSpecFile(file, new Map());
  checkDiagnostics(read.diagnostics);
  const formatted = formatMoe(text, file);
  checkDiagnostics(formatted.diagnostics);
  if (formatted.output !== undefined) {
    expect(formatMoe(formatted.output, file).output).toBe(formatted.output);
    const before = parseMoeSource(text, file).ast!;
    const after = parseMoeSource(formatted.output, file).ast!;
    expect(lowerFile(after).spec).toEqual(lowerFile(before).spec);
    expect(after.comments.length).toBe(before.comments.length);
  }
}

const mutation = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 1, maxLength: 4 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ op: fc.constant('swap' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);

type Mutation = { op: string; at: number; text?: string; len?: number; to?: number };

function mutate(text: string, ops: readonly Mutation[]): string {
  let t = text;
  for (const m of ops) {
    const at = t.length ? m.at % (t.length + 1) : 0;
    if (m.op === 'insert') t = t.slice(0, at) + m.text + t.slice(at);
    else if (m.op === 'delete') t = t.slice(0, at) + t.slice(at + (m.len ?? 1));
    else if (m.op === 'truncate') t = t.slice(0, at);
    else if (t.length > 1) {
      const to = (m.to ?? 0) % t.length;
      const a = Math.min(at, t.length - 1);
      const chars = [...t];
      [chars[a], chars[to]] = [chars[to], chars[a]];
      t = chars.join('');
    }
  }
  return t;
}

describe('parser fuzz', () => {
  it('survives mutated specs', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: corpus.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 5 }), (i, ops) => {
        roundTrip(mutate(corpus[i], ops));
      }),
      { numRuns: 2000, seed: 20250601 },
    );
  });

  it('survives random text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
        roundTrip(text);
      }),
      { numRuns: 1000, seed: 7 },
    );
  });

  it('formats and re-lowers generated valid specs identically', () => {
    const key = fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/).filter((k) => !['model', 'import', 'extends', 'true', 'false'].includes(k));
    const scalar = fc.oneof(
      fc.integer({ min: -1e6, max: 1e9 }).map(String),
      fc.constantFrom('4k', '32_000', '1e-4', '80GiB', '1.5', '-0.25', 'true', 'false', 'swiglu', '1..27', '[0, 3..5]', '[]'),
      fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
    );
    const comment = fc.constantFrom('', ' // c', ' # h', ' /* b */', '\n// own line\n', '\n\n');
    const block: fc.Memo<string> = fc.memo((depth) =>
      fc
        .uniqueArray(fc.tuple(key, depth > 1 ? fc.oneof(scalar, block(depth - 1).map((b) => `{\n${b}\n}`)) : scalar, comment), {
          maxLength: 5,
          selector: ([k]) => k,
        })
        .map((entries) => entries.map(([k, v, c]) => `${k} ${v}${c}`).join('\n')),
    );
    fc.assert(
      fc.property(block(3), (body) => {
        const text = `model "g" {\n${body}\n}\n`;
        const parsed = parseMoeSource(text, 'g.moe');
        expect(parsed.diagnostics).toEqual([]);
        roundTrip(text);
      }),
      { numRuns: 500, seed: 11 },
    );
  });
});
