/**
 * Safetensors interop — a validated Hugging Face checkpoint directory (opened by
 * open-checkpoint.ts): the list of its tensors and where each is stored, reads routed to the
 * shard that holds the tensor, and at most MAX_OPEN_FILES shards held open at once (a
 * DeepSeek-V3 checkpoint has 163), least recently used closed first and reopened on demand.
 */
import { createDiagnostic, type Result } from '../../diagnostics/diagnostic.js';
import type { TensorInfo } from './header.js';
import type { OpenOptions } from './open-safetensors.js';
import type { SafetensorsFile, TensorReader } from './safetensors-file.js';

export const SAFE_WEIGHTS_NAME = 'model.safetensors';
export const MAX_OPEN_FILES = 32;

/** A tensor of a checkpoint: where it is stored, besides what it is. */
export interface CheckpointTensor extends TensorInfo {
  /** Shard file name, relative to the checkpoint directory. */
  readonly file: string;
}

export interface CheckpointOptions extends OpenOptions {
  /** Weights file name: `model.safetensors` (default), `adapter_model.safetensors` for PEFT adapters. */
  weightsName?: string;
}

/** The index name transformers pairs with a weights name: `model.safetensors.index.json`. */
export function indexNameFor(weightsName: string): string {
  return `${weightsName}.index.json`;
}

/** A validated checkpoint directory. Reads go to the shard that holds the tensor. */
export class CheckpointReader implements TensorReader {
  /** Every indexed tensor, shard by shard (sorted shard names), each in storage order. */
  readonly tensors: readonly CheckpointTensor[];
  private readonly byName = new Map<string, { tensor: CheckpointTensor; shard: SafetensorsFile }>();
  private readonly openOrder: SafetensorsFile[] = [];

  constructor(
    readonly dir: string,
    readonly layout: 'single' | 'sharded',
    /** Shard name and its reader, sorted by name. */
    readonly shards: readonly (readonly [string, SafetensorsFile])[],
    weightMap: ReadonlyMap<string, string>,
  ) {
    const tensors: CheckpointTensor[] = [];
    for (const [file, shard] of shards) {
      for (const t of shard.tensors) {
        if (weightMap.get(t.name) !== file) continue; // unindexed extras (MOE7546) are not part of the checkpoint
        const tensor = { ...t, file };
        tensors.push(tensor);
        this.byName.set(t.name, { tensor, shard });
      }
    }
    this.tensors = tensors;
  }

  get(name: string): CheckpointTensor | undefined {
    return this.byName.get(name)?.tensor;
  }

  readRaw(name: string): Result<Uint8Array | undefined> {
    const where = this.byName.get(name);
    return where ? this.use(where.shard).readRaw(name) : this.notFound(name);
  }

  readRawRange(name: string, start: number, count: number): Result<Uint8Array | undefined> {
    const where = this.byName.get(name);
    return where ? this.use(where.shard).readRawRange(name, start, count) : this.notFound(name);
  }

  readFloat32(name: string): Result<Float32Array | undefined> {
    const where = this.byName.get(name);
    return where ? this.use(where.shard).readFloat32(name) : this.notFound(name);
  }

  readFloat32Range(name: string, start: number, count: number, into?: Float32Array): Result<Float32Array | undefined> {
    const where = this.byName.get(name);
    return where ? this.use(where.shard).readFloat32Range(name, start, count, into) : this.notFound(name);
  }

  close(): void {
    for (const [, shard] of this.shards) shard.close();
    this.openOrder.length = 0;
  }

  /** Mark a shard most recently used, closing the least recently used beyond MAX_OPEN_FILES. */
  private use(shard: SafetensorsFile): SafetensorsFile {
    const at = this.openOrder.indexOf(shard);
    if (at >= 0) this.openOrder.splice(at, 1);
    this.openOrder.push(shard);
    while (this.openOrder.length > MAX_OPEN_FILES) this.openOrder.shift()!.close();
    return shard;
  }

  private notFound(name: string): Result<undefined> {
    return { value: undefined, diagnostics: [createDiagnostic('MOE7520', { args: { path: this.dir, tensor: name } })] };
  }
}
