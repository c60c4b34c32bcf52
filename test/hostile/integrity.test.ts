/**
 * Hostile input, class 4 — checkpoint integrity (docs/checkpoint.md § Integrity). Every byte
 * that decides how tensors are read and how training resumes is covered by a checksum: an
 * edited offset, shape, optimizer or data-cursor value is refused with MOE6560 naming the
 * file. A forger who recomputes the checksums still meets the structural checks (file names
 * inside the directory, tensors inside their shard and disjoint, shapes matching lengths), and
 * nothing is allocated from an unchecked size.
 */
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { readCheckpointWeights, readOptimizerState, readTrainerState, writeCheckpoint, type NamedTensor } from '../../src/checkpoint/index.js';
import { manifestDigest } from '../../src/checkpoint/verify.js';
import type { ModelIR } from '../../src/ir/types.js';
import { buildTinyIR } from '../train/tiny-model.js';
import { HAS_BIN, moec, removeTempDirs, tempDir } from './harness.js';

afterAll(removeTempDirs);
const ir = await buildTinyIR();

function weightsFor(model: ModelIR): NamedTensor[] {
  return model.tensors.map((t, i) => {
    const data = new Float32Array(t.shape.reduce((a, b) => a * b, 1));
    for (let j = 0; j < data.length; j++) data[j] = Math.sin(i + j);
    return { name: t.name, shape: t.shape, data };
  });
}

/** A run with one checkpoint (weights, optimizer slots, trainer state); returns its directory. */
function checkpoint(): { run: string; dir: string } {
  const run = tempDir();
  const weights = weightsFor(ir);
  const m = weights.map((t) => ({ ...t, name: `m/${t.name}` }));
  const dir = writeCheckpoint(run, {
    step: 4,
    specHash: ir.specHash,
    weights,
    optimizer: { kind: 'adamw', hyper: { lr: 0.003 }, step: 4, scalars: { beta1Power: 0.6561 }, slots: ['m'], tensors: m },
    state: { step: 4, data: { epoch: 0, cursor: 17 }, seed: 1 },
  }).value!;
  return { run, dir };
}

const edit = (file: string, from: RegExp, to: string) => writeFileSync(file, readFileSync(file, 'utf8').replace(from, to));
type Json = Record<string, any>;
/** Rewrite the manifest as a forger would: change it, then recompute its checksum. */
function forge(dir: string, change: (m: Json) => void): void {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Json;
  change(m);
  m.sha256 = manifestDigest(m);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m, null, 2));
}

describe('class 4: edited checkpoint metadata is refused, naming the file', () => {
  test('a shifted tensor offset in manifest.json', () => {
    const { run, dir } = checkpoint();
    expect(readCheckpointWeights(run, ir).diagnostics).toEqual([]);
    // The second tensor's offset moves by one float: the bytes would load shifted.
    const file = join(dir, 'manifest.json');
    let seen = 0;
    writeFileSync(file, readFileSync(file, 'utf8').replace(/"offset": (\d+)/g, (whole, n: string) => (++seen === 2 ? `"offset": ${Number(n) + 4}` : whole)));
    expect(seen).toBeGreaterThan(2);
    const r = readCheckpointWeights(run, ir);
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE6560']);
    expect(r.diagnostics[0]!.message).toContain('`manifest.json`');
  });

  test('an edited data cursor in state.json, an edited hyper-parameter in optimizer.json', () => {
    const { dir } = checkpoint();
    edit(join(dir, 'state.json'), /"cursor": 17/, '"cursor": 18');
    const state = readTrainerState(dir);
    expect(state.diagnostics.map((d) => d.code)).toEqual(['MOE6560']);
    expect(state.diagnostics[0]!.message).toContain('`state.json`');
    edit(join(dir, 'optimizer.json'), /"beta1Power": 0.6561/, '"beta1Power": 0.5');
    const opt = readOptimizerState(dir);
    expect(opt.diagnostics.map((d) => d.code)).toEqual(['MOE6560']);
    expect(opt.diagnostics[0]!.message).toContain('`optimizer.json`');
  });

  test('a forged manifest: a shard outside the directory, overlapping tensors, a huge shape', () => {
    const cases: [string, (m: Json) => void, RegExp][] = [
      ['escape', (m) => (m.shards[0].file = '../../../etc/passwd'), /not a file of the checkpoint directory/],
      ['device', (m) => (m.shards[0].file = '/dev/zero'), /not a file of the checkpoint directory/],
      ['overlap', (m) => (m.tensors[1].offset = m.tensors[0].offset), /overlap/],
      ['huge', (m) => ((m.tensors[0].shape = [1e9, 1e9]), (m.tensors[0].length = 4e18)), /length does not match its shape|lies outside/],
      ['negative', (m) => (m.tensors[0].offset = -4), /length does not match its shape/],
      ['fraction', (m) => (m.shards[0].bytes = 10.5), /no valid byte count/],
    ];
    for (const [name, change, reason] of cases) {
      const { run, dir } = checkpoint();
      forge(dir, change);
      const r = readCheckpointWeights(run, ir);
      expect(r.diagnostics.map((d) => d.code), name).toEqual(['MOE6501']);
      expect(r.diagnostics[0]!.message).toMatch(reason);
    }
  });

  test('a shard swapped for /dev/zero is not read past its recorded size', () => {
    const { run, dir } = checkpoint();
    rmSync(join(dir, 'weights-00000.bin'));
    symlinkSync('/dev/zero', join(dir, 'weights-00000.bin'));
    const r = readCheckpointWeights(run, ir);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MOE6505']);
    expect(r.diagnostics[0]!.message).toContain('character device');
  });

  test('`latest` naming a directory outside the run is refused', () => {
    const { run } = checkpoint();
    for (const bad of ['../../../tmp', '/etc', 'checkpoints/../../x', 'step-1/../../y']) {
      writeFileSync(join(run, 'latest'), bad + '\n');
      const r = readCheckpointWeights(run, ir);
      expect(r.diagnostics.map((d) => d.code), bad).toEqual(['MOE6500']);
    }
  });

  test('version 1 (no metadata checksum): weights are read with MOE6561, resuming is refused (MOE6562)', () => {
    const { run, dir } = checkpoint();
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Json;
    delete m.files;
    delete m.sha256;
    m.version = 1;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    edit(join(dir, 'optimizer.json'), /"version": 2/, '"version": 1');
    const w = readCheckpointWeights(run, ir);
    expect(w.value).toBeDefined();
    expect(w.diagnostics.map((d) => d.code)).toEqual(['MOE6561']);
    expect(readOptimizerState(dir).diagnostics.map((d) => d.code)).toEqual(['MOE6562']);
    expect(readTrainerState(dir).diagnostics.map((d) => d.code)).toEqual(['MOE6562']);
  });
});

describe.skipIf(!HAS_BIN)('class 4: moec train --resume refuses an edited run', () => {
  test('an edited data cursor exits 1 with MOE6560 naming state.json', () => {
    const run = join(tempDir(), 'run');
    const trained = moec(['train', 'specs/tiny.moe', '--steps', '2', '--out', run, '--progress', 'none'], { limitS: 120 });
    expect(trained.code).toBe(0);
    const state = join(run, 'checkpoints', 'step-000002', 'state.json');
    edit(state, /"cursor": \d+/, '"cursor": 0');
    const resumed = moec(['train', '--resume', run, '--steps', '3', '--progress', 'none'], { limitS: 120 });
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toMatch(/error MOE6560: checkpoint `.*step-000002`: `state.json` does not match/);
  }, 300_000);
});
