/**
 * A config.json arrives with a download: `moec import` must answer any of them with diagnostics,
 * never an exception, a hang or a huge allocation. Mutations of every golden and real config
 * (fields deleted, retyped, set to extremes: negative, fractional, 2⁵³, huge layer counts,
 * nested junk) are imported; each gives either a spec that resolves or at least one error.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importConfigObject } from '../../../src/interop/hf/import-config.js';
import { hasErrors } from '../../../src/diagnostics/diagnostic.js';

const CONFIGS = [
  ...readdirSync('test/fixtures/hf').filter((d) => !d.endsWith('.md')).map((d) => join('test/fixtures/hf', d, 'config.json')),
  ...readdirSync('test/fixtures/hf-configs').filter((d) => !d.endsWith('.md')).map((d) => join('test/fixtures/hf-configs', d, 'config.json')),
];
const JUNK: unknown[] = [null, true, -1, 0, 0.5, 2 ** 53, 1e308, Number.NaN, '12', '', [], [1, 2], {}, { rope_type: 'yarn' }, { type: 'longrope', factor: -2 }, 1e9];

/** Deterministic xorshift, so a failure reproduces. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

describe('moec import on mutated configs', () => {
  it('never throws: every mutation resolves to a spec or reports an error', () => {
    const next = rng(20261128);
    let imported = 0;
    let refused = 0;
    for (let i = 0; i < 600; i++) {
      const base = JSON.parse(readFileSync(CONFIGS[i % CONFIGS.length]!, 'utf8')) as Record<string, unknown>;
      const keys = Object.keys(base);
      for (let m = 0; m < 1 + Math.floor(next() * 3); m++) {
        const key = keys[Math.floor(next() * keys.length)]!;
        if (next() < 0.3) delete base[key];
        else base[key] = JUNK[Math.floor(next() * JUNK.length)];
      }
      if (typeof base.num_hidden_layers === 'number' && base.num_hidden_layers > 64) base.num_hidden_layers = 1e9; // the IR's tensor bound must catch it
      const r = importConfigObject(`mutation ${i}`, base as never);
      if (r.value) {
        imported++;
        expect(hasErrors(r.diagnostics)).toBe(false);
      } else {
        refused++;
        expect(hasErrors(r.diagnostics), `mutation ${i}: refused without an error`).toBe(true);
      }
    }
    expect(imported).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });
});
