import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildIR } from '../../src/ir/build-ir.js';
import { checkMemoryFit } from '../../src/analysis/memory-fit.js';
import { loadModel } from '../../src/pipeline.js';
import { planSpec } from '../ir/fixtures.js';

describe('memory-fit diagnostic', () => {
  it('stays quiet when the busiest device fits', () => {
    const ir = buildIR({ ...planSpec, parallel: { ...planSpec.parallel, device: { memory: 7_000_000 } } }).value;
    expect(checkMemoryFit(ir, new Map())).toEqual([]);
  });

  it('names the device, the overflow and the fixes that fit', () => {
    // The hand-derived peak of this layout is 6,551,808 bytes on stage 0 (memory.test.ts).
    const ir = buildIR({ ...planSpec, parallel: { ...planSpec.parallel, device: { name: 'toy', memory: 6_000_000 } } }).value;
    const [d, ...rest] = checkMemoryFit(ir, new Map());
    expect(rest).toEqual([]);
    expect(d.code).toBe('MOE4010');
    expect(d.severity).toBe('error');
    expect(d.message).toContain('pipeline stage 0 of 2 (4 toy devices)');
    expect(d.message).toContain(`over by ${(551_808 / 2 ** 30).toFixed(1)} GiB`);
    expect(d.hint).toMatch(/^would fit: .*checkpointing full/);
  });

  it('warns when nearly full', () => {
    const ir = buildIR({ ...planSpec, parallel: { ...planSpec.parallel, device: { memory: 6_600_000 } } }).value;
    expect(checkMemoryFit(ir, new Map()).map((d) => d.code)).toEqual(['MOE4011']);
  });

  it('moec check path: DeepSeek-V3 on 8 × 80 GiB cannot fit, with a line and column', () => {
    const text = readFileSync('specs/deepseek-v3.moe', 'utf8').replace(
      /world 2048\s+data 128\s+pipeline 16\s+expert 64/,
      'world 8  data 8  expert 8',
    );
    const dir = mkdtempSync(join(tmpdir(), 'moec-fit-'));
    const file = join(dir, 'v3-on-8.moe');
    writeFileSync(file, text);
    const loaded = loadModel(file);
    const fit = loaded.diagnostics.filter((d) => d.code === 'MOE4010');
    expect(fit).toHaveLength(1);
    expect(fit[0].span?.file).toBe(file);
    expect(fit[0].span?.line).toBe(text.split('\n').findIndex((l) => l.includes('memory 80GiB')) + 1);
    expect(fit[0].message).toMatch(/each of the 8 h800 devices: needs \d+\.\d GiB of 80\.0 GiB/);
    expect(fit[0].hint).toContain('need at least');
    // The shipped layout fits.
    expect(loadModel('specs/deepseek-v3.moe').diagnostics.filter((d) => d.code.startsWith('MOE40'))).toEqual([]);
  });
});
