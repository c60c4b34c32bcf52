/**
 * Hostile input, class 7 — crashes (MOE9005, stack overflows). Import chains thousands deep,
 * wide and exponential import graphs, long lists, thousands of diagnostics, a run report of a
 * large MoE over many steps, metrics lines with odd field types, and a 150,000-row tensor table
 * — each bounded in time, none a stack overflow or an internal error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { HAS_BIN, moec, removeTempDirs, smallSpec, tempDir, write } from './harness.js';

afterAll(removeTempDirs);

const noCrash = (r: { stdout: string; stderr: string; hung: boolean }) => {
  expect(r.hung).toBe(false);
  expect(r.stdout + r.stderr).not.toMatch(/MOE9005|Maximum call stack|RangeError/);
};

describe.skipIf(!HAS_BIN)('class 7: no input crashes moec', () => {
  test('an import chain 2,000 files deep: MOE1072, not a stack overflow', () => {
    const dir = tempDir();
    for (let i = 0; i < 2000; i++) writeFileSync(join(dir, `f${i}.moe`), i === 1999 ? 'train { steps 10 }\n' : `import "f${i + 1}.moe"\n`);
    write(dir, 'spec.moe', 'import "f0.moe"\n' + smallSpec());
    const r = moec(['check', join(dir, 'spec.moe')], { limitS: 30 });
    noCrash(r);
    expect(r.stdout).toContain('MOE1072');
  });

  test('300 imports in one file (MOE1073), and 2^20 import paths through a 20-level diamond (read once each)', () => {
    const dir = tempDir();
    write(dir, 'frag.moe', 'train { steps 10 }\n');
    write(dir, 'wide.moe', Array.from({ length: 300 }, () => 'import "frag.moe"\n').join('') + smallSpec());
    const wide = moec(['check', join(dir, 'wide.moe')], { limitS: 30 });
    noCrash(wide);
    expect(wide.stdout).toContain('MOE1073');
    for (let level = 0; level < 20; level++) {
      const body = level === 19 ? 'train { steps 10 }\n' : `import "l${level + 1}a.moe"\nimport "l${level + 1}b.moe"\n`;
      write(dir, `l${level}a.moe`, body);
      write(dir, `l${level}b.moe`, body);
    }
    write(dir, 'diamond.moe', 'import "l0a.moe"\n' + smallSpec());
    const diamond = moec(['check', join(dir, 'diamond.moe')], { limitS: 30 });
    noCrash(diamond);
    expect(diamond.stdout).toContain('no problems');
  });

  test('a list of 10,001 layers (MOE1075) and 15,000 schema errors (capped, MOE1076)', () => {
    const dir = tempDir();
    const long = moec(['check', write(dir, 'long.moe', smallSpec('l').replace('dense { ffn 128 }', `dense { ffn 128  layers [${Array.from({ length: 10_001 }, (_, i) => i).join(', ')}] }`))], { limitS: 30 });
    noCrash(long);
    expect(long.stdout).toContain('MOE1075');
    const many = moec(['check', write(dir, 'many.moe.json', JSON.stringify({ name: 'm', vocab: 256, hidden: 64, layers: 2, context: 128, attention: { heads: 4 }, dense: { ffn: 8, layers: Array(5000).fill('x') } }))], { limitS: 60 });
    noCrash(many);
    expect(many.stdout).toContain('MOE1076');
    expect(many.stdout.split('\n').filter((l) => / - error MOE2/.test(l)).length).toBeLessThanOrEqual(500);
  });

  test('moec report: 27 MoE layers × 64 experts over 200 steps (past the old stack limit), and odd metrics lines', () => {
    const dir = tempDir();
    const lines: string[] = [];
    for (let step = 1; step <= 200; step++) {
      const load: Record<string, number[]> = {};
      const per: Record<string, number> = {};
      for (let l = 1; l <= 27; l++) {
        load[l] = Array.from({ length: 64 }, (_, e) => 1 / 64 + (((step * e + l) % 7) - 3) * 1e-4);
        per[l] = 0.01;
      }
      lines.push(JSON.stringify({ step, loss: 5 - step / 1000, ce: 5 - step / 1000, aux_loss: 0.01, z_loss: 0, lr: 1e-3, grad_norm: 1, clipped: false, tokens: step * 512, tokens_per_s: 1000, step_s: 0.5, epoch: 0, expert_load: load, router_entropy: per, dropped_fraction: per }));
    }
    const odd = [
      JSON.stringify({ step: 201, loss: 'high', expert_load: null }),
      JSON.stringify({ step: 1e300, loss: 1 }),
      JSON.stringify({ ...JSON.parse(lines[0]!), step: 202, expert_load: { '1': 'x' } }),
      '[1, 2, 3]',
      'not json',
    ];
    writeFileSync(join(dir, 'metrics.jsonl'), [...lines, ...odd].join('\n') + '\n');
    const r = moec(['report', dir], { limitS: 240 });
    noCrash(r);
    expect(r.code).toBe(0);
    expect(r.stderr.match(/warning MOE6563/g)).toHaveLength(odd.length);
    expect(r.maxRssMiB).toBeLessThan(3072);
  }, 300_000);

  test('explain --tensors of 150,000 tensors (50 layers × 1,024 experts)', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'x'));
    const spec = write(dir, 'wide.moe', 'model "wide" {\n  vocab 256\n  hidden 8\n  layers 50\n  context 16\n  attention { heads 2 }\n  moe {\n    experts 1024 { ffn 8 }\n    router { top_k 2 }\n  }\n}\n');
    const r = moec(['explain', spec, '--tensors'], { limitS: 120 });
    noCrash(r);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').length).toBeGreaterThan(150_000);
  });
});
