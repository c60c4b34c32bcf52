/**
 * Fuzz: mutated spec objects (wrong types, unknown keys, 0 / negative / NaN / huge numbers,
 * removed required keys, whole blocks replaced) through validateSpec — never an exception, and
 * every diagnostic has a code from the table and a span inside the (fake) file.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { validateSpec } from '../../src/validate/validate-spec.js';
import { diagnosticTable } from '../../src/diagnostics/codes/index.js';
import { baseSpec } from '../validate/base-spec.js';
import { fakeSpans } from '../validate/fake-spans.js';

type Obj = Record<string, unknown>;

const anyValue = fc.oneof(
  fc.constantFrom(0, -1, 1, 2, 3, 7, 64, 1e9, 2 ** 53, -0.5, 0.5, Number.NaN, Infinity, -Infinity),
  fc.integer({ min: -1000, max: 100_000 }),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.constantFrom('all', 'none', '0..3', '3..0', '0..99', 'softmax', 'int4', 'block', 'yarn'),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer({ min: -2, max: 10 }), fc.constantFrom('1..2', 'x')), { maxLength: 4 }),
  fc.constant({}),
);

/** All paths to values in an object (arrays included). */
function paths(v: unknown, prefix: string[] = []): string[][] {
  if (v === null || typeof v !== 'object') return [prefix];
  const out: string[][] = prefix.length ? [prefix] : [];
  for (const [k, c] of Object.entries(v)) out.push(...paths(c, [...prefix, k]));
  return out;
}

function parentOf(root: Obj, path: string[]): Obj | undefined {
  let cur: unknown = root;
  for (const seg of path.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Obj)[seg];
  }
  return cur !== null && typeof cur === 'object' ? (cur as Obj) : undefined;
}

const KEYS = ['top_k', 'topk', 'heads', 'ffn', 'layers', 'block', 'groups', 'expert', 'zero', 'window', 'mla', 'x'];
const mutation = fc.record({ pick: fc.nat(), kind: fc.constantFrom('set', 'delete', 'add'), key: fc.constantFrom(...KEYS), value: anyValue });

function fullSpec(): Obj {
  const spec = baseSpec() as unknown as Obj;
  spec.parallel = { data: 2, tensor: 2, expert: 4, micro_batch: 1, sequence_parallel: true, device: { memory: 80e9 } };
  spec.quantize = { experts: { dtype: 'int4', block: 32 }, default: { dtype: 'bf16' } };
  (spec.attention as Obj).rope = { theta: 10000, dim: 16, scaling: 'yarn', factor: 4 };
  ((spec.moe as Obj).router as Obj).groups = 4;
  ((spec.moe as Obj).router as Obj).top_groups = 2;
  return spec;
}

test('validateSpec never throws; every diagnostic has a known code and a span in the file', () => {
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (mutations) => {
      const spec = fullSpec();
      for (const m of mutations) {
        const all = paths(spec);
        const path = all[m.pick % all.length];
        const parent = parentOf(spec, path);
        if (!parent) continue;
        const last = path[path.length - 1];
        if (m.kind === 'set') parent[last] = structuredClone(m.value);
        else if (m.kind === 'delete') delete parent[last];
        else parent[m.key] = structuredClone(m.value);
      }
      const { spans } = fakeSpans(spec);
      const lines = Math.max(...[...spans.values()].map((s) => s.value.line));
      const result = validateSpec(spec, spans);
      for (const d of result.diagnostics) {
        expect(d.code in diagnosticTable).toBe(true);
        expect(d.span, `${d.code} ${d.message}`).toBeDefined();
        expect(d.span!.file).toBe('mem.moe');
        expect(d.span!.line).toBeGreaterThanOrEqual(1);
        expect(d.span!.line).toBeLessThanOrEqual(lines);
        expect(d.message).not.toMatch(/\{\w+\}/);
      }
      if (result.spec) expect(result.diagnostics.every((d) => d.severity !== 'error')).toBe(true);
    }),
    { numRuns: 1500, seed: Number(process.env.FUZZ_SEED ?? 20261123) },
  );
});

test('semantic rules never throw on schema-valid specs with random sizes', () => {
  const numeric = (spec: Obj) => paths(spec).filter((p) => typeof parentOf(spec, p)?.[p[p.length - 1]] === 'number');
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 300 })), { minLength: 1, maxLength: 8 }), (edits) => {
      const spec = fullSpec();
      for (const [pick, value] of edits) {
        const all = numeric(spec);
        const path = all[pick % all.length];
        parentOf(spec, path)![path[path.length - 1]] = value;
      }
      const { spans } = fakeSpans(spec);
      const result = validateSpec(spec, spans);
      for (const d of result.diagnostics) {
        expect(d.span).toBeDefined();
        expect(d.message).not.toMatch(/\{\w+\}|NaN|undefined/);
      }
    }),
    { numRuns: 1500, seed: Number(process.env.FUZZ_SEED ?? 20261123) },
  );
});
