/** `moec train` / `moec report` usage and input errors, in process (no step is trained). */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { availableWasmThreads } from '../../src/lower/tfjs/wasm-threads.js';
import { tinySpec } from '../train/tiny-model.js';

const dir = mkdtempSync(join(tmpdir(), 'moec-cli-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let stderr = '';
beforeEach(() => {
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => vi.restoreAllMocks());

const moec = (...args: string[]) => main(['node', 'moec', ...args]);

describe('moec train errors', () => {
  it('rejects an optimizer the trainer does not implement, at its place in the spec', async () => {
    const spec = await tinySpec();
    spec.train!.optimizer = { type: 'adafactor', lr: 1e-3 };
    const file = join(dir, 'adafactor.moe.json');
    writeFileSync(file, JSON.stringify(spec, null, 2));
    expect(await moec('train', file, '--out', join(dir, 'a'))).toBe(1);
    expect(stderr).toMatch(/adafactor\.moe\.json:\d+:\d+ - error MOE6510: optimizer `adafactor` is not supported/);
  });

  it('refuses to start a fresh run over an existing one', async () => {
    const out = join(dir, 'existing');
    mkdirSync(out);
    writeFileSync(join(out, 'metrics.jsonl'), '');
    expect(await moec('train', 'specs/tiny.moe', '--out', out)).toBe(1);
    expect(stderr).toContain('error MOE6530');
    expect(stderr).toContain(`moec train --resume ${out}`);
  });

  it('reports a --resume directory without a checkpoint', async () => {
    const out = join(dir, 'empty');
    mkdirSync(out);
    expect(await moec('train', 'specs/tiny.moe', '--resume', out)).toBe(1);
    expect(stderr).toContain('error MOE6500');
  });

  it('reports --data that matches nothing', async () => {
    expect(await moec('train', 'specs/tiny.moe', '--out', join(dir, 'd'), '--data', join(dir, 'none-*.txt'))).toBe(2);
    expect(stderr).toContain('error MOE6520');
  });

  it('needs a spec unless resuming, and validates numbers', async () => {
    expect(await moec('train')).toBe(2);
    expect(await moec('train', join(dir, 'no-such.moe'))).toBe(2);
    expect(stderr).toMatch(/^error MOE9001: no such file or directory/m);
    expect(await moec('train', 'specs/tiny.moe', '--resume', join(dir, 'no-such-run'))).toBe(2);
    expect(await moec('report', join(dir, 'no-such-run'))).toBe(2);
    expect(await moec('train', 'specs/tiny.moe', '--steps', '0')).toBe(2);
    expect(await moec('train', 'specs/tiny.moe', '--backend', 'tpu')).toBe(2);
    expect(await moec('train', 'specs/tiny.moe', '--eval-split', '0')).toBe(2);
    expect(await moec('train', 'specs/tiny.moe', '--eval-split', '0.95')).toBe(2);
    expect(await moec('train', 'specs/tiny.moe', '--eval-every', '0')).toBe(2);
  });

  it('--eval-split that leaves too little held out is refused before training (MOE6580)', async () => {
    const file = join(dir, 'short.txt');
    writeFileSync(file, 'x'.repeat(100));
    expect(await moec('train', 'specs/tiny.moe', '--out', join(dir, 'split'), '--data', file, '--eval-split', '0.01')).toBe(1);
    expect(stderr).toContain('error MOE6580: --eval-split 0.01 of 100 tokens leaves 1 held-out and 99 training tokens');
  });

  it('bounds --threads by the cores available (MOE6030), before anything starts', async () => {
    const out = join(dir, 'threads');
    expect(await moec('train', 'specs/tiny.moe', '--out', out, '--threads', String(availableWasmThreads() + 1))).toBe(2);
    expect(stderr).toContain('error MOE6030');
    expect(existsSync(out)).toBe(false);
    expect(await moec('train', 'specs/tiny.moe', '--threads', '0')).toBe(2);
  });

  it('--backend webgpu --no-backend-fallback stops with MOE6033 where there is no GPU', async () => {
    const out = join(dir, 'webgpu');
    expect(await moec('train', 'specs/tiny.moe', '--out', out, '--backend', 'webgpu', '--no-backend-fallback')).toBe(1);
    expect(stderr).toMatch(/error MOE6033: backend `webgpu` is not available \(.+\), and --no-backend-fallback forbids running on `wasm` instead/);
    expect(existsSync(out)).toBe(false);
  });

  it('reports a spec error before anything else', async () => {
    const file = join(dir, 'bad.moe');
    writeFileSync(file, 'model "x" { vocab 256 hidden 64 layers 1 context 32 attention { heads 3 } }\n');
    expect(await moec('train', file, '--out', join(dir, 'b'))).toBe(1);
    expect(stderr).toMatch(/bad\.moe:1:\d+ - error MOE/);
  });
});

describe('moec train --resume <run>/checkpoints/step-N', () => {
  it('continues the run in its run directory from that checkpoint, leaving the checkpoint untouched', async () => {
    const spec = await tinySpec();
    Object.assign(spec, { hidden: 32 });
    Object.assign(spec.moe!.experts, { ffn: 32 });
    Object.assign(spec.moe!.shared!, { ffn: 32 });
    Object.assign(spec.train!, { batch: 2, seq_len: 16 });
    const file = join(dir, 'branch.moe.json');
    writeFileSync(file, JSON.stringify(spec, null, 2));
    const run = join(dir, 'branch');
    const common = ['--backend', 'wasm', '--progress', 'none', '--checkpoint-every', '1'];
    expect(await moec('train', file, '--out', run, '--steps', '3', ...common)).toBe(0);
    const step1 = join(run, 'checkpoints', 'step-000001');
    const before = readdirSync(step1).sort();

    // No spec argument: it is found through the run directory the checkpoint belongs to.
    expect(await moec('train', '--resume', step1, '--steps', '2', ...common), stderr).toBe(0);
    expect(readdirSync(step1).sort()).toEqual(before);
    expect(readFileSync(join(run, 'latest'), 'utf8').trim()).toBe('checkpoints/step-000002');
    const steps = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(steps).toEqual([1, 2]);
  });
});

describe('moec report errors', () => {
  it('exits 1 with MOE6540 for a directory without metrics', async () => {
    expect(await moec('report', dir)).toBe(1);
    expect(stderr).toContain('error MOE6540');
  });
});
