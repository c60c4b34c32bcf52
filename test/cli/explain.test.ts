/**
 * `moec explain` end to end: the built CLI (dist/, from `npm run build`) in a child process —
 * JSON fields, the published figures, the tables, the fit error, and that it loads neither
 * tfjs nor onnxruntime (so no tensor can be allocated). Timing is a benchmark
 * (test/bench/explain.ts), not an assertion.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, test } from 'vitest';

const BIN = 'dist/cli/bin.js';

function moec(args: string[], nodeArgs: string[] = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!existsSync(BIN))('moec explain (built CLI)', () => {
  test('--format json: integer totals and the published figures', () => {
    const cases: Array<[string, number, number, number]> = [
      // file, published total, published active, decimals of billions they are published at
      ['specs/mixtral-8x7b.moe', 46.7, 12.9, 1],
      ['specs/deepseek-moe-16b.moe', 16.4, 2.8, 1],
      ['specs/olmoe-1b-7b.moe', 6.9, 1.3, 1],
    ];
    for (const [file, total, active, decimals] of cases) {
      const r = moec(['explain', file, '--format', 'json']);
      expect(r.code).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(Number.isInteger(j.params.total) && Number.isInteger(j.params.active)).toBe(true);
      expect(Number((j.params.total / 1e9).toFixed(decimals))).toBe(total);
      expect(Number((j.params.active / 1e9).toFixed(decimals))).toBe(active);
    }
    const v3 = JSON.parse(moec(['explain', 'specs/deepseek-v3.moe', '--format', 'json']).stdout);
    expect(Math.round(v3.params.total / 1e9)).toBe(671);
    expect(Math.abs(v3.params.active / 37e9 - 1)).toBeLessThan(0.02);
    expect(v3.params.mtp.total).toBeGreaterThan(11e9);
    for (const key of ['embeddings', 'attention', 'dense', 'experts', 'shared', 'router', 'norms', 'lm_head']) {
      expect(Number.isInteger(v3.params.groups[key].total)).toBe(true);
    }
    expect(v3.flops.training).toBe(3 * v3.flops.forward);
    // 160K context by YaRN, trained at 4K: the attention term is counted at the training length
    expect(v3.flops.context).toBe(4096);
    expect(v3.memory.stages).toHaveLength(16);
    expect(v3.memory.fits).toBe(true);
    expect(v3.placement.experts).toHaveLength(64);
    expect(v3.comms.allToAllPerMoeLayer).toBeGreaterThan(0);
    expect(v3.quantized.byGroup.experts.dtype).toBe('int4/b32');
  });

  test('tables', () => {
    const r = moec(['explain', 'specs/mixtral-8x7b.moe']);
    expect(r.code).toBe(0);
    for (const heading of ['Parameters', 'FLOPs', 'Parallel layout', 'Memory per device', 'Communication per step', 'Quantized artifact']) {
      expect(r.stdout).toContain(heading);
    }
    expect(r.stdout).toMatch(/total\s+46\.70B\s+12\.88B\s+46,702,792,704/);
  });

  test('--tensors lists the IR tensors', () => {
    const r = moec(['explain', 'specs/tiny.moe', '--tensors']);
    expect(r.stdout).toMatch(/layers\.1\.moe\.experts\.3\.down_proj\.weight\s+\[128, 64\]\s+experts\s+fp32/);
  });

  test('a layout that cannot fit: explained, MOE4010 on stderr, exit 1', () => {
    const text = readFileSync('specs/deepseek-v3.moe', 'utf8').replace(/world 2048\s+data 128\s+pipeline 16\s+expert 64/, 'world 8  data 8  expert 8');
    const file = join(mkdtempSync(join(tmpdir(), 'moec-explain-')), 'v3-on-8.moe');
    writeFileSync(file, text);
    const r = moec(['explain', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error MOE4010: device memory exceeded on each of the 8 h800 devices/);
    expect(r.stdout).toContain('DOES NOT FIT');
  });

  test('a missing file is a diagnostic without a fake position, exit 2, not a stack trace', () => {
    const r = moec(['explain', 'specs/no-such.moe']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error MOE9001: no such file or directory: `specs\/no-such.moe`/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('--json is kept as a deprecated spelling of --format json', () => {
    const r = moec(['explain', 'specs/tiny.moe', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).name).toBe('tiny');
    expect(r.stderr).toContain('--json is deprecated; use --format json');
  });

  test('errors only in the train block: parameters still explained, training figures left out, exit 1', () => {
    const text = readFileSync('specs/mixtral-8x7b.moe', 'utf8').replace('warmup 500', 'warmup 2000').replace('seed 42', 'seed 42\n    steps 1000');
    const file = join(mkdtempSync(join(tmpdir(), 'moec-explain-')), 'mixtral-bad-train.moe');
    writeFileSync(file, text);
    const r = moec(['explain', file, '--format', 'json']);
    expect(r.stderr).toContain('MOE3601');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(Number((j.params.total / 1e9).toFixed(1))).toBe(46.7);
    expect(j.trainingOmitted).toBe(true);
    expect(j.memory).toBeUndefined();
    const text2 = moec(['explain', file]);
    expect(text2.stdout).toContain('Parameters');
    expect(text2.stdout).toContain('not shown, the `train` block has errors');
  });

  test('explain loads neither tfjs nor onnxruntime', () => {
    const r = moec(['explain', 'specs/deepseek-v3.moe', '--format', 'json'], ['--import', './test/cli/fixtures/forbid-heavy-imports.mjs']);
    expect(r.stderr).not.toMatch(/must not load|loaded:/);
    expect(r.code).toBe(0);
  });
});
