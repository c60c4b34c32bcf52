/**
 * ONNX output — external data planning. ONNX protobufs cannot exceed 2 GB, so large models keep
 * their big initializers in side files (`<model>.onnx_data`, then `_data_1`, `_data_2` …) that
 * the model references by location/offset/length (the ONNX external-data convention that
 * onnxruntime loads). The names are Optimum's and the ones transformers.js fetches
 * (`getExternalDataChunkNames` in src/utils/model-loader.js: `${file}_data`, `${file}_data_${i}`).
 * This file only decides the layout and rewrites the tensor protos; the bytes
 * are written by write-model.ts. Nothing here mutates the caller's model.
 */
import onnxProto from 'onnx-proto';

type IModelProto = onnxProto.onnx.IModelProto;
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

export interface DataPiece {
  offset: number;
  bytes: Uint8Array;
}

export interface DataShard {
  /** File name, relative to the model's directory (what the model's `location` says). */
  name: string;
  pieces: DataPiece[];
  /** Total file length including alignment padding. */
  length: number;
}

export interface ExternalLayout {
  model: IModelProto;
  shards: DataShard[];
}

export type ExternalMode = 'auto' | boolean;

/** Bytes of an initializer's payload (rawData; the emitter writes every initializer that way). */
function payload(t: ITensorProto): number {
  return t.rawData?.length ?? 0;
}

export function initializerBytes(model: IModelProto): number {
  return (model.graph?.initializer ?? []).reduce((sum, t) => sum + payload(t), 0);
}

/** Whether `mode` asks for external data for this model. */
export function wantsExternal(model: IModelProto, mode: ExternalMode): boolean {
  if (mode === 'auto') return initializerBytes(model) + GRAPH_MARGIN > PROTO_LIMIT;
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
 * Move every rawData initializer of at least `threshold` bytes to data shards of at most
 * `shardBytes` (a single larger tensor gets a shard of its own), in initializer order, so the
 * layout — and so the bytes — depend only on the model.
 */
export function planExternalData(model: IModelProto, modelBase: string, threshold = DEFAULT_EXTERNAL_THRESHOLD, shardBytes = DEFAULT_SHARD_BYTES): ExternalLayout {
  const shards: DataShard[] = [];
  let current: DataShard | undefined;
  const initializers = (model.graph?.initializer ?? []).map((t): ITensorProto => {
    const bytes = t.rawData;
    if (!bytes || bytes.length < threshold) return t;
    const align = bytes.length >= 2 ** 20 ? PAGE : SMALL_ALIGN;
    let offset = current ? Math.ceil(current.length / align) * align : 0;
    if (!current || (current.pieces.length > 0 && offset + bytes.length > shardBytes)) {
      current = { name: shardName(modelBase, shards.length), pieces: [], length: 0 };
      shards.push(current);
      offset = 0;
    }
    current.pieces.push({ offset, bytes });
    current.length = offset + bytes.length;
    const { rawData: _moved, ...rest } = t;
    return {
      ...rest,
      dataLocation: onnxProto.onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: current.name },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(bytes.length) },
      ],
    };
  });
  return { model: { ...model, graph: { ...model.graph, initializer: initializers } }, shards };
}
