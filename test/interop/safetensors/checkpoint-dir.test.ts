/**
 * Hugging Face checkpoint directories: reading the Python-format sharded/single fixtures, writing
 * them back byte for byte (shards, names, index text), index validation, bounded descriptors.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MAX_OPEN_FILES,
  openCheckpoint,
  openSafetensors,
  planShards,
  writeCheckpointDir,
  writeSafetensors,
  type TensorToWrite,
} from '../../../src/interop/safetensors/index.js';
import { codes, expected, FIXTURES, tempDir } from './helpers.js';

const SHARDED = join(FIXTURES, 'sharded');
const SINGLE = join(FIXTURES, 'single');
const INDEX = 'model.safetensors.index.json';

/** The fixture model's tensors in state-dict order, as raw data. */
function stateDict(): TensorToWrite[] {
  const f = openSafetensors(join(SINGLE, 'model.safetensors')).value!;
  return (expected.checkpoint.order as string[]).map((name) => {
    const t = f.get(name)!;
    return { name, dtype: t.dtype, shape: t.shape, data: f.readRaw(name).value! };
  });
}

const sameFiles = (a: string, b: string) => {
  expect(readdirSync(a).sort()).toEqual(readdirSync(b).sort());
  for (const f of readdirSync(a)) expect(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f).toBe(true);
};

describe('reading', () => {
  it('a sharded checkpoint: every indexed tensor, from the shard the index names, same values as the single file', () => {
    const r = openCheckpoint(SHARDED);
    expect(r.diagnostics).toEqual([]);
    const ckpt = r.value!;
    expect(ckpt.layout).toBe('sharded');
    const index = JSON.parse(readFileSync(join(SHARDED, INDEX), 'utf8'));
    expect(new Set(ckpt.tensors.map((t) => t.name))).toEqual(new Set(Object.keys(index.weight_map)));
    for (const t of ckpt.tensors) expect(t.file).toBe(index.weight_map[t.name]);
    // storage order: shards by name, then offset
    expect(ckpt.tensors.map((t) => t.file)).toEqual([...ckpt.tensors.map((t) => t.file)].sort());
    const single = openCheckpoint(SINGLE).value!;
    expect(single.layout).toBe('single');
    for (const t of single.tensors) expect(ckpt.readFloat32(t.name).value).toEqual(single.readFloat32(t.name).value);
    ckpt.close();
  });

  it('prefers model.safetensors when an index is also present (as transformers does)', () => {
    const dir = tempDir();
    cpSync(SHARDED, dir, { recursive: true });
    cpSync(join(SINGLE, 'model.safetensors'), join(dir, 'model.safetensors'));
    expect(openCheckpoint(dir).value!.layout).toBe('single');
  });

  it('holds at most MAX_OPEN_FILES shards open while reading many', () => {
    const dir = tempDir();
    const tensors = Array.from({ length: MAX_OPEN_FILES + 8 }, (_, i) => ({ name: `t${i}`, dtype: 'F32' as const, shape: [2], data: new Float32Array([i, -i]) }));
    expect(writeCheckpointDir(dir, tensors, { maxShardSize: 8 }).value!.files).toHaveLength(MAX_OPEN_FILES + 8);
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    const ckpt = openCheckpoint(dir).value!;
    for (let pass = 0; pass < 2; pass++) for (const t of tensors) expect(ckpt.readFloat32(t.name).value![0]).toBe(tensors.indexOf(t));
    expect(fds() - before).toBeLessThanOrEqual(MAX_OPEN_FILES);
    ckpt.close();
    expect(fds()).toBe(before);
  });

  it('reads PEFT adapters by weights name', () => {
    const dir = tempDir();
    writeCheckpointDir(dir, [{ name: 'base_model.model.x.lora_A.weight', dtype: 'F32', shape: [1], data: new Float32Array([2]) }], { weightsName: 'adapter_model.safetensors' });
    expect(readdirSync(dir)).toEqual(['adapter_model.safetensors']);
    expect(codes(openCheckpoint(dir).diagnostics)).toEqual(['MOE7540']);
    expect(openCheckpoint(dir, { weightsName: 'adapter_model.safetensors' }).value!.tensors[0]!.name).toBe('base_model.model.x.lora_A.weight');
  });
});

