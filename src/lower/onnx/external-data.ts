/**
 * ONNX output — external data planning. ONNX protobufs cannot exceed 2 GB, so large models keep
 * their big initializers in side files (`<model>.onnx_data`, then `_data_1`, `_data_2` …) that
 * the model references by location/offset/length (the ONNX external-data convention that
 * onnxruntime loads). The names are Optimum's and the ones transformers.js fetches
 * (`getExternalDataChunkNames` in src/utils/model-loader.js: `${file}_data`, `${file}_data_${i}`).
 * This file only decides the layout (from sizes alone) and rewrites the tensor protos; the
 * bytes are written by write-model.ts. Nothing here mutates the caller's model.
 */
import onnxProto from 'onnx-proto';

type ITensorProto = onnxProto.onnx.ITensorProto;

/** protobuf's hard limit on one serialized message. */
export const PROTO_LIMIT = 2 ** 31 - 1;
/** Shards stay under 2 GiB: Node cannot read a larger file into one buffer (ONNX-NOTES.md). */
export const DEFAULT_SHARD_BYTES = 2 ** 31 - 2 ** 24;
/** Tensors smaller than this stay inline (as onnx's `convert_model_to_external_data` does). */
export const DEFAULT_EXTERNAL_THRESHOLD = 1024;
/** Room left for nodes, names and small constants when deciding whether a model fits inline. */
const GRAPH_MARGIN = 64 * 2 ** 20;
/** Large tensors start on a page boundary so onnxruntime can map them directly. */
const PAGE = 4096;
const SMALL_ALIGN = 64;

/** Where one initializer's bytes go: a shard and an offset in it. */
export interface DataPlace {
  shard: number;
  offset: number;
  length: number;
}

export interface DataShard {
  /** File name, relative to the model's directory (what the model's `location` says). */
  name: string;
  /** Total file length including alignment padding. */
  length: number;
}

export interface ExternalPlan {
  shards: DataShard[];
  /** Per initializer, in order: its place, or undefined when it stays inline. */
  places: (DataPlace | undefined)[];
}

export type ExternalMode = 'auto' | boolean;

/** Whether initializers of `bytes` (and the graph) fit one model protobuf. */
export function fitsProto(bytes: number): boolean {
  return bytes + GRAPH_MARGIN <= PROTO_LIMIT;
}

/** Whether `mode` asks for external data for a model whose initializers hold `bytes`. */
export function wantsExternal(bytes: number, mode: ExternalMode): boolean {
  if (mode === 'auto') return !fitsProto(bytes);
  return mode;
}

export function shardName(modelBase: string, index: number): string {
  return index === 0 ? `${modelBase}_data` : `${modelBase}_data_${index}`;
}

/** The shard index of `file` if it is one of `modelBase`'s data shards, else undefined. */
export function shardIndex(modelBase: string, file: string): number | undefined {
  if (file === `${modelBase}_data`) return 0;
  const prefix = `${modelBase}_data_`;
  if (!file.startsWith(prefix) || !/^[1-9]\d*$/.test(file.slice(prefix.length))) return undefined;
  return Number(file.slice(prefix.length));
}

/**
 * Initializers that stay in the model whatever their size: int64 tensors are the shape, axes and
 * index operands (Reshape, Squeeze, Slice, …) that onnxruntime reads while it infers shapes at
 * load, before external data is attached — an external one fails the load ("Cannot parse data
 * from external tensors"), which a low `--external-threshold` would otherwise cause.
 */
export function mustStayInline(t: ITensorProto): boolean {
  return t.dataType === onnxProto.onnx.TensorProto.DataType.INT64;
}

/**
 * Place every initializer of at least `threshold` bytes (`sizes`, in initializer order; those
 * `inline[i]` marks stay in the model) in data shards of at most `shardBytes` (a single larger
 * tensor gets a shard of its own), in order, so the layout — and so the bytes — depend only on
 * the sizes: it is decided before any weight is computed, and the bytes can then be written in
 * one sequential pass.
 */
export function planExternalData(sizes: readonly number[], modelBase: string, threshold = DEFAULT_EXTERNAL_THRESHOLD, shardBytes = DEFAULT_SHARD_BYTES, inline: readonly boolean[] = []): ExternalPlan {
  const shards: DataShard[] = [];
  let current: DataShard | undefined;
  let pieces = 0;
  const places = sizes.map((length, i): DataPlace | undefined => {
    if (length < threshold || inline[i]) return undefined;
    const align = length >= 2 ** 20 ? PAGE : SMALL_ALIGN;
    let offset = current ? Math.ceil(current.length / align) * align : 0;
    if (!current || (pieces > 0 && offset + length > shardBytes)) {
      current = { name: shardName(modelBase, shards.length), length: 0 };
      shards.push(current);
      pieces = 0;
      offset = 0;
    }
    pieces++;
    current.length = offset + length;
    return { shard: shards.length - 1, offset, length };
  });
  return { shards, places };
}

/** The tensor proto that points at its external bytes (no rawData). */
export function externalTensor(t: ITensorProto, place: DataPlace, shard: DataShard): ITensorProto {
  const { rawData: _moved, ...rest } = t;
  return {
    ...rest,
    dataLocation: onnxProto.onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: shard.name },
      { key: 'offset', value: String(place.offset) },
      { key: 'length', value: String(place.length) },
    ],
  };
}
