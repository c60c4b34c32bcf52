/**
 * Diagnostic codes MOE7500–7599 (safetensors files and Hugging Face checkpoint directories,
 * src/interop/safetensors/). Codes are stable: never renumber or reuse one; retire a code by
 * leaving it here with `retired: why`. Each is documented in docs/diagnostics.md and docs/hf.md.
 */
import { defineCodes } from './entry.js';

const FORMAT =
  'a safetensors file is an 8-byte little-endian header length, a JSON header and the tensor bytes (huggingface/safetensors README)';

export const safetensorsCodes = defineCodes({
  // ── reading one file: the header ──
  MOE7500: {
    severity: 'error',
    title: 'cannot read safetensors file',
    message: 'cannot read `{path}`: {reason}',
    hint: 'check the path and its permissions',
  },
  MOE7501: {
    severity: 'error',
    title: 'not a safetensors file',
    message: '`{path}` is not a safetensors file: {reason}',
    hint: FORMAT,
  },
  MOE7502: {
    severity: 'error',
    title: 'safetensors header too large',
    message: '`{path}` declares a {length}-byte header, over the {limit}-byte limit',
    hint: 'the reference reader refuses headers over 100 MB as well; the file is damaged or not safetensors',
  },
  MOE7503: {
    severity: 'error',
    title: 'safetensors header is not UTF-8',
    message: 'the header of `{path}` is not valid UTF-8',
    hint: 'the file is damaged; download or export it again',
  },
  MOE7504: {
    severity: 'error',
    title: 'safetensors header is not a JSON object',
    message: 'the header of `{path}` is not a JSON object: {reason}',
    hint: 'the header must be one JSON object `{"name": {"dtype", "shape", "data_offsets"}, …}`; the file is damaged',
  },
  MOE7505: {
    severity: 'error',
    title: 'malformed tensor entry',
    message: 'tensor `{tensor}` in `{path}`: {reason}',
    hint: 'each entry is `{"dtype": "F32", "shape": [whole numbers], "data_offsets": [begin, end]}`',
  },
  MOE7506: {
    severity: 'error',
    title: 'unknown safetensors dtype',
    message: 'tensor `{tensor}` in `{path}` has unknown dtype `{dtype}`',
    hint: 'dtype names are upper case as the format defines them: BOOL, U8, I8, I16, U16, I32, U32, I64, U64, F16, BF16, F32, F64, F8_E4M3, F8_E5M2, F8_E8M0, F4, … (docs/hf.md lists all)',
  },
  MOE7507: {
    severity: 'error',
    title: 'tensor size does not match its shape',
    message: 'tensor `{tensor}` in `{path}`: shape [{shape}] of {dtype} takes {expected} bytes, but data_offsets span {actual}',
    hint: 'the header and the data disagree; the file is damaged',
  },
  MOE7508: {
    severity: 'error',
    title: 'tensor data out of range',
    message: 'tensor `{tensor}` in `{path}`: data_offsets [{begin}, {end}] {reason}',
    hint: 'offsets count from the first byte after the header; the file is truncated or damaged',
  },
  MOE7509: {
    severity: 'error',
    title: 'tensors overlap',
    message: 'tensors `{tensor}` and `{other}` in `{path}` share bytes {begin}..{end} of the data buffer',
    hint: 'every byte of the buffer belongs to exactly one tensor; the file is damaged or crafted',
  },
  MOE7510: {
    severity: 'error',
    title: 'data buffer has bytes no tensor owns',
    message: 'bytes {begin}..{end} of the data buffer of `{path}` belong to no tensor',
    hint: 'the format requires the buffer to be fully covered, without holes (so a file cannot hide other content); the file is damaged or crafted',
  },
  MOE7511: {
    severity: 'error',
    title: 'duplicate key in safetensors header',
    message: 'the header of `{path}` names `{tensor}` twice',
    hint: 'duplicate keys are not allowed (readers would disagree on which one counts)',
  },
  MOE7512: {
    severity: 'error',
    title: 'bad __metadata__',
    message: '`__metadata__` of `{path}` {reason}',
    hint: '`__metadata__` is an object whose values are all strings, e.g. {"format": "pt"}',
  },
  MOE7513: {
    severity: 'error',
    title: 'more header problems',
    message: '`{path}` has {count} more header problems (not shown)',
  },
  // ── reading one tensor ──
  MOE7520: {
    severity: 'error',
    title: 'tensor not found',
    message: 'no tensor `{tensor}` in `{path}`',
  },
  MOE7521: {
    severity: 'error',
    title: 'dtype cannot be read as float32',
    message: 'tensor `{tensor}` in `{path}` has dtype {dtype}, which moec does not convert to float32: {why}',
    hint: 'read its bytes with readRaw, or dequantize it together with its scales (dequantizeMxfp4, dequantizeFp8BlockScaled)',
  },
  MOE7522: {
    severity: 'error',
    title: 'file ended while reading a tensor',
    message: '`{path}` ended {missing} bytes early while reading tensor `{tensor}`',
    hint: 'the file was truncated or replaced after it was opened',
  },
  MOE7523: {
    severity: 'error',
    title: 'tensor too large for one array',
    message: 'tensor `{tensor}` in `{path}` needs {bytes} bytes as one array: {reason}',
    hint: 'read it in ranges (readFloat32Range) instead of as one array',
  },
  // ── writing ──
  MOE7530: {
    severity: 'error',
    title: 'cannot write tensor',
    message: 'cannot write tensor `{tensor}`: {reason}',
    hint: 'nothing was written',
  },
  MOE7531: {
    severity: 'error',
    title: 'cannot write safetensors output',
    message: 'cannot write `{path}`: {reason}',
    hint: 'nothing was written under that name; check free space and permissions',
  },
  MOE7532: {
    severity: 'error',
    title: 'header too large to write',
    message: 'the header of `{path}` would be {length} bytes, over the {limit}-byte limit readers accept',
    hint: 'write fewer tensors per file (a smaller max shard size)',
  },
  // ── checkpoint directories ──
  MOE7540: {
    severity: 'error',
    title: 'no safetensors weights in directory',
    message: '`{path}` holds no safetensors weights: {reason}',
    hint: 'a Hugging Face checkpoint directory has `model.safetensors`, or shards listed in `model.safetensors.index.json` (`adapter_model.safetensors` for a PEFT adapter); PyTorch pickles (*.bin) are not read: re-save with `save_pretrained` (safetensors is its default format)',
  },
  MOE7541: {
    severity: 'error',
    title: 'bad checkpoint index',
    message: '`{path}`: {reason}',
    hint: 'the index is {"metadata": {"total_size": N}, "weight_map": {"tensor name": "shard file"}}',
  },
  MOE7542: {
    severity: 'error',
    title: 'shard outside the checkpoint directory',
    message: '`{path}` places `{tensor}` in `{file}`, which is not inside the checkpoint directory',
    hint: 'shard names are relative paths inside the directory (no absolute paths, no `..`)',
  },
  MOE7543: {
    severity: 'error',
    title: 'shard file missing',
    message: 'shard `{file}` named by `{path}` {reason}',
    hint: 'the download or copy is incomplete; fetch the missing shards',
  },
  MOE7544: {
    severity: 'error',
    title: 'indexed tensor not in its shard',
    message: '`{path}` places `{tensor}` in `{file}`, which has no such tensor',
    hint: 'the index and the shards come from different saves; fetch them again together',
  },
  MOE7545: {
    severity: 'error',
    title: 'tensor stored in two shards',
    message: 'tensor `{tensor}` is stored in both `{file}` and `{other}`',
    hint: 'a key must live in exactly one shard; the checkpoint mixes files from different saves',
  },
  MOE7546: {
    severity: 'warning',
    title: 'tensor missing from the index',
    message: 'shard `{file}` holds `{tensor}`, which `{path}` does not list; it is ignored',
    hint: 'the index is the table of contents: regenerate it if the tensor is meant to load',
  },
  MOE7547: {
    severity: 'warning',
    title: 'index total_size disagrees with the shards',
    message: '`{path}` says total_size {declared}, but the indexed tensors take {actual} bytes',
    hint: 'the index metadata is informational; the shards themselves were validated',
  },
  // ── dequantization ──
  MOE7560: {
    severity: 'error',
    title: 'cannot dequantize FP8 block-scaled weight',
    message: 'cannot dequantize `{tensor}` (FP8 with {blockRows}×{blockCols} block scales): {reason}',
    hint: 'the weight is F8_E4M3 [..., rows, cols] and its `weight_scale_inv` float32 [..., ceil(rows/block), ceil(cols/block)], block = `quantization_config.weight_block_size` (DeepSeek: [128, 128])',
  },
  MOE7561: {
    severity: 'error',
    title: 'cannot dequantize MXFP4 weight',
    message: 'cannot dequantize `{tensor}` (MXFP4): {reason}',
    hint: '`*_blocks` is U8 [..., groups, 16] (two E2M1 values per byte) and `*_scales` is U8 [..., groups] (E8M0, bias 127)',
  },
});