describe('writing like save_pretrained', () => {
  it('shards, file names, shard bytes and index text equal the Python fixture', () => {
    const dir = tempDir();
    const r = writeCheckpointDir(dir, stateDict(), { maxShardSize: expected.checkpoint.max_shard_size });
    expect(r.diagnostics).toEqual([]);
    expect(r.value!.files).toEqual(expected.checkpoint.sharded_files);
    expect(r.value!.index).toBe(INDEX);
    sameFiles(dir, SHARDED);
  });

  it('one shard: a single model.safetensors, no index', () => {
    const dir = tempDir();
    expect(writeCheckpointDir(dir, stateDict()).value!.index).toBeUndefined();
    sameFiles(dir, SINGLE);
  });

  it('a re-save replaces the other layout and stale shards, and leaves other files alone', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'config.json'), '{}');
    writeFileSync(join(dir, 'model-00009-of-00012.safetensors'), 'stale');
    writeCheckpointDir(dir, stateDict(), { maxShardSize: 300 });
    expect(readdirSync(dir).sort()).toEqual(['config.json', ...expected.checkpoint.sharded_files, INDEX].sort());
    writeCheckpointDir(dir, stateDict());
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'model.safetensors']);
    writeCheckpointDir(dir, stateDict(), { maxShardSize: 300 });
    expect(openCheckpoint(dir).value!.layout).toBe('sharded');
    expect(readdirSync(dir)).not.toContain('model.safetensors');
  });

  it('writes total_parameters when given (transformers v5 index)', () => {
    const dir = tempDir();
    writeCheckpointDir(dir, stateDict(), { maxShardSize: 300, totalParameters: 1234 });
    expect(JSON.parse(readFileSync(join(dir, INDEX), 'utf8')).metadata).toEqual({ total_parameters: 1234, total_size: 1376 });
  });

  it('a failing tensor aborts the whole save: no shard, no index, no temporary file changes the directory', () => {
    const dir = tempDir();
    writeCheckpointDir(dir, stateDict());
    const before = readFileSync(join(dir, 'model.safetensors'));
    const broken = stateDict();
    broken[broken.length - 1] = { ...broken[broken.length - 1]!, data: new Uint8Array(3) };
    const r = writeCheckpointDir(dir, broken, { maxShardSize: 300 });
    expect(codes(r.diagnostics)).toEqual(['MOE7530']);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    expect(readFileSync(join(dir, 'model.safetensors')).equals(before)).toBe(true);
  });

  it('splits as huggingface_hub does: in order, an oversized tensor alone', () => {
    const sizes = [6, 6, 2, 6, 2, 2].map((s, i) => [i, s] as const);
    const shards = planShards(sizes.map(([i]) => i), new Map(sizes), 10);
    expect(shards).toEqual([[0], [1, 2], [3, 4, 5]]); // the docstring's [6], [6+2], [6+2+2]
    expect(planShards([0, 1, 2], new Map([[0, 3], [1, 20], [2, 3]]), 10)).toEqual([[1], [0, 2]]);
  });
});

