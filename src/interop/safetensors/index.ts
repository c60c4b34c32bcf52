/**
 * Safetensors interop — public API (docs/hf.md "Safetensors and checkpoint directories").
 * Reading and writing `.safetensors` files and Hugging Face checkpoint directories, with every
 * problem in a file a diagnostic (MOE7500–7599) naming file and tensor, never an exception, a
 * hang or an allocation larger than the file. Terms:
 * - *header*: the JSON after the 8-byte length: tensor name → {dtype, shape, data_offsets}.
 * - *storage order*: tensors by increasing offset in their file.
 * - *checkpoint directory*: `model.safetensors`, or shards + `model.safetensors.index.json`.
 *
 * Reading: `openSafetensors(path)` / `openCheckpoint(dir)` validate everything up front and
 * return a `TensorReader`: `tensors`, `get(name)`, `readRaw`, `readFloat32`, `readFloat32Range`,
 * `close()`. Reads are positioned and per tensor, so memory is bounded by the tensor read.
 * Writing: `writeSafetensors(path, tensors)` / `writeCheckpointDir(dir, tensors)` pull each
 * tensor's data when they reach it and replace files atomically.
 * Dequantizing: `dequantizeFp8BlockScaled` (DeepSeek FP8), `dequantizeMxfp4` /
 * `dequantizeGptOssExperts` (gpt-oss MXFP4).
 */
export { ALIGNMENT_ORDER, DTYPES, dtypeBytes, isDtype, type Dtype, type DtypeInfo } from './dtypes.js';
export { convertsToFloat32, FLOAT32_ENCODABLE, type Float32Encodable } from './convert.js';
export { f32BitsToBf16Bits, f32BitsToF16Bits } from './float-bits.js';
export { MAX_PROBLEMS, parseHeader, type SafetensorsHeader, type TensorInfo } from './header.js';
export { MAX_HEADER_BYTES, openSafetensors, type OpenOptions } from './open-safetensors.js';
export { SafetensorsFile, type TensorReader } from './safetensors-file.js';
export { writeSafetensors, type TensorData, type TensorToWrite, type WriteOptions, type WrittenFile } from './write-safetensors.js';
export {
  CheckpointReader,
  indexNameFor,
  MAX_OPEN_FILES,
  SAFE_WEIGHTS_NAME,
  type CheckpointOptions,
  type CheckpointTensor,
} from './checkpoint-reader.js';
export { openCheckpoint } from './open-checkpoint.js';
export { MAX_INDEX_BYTES } from './checkpoint-index.js';
export {
  DEFAULT_MAX_SHARD_SIZE,
  planShards,
  shardName,
  writeCheckpointDir,
  type CheckpointWriteOptions,
  type WrittenCheckpoint,
} from './write-checkpoint-dir.js';
export { dequantizeFp8BlockScaled, type BlockScaledFp8 } from './dequant-fp8.js';
export { dequantizeGptOssExperts, dequantizeMxfp4, FP4_VALUES, type DequantizedTensor, type Mxfp4Packed } from './dequant-mxfp4.js';