describe('index validation: every problem, in one run', () => {
  const copy = () => {
    const dir = tempDir();
    cpSync(SHARDED, dir, { recursive: true });
    return dir;
  };
  const editIndex = (dir: string, edit: (index: { metadata: Record<string, unknown>; weight_map: Record<string, unknown> }) => void) => {
    const index = JSON.parse(readFileSync(join(dir, INDEX), 'utf8'));
    edit(index);
    writeFileSync(join(dir, INDEX), JSON.stringify(index));
  };
  const first = 'model.embed_tokens.weight';

  it('shard names that leave the directory', () => {
    const dir = copy();
    editIndex(dir, (i) => {
      i.weight_map[first] = '../model-00001-of-00006.safetensors';
      i.weight_map['lm_head.weight'] = '/etc/passwd';
      i.weight_map['model.norm.weight'] = 'sub/../../x.safetensors';
    });
    const r = openCheckpoint(dir);
    expect(codes(r.diagnostics)).toEqual(['MOE7542', 'MOE7542', 'MOE7542']);
    expect(r.diagnostics.map((d) => d.message).join('\n')).toContain('/etc/passwd');
  });

  it('a missing shard, and a key its shard does not hold, reported together', () => {
    const dir = copy();
    editIndex(dir, (i) => {
      i.weight_map[first] = 'model-00002-of-00006.safetensors';
      i.weight_map['lm_head.weight'] = 'model-00007-of-00006.safetensors';
    });
    const r = openCheckpoint(dir);
    expect(codes(r.diagnostics).sort()).toEqual(['MOE7543', 'MOE7544']);
    expect(r.diagnostics.find((d) => d.code === 'MOE7544')!.message).toContain(first);
  });

  it('a tensor stored in two shards', () => {
    const dir = tempDir();
    const t = (name: string): TensorToWrite => ({ name, dtype: 'U8', shape: [1], data: new Uint8Array(1) });
    writeSafetensors(join(dir, 'a.safetensors'), [t('x'), t('y')]);
    writeSafetensors(join(dir, 'b.safetensors'), [t('y')]);
    writeFileSync(join(dir, INDEX), JSON.stringify({ weight_map: { x: 'a.safetensors', y: 'b.safetensors' } }));
    expect(codes(openCheckpoint(dir).diagnostics)).toEqual(['MOE7545']);
  });

  it('warnings only: an unindexed tensor is ignored, a wrong total_size noted', () => {
    const dir = copy();
    editIndex(dir, (i) => {
      delete i.weight_map[first];
      i.metadata.total_size = 5;
    });
    const r = openCheckpoint(dir);
    expect(codes(r.diagnostics)).toEqual(['MOE7546', 'MOE7547']);
    expect(r.value!.get(first)).toBeUndefined();
    expect(r.diagnostics[1]!.message).toContain('1120'); // 1376 − the 256-byte embedding
  });

  it('malformed indexes', () => {
    const cases: [string, string][] = [
      ['{"weight_map": {"a": "x", "a": "y"}}', 'occurs twice'],
      ['{"weight_map": {"a": 3}}', 'values are shard file names'],
      ['{"metadata": {}}', 'no `weight_map`'],
      ['[1]', 'not a JSON object'],
      ['{"weight_map": {}', 'not valid JSON'],
    ];
    for (const [text, reason] of cases) {
      const dir = tempDir();
      writeFileSync(join(dir, INDEX), text);
      const r = openCheckpoint(dir);
      expect(codes(r.diagnostics), text).toEqual(['MOE7541']);
      expect(r.diagnostics[0]!.message, text).toContain(reason);
    }
  });

  it('a shard with a damaged header reports the shard’s own diagnostic', () => {
    const dir = copy();
    const shard = join(dir, 'model-00003-of-00006.safetensors');
    const bytes = readFileSync(shard);
    bytes.writeBigUInt64LE(10_000_000_000n, 0);
    writeFileSync(shard, bytes);
    const r = openCheckpoint(dir);
    expect(codes(r.diagnostics)).toEqual(['MOE7502']);
    expect(r.diagnostics[0]!.message).toContain('model-00003-of-00006.safetensors');
  });

  it('directories without safetensors weights say what they hold', () => {
    const dir = tempDir();
    expect(openCheckpoint(join(dir, 'none')).diagnostics[0]!.message).toContain('does not exist');
    writeFileSync(join(dir, 'pytorch_model.bin'), 'PK');
    const r = openCheckpoint(dir);
    expect(codes(r.diagnostics)).toEqual(['MOE7540']);
    expect(r.diagnostics[0]!.message).toContain('PyTorch pickle');
    mkdirSync(join(dir, 'model.safetensors'));
    expect(codes(openCheckpoint(dir).diagnostics)).toEqual(['MOE7540']);
  });
});
