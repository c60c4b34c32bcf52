/**
 * Diagnostic codes MOE5xxx (onnx). Codes are stable: never renumber or reuse one;
 * retire a code by leaving it here with `retired: why`. Each is documented in docs/diagnostics.md.
 */
import { defineCodes } from './entry.js';

export const onnxCodes = defineCodes({
  // MOE5000–MOE5499: ONNX graph lowering (src/lower/onnx/, graph engineer).
  MOE5000: {
    severity: 'warning',
    title: 'YaRN rope scaling is not lowered to ONNX',
    message: 'rope scaling "yarn" is not implemented by the ONNX target; the model runs with unscaled rotary embeddings',
    hint: 'use rope scaling "linear" or "none" for ONNX export, or expect different logits past the original context',
    retired: 'the ONNX target lowers YaRN exactly as transformers computes it (src/ir/rope.ts), so there is nothing to warn about',
  },
  MOE5001: {
    severity: 'warning',
    title: 'fused MoE does not fit; sparse dispatch used',
    message: 'com.microsoft.MoE cannot express this MoE block ({reasons}); emitting the sparse standard-op dispatch instead',
    hint: 'the fused op needs softmax scoring with norm_topk, no groups, no score bias, swiglu/silu/relu fp32 experts',
  },
  MOE5002: {
    severity: 'warning',
    title: 'activation dtype not lowered to ONNX',
    message: 'quantize activations {dtype}: the ONNX graph computes activations in fp32 (weights keep their storage dtype)',
    hint: 'use activations int8 for dynamic int8 quantization, or drop the activations line',
  },
  MOE5003: {
    severity: 'warning',
    title: 'int8 activations need per-tensor or per-channel int8 weights',
    message: 'groups {groups} store blocked int8 weights, which MatMulInteger cannot take; those linears dequantize their weights and compute in fp32',
    hint: 'use granularity channel for int8 weights with int8 activations',
  },
  // MOE5020–MOE5099: the deployable decoder (KV cache, inference routing; onnx-deploy).
  MOE5020: {
    severity: 'warning',
    title: 'capacity applies to training only',
    message: 'capacity_factor {factor} with overflow drop applies to training only (layers {layers}); the exported model routes every token to its top-{topK} experts and never drops one',
    hint: 'at inference a token\'s output must not depend on the rest of the batch (docs/semantics.md §Inference routing); expect logits to differ from the training forward pass wherever training would have dropped a token',
  },
  // MOE5500–MOE5999: compile glue, output files, Triton, `moec run` (deployment engineer).
  MOE5500: {
    severity: 'error',
    title: 'invalid seed',
    message: '`--seed {value}` is not a non-negative integer',
    hint: 'pass a whole number, e.g. --seed 1234 (the default is the spec\'s train.seed)',
  },
  MOE5501: {
    severity: 'error',
    title: 'no output given',
    message: '`moec compile --target {target}` needs an output: -o <file>{triton}',
    hint: 'e.g. moec compile model.moe --target onnx -o model.onnx',
  },
  MOE5502: {
    severity: 'error',
    title: 'target not available',
    message: 'the {target} target is not available in this build: {reason}',
    retired: 'it was raised while the tfjs target was loaded by a computed path; it is now a plain lazy import that cannot be missing',
  },
  MOE5503: {
    severity: 'error',
    title: 'option needs the ONNX target',
    message: '`{option}` applies to `--target onnx` only',
  },
  MOE5510: {
    severity: 'error',
    title: 'cannot load ONNX model',
    message: 'onnxruntime cannot load `{path}`: {reason}',
    hint: 'check that the file is a complete ONNX model (its external data files, if any, beside it); recompile with `moec compile --target onnx`',
  },
  MOE5511: {
    severity: 'error',
    title: 'not a language model',
    message: '`{path}` is not a moec language model: {reason}',
    hint: '`moec run` needs an int64 input `input_ids` [batch, seq] and a float output `logits` [batch, seq, vocab]',
  },
  MOE5512: {
    severity: 'error',
    title: 'invalid token ids',
    message: '`--ids {text}`: {reason}',
    hint: 'pass comma-separated token ids, e.g. --ids 1,2,3',
  },
  MOE5513: {
    severity: 'error',
    title: 'token id out of range',
    message: 'token id {id} is outside the model\'s vocabulary [0, {vocab})',
  },
  MOE5514: {
    severity: 'error',
    title: 'prompt needs a byte-level vocabulary',
    message: '`--prompt` encodes text as UTF-8 bytes, which needs vocab ≥ 256; this model has {vocab}',
    hint: 'pass token ids with --ids instead',
  },
  MOE5515: {
    severity: 'error',
    title: 'prompt or ids required',
    message: '{reason}',
    hint: 'e.g. moec run model.onnx --prompt "hello" or moec run model.onnx --ids 1,2,3',
  },
  MOE5516: {
    severity: 'error',
    title: 'inference failed',
    message: 'onnxruntime failed while running `{path}`: {reason}',
  },
  MOE5517: {
    severity: 'warning',
    title: 'generation stopped at the context length',
    message: 'generation stopped after {generated} tokens: the sequence reached the model\'s context of {context} tokens',
  },
  MOE5518: {
    severity: 'error',
    title: 'not enough memory to compile',
    message: 'compiling `{name}` needs about {need} of memory ({params} parameters, {held}); this machine has {have}',
    hint: 'compile on a machine with more memory',
  },
  MOE5519: {
    severity: 'warning',
    title: 'compile may exhaust free memory',
    message: 'compiling `{name}` needs about {need} of memory; only {free} is free now',
    hint: 'close other programs, or expect swapping',
  },
  // MOE5520–MOE5599: the model folder, `moec run` with the cache, `moec eval` (onnx-deploy).
  MOE5520: {
    severity: 'error',
    title: 'unknown model variant',
    message: '`--variants {text}`: {reason}',
    hint: 'variants are fp16, int8, q8 and q4 (transformers.js dtypes), comma-separated, e.g. --variants fp16,q4',
  },
  MOE5521: {
    severity: 'error',
    title: 'variants need a model folder',
    message: '`--variants` writes onnx/model_<variant>.onnx beside onnx/model.onnx, so it needs a folder output, not `{output}`',
    hint: 'give -o a directory (e.g. -o tiny/), or compile each quantization into its own .onnx file with a quantize block in the spec',
  },
  MOE5522: {
    severity: 'warning',
    title: 'no genai_config.json for this model',
    message: 'genai_config.json was not written: {reason}',
    hint: 'transformers.js and onnxruntime load the folder as it is; onnxruntime-genai needs keys and values of one width',
  },
  MOE5523: {
    severity: 'error',
    title: 'cannot read the prompts file',
    message: '`--prompts {path}`: {reason}',
    hint: 'give a UTF-8 text file with one prompt per line, or .jsonl lines like {"prompt": "…"}',
  },
  MOE5524: {
    severity: 'warning',
    title: 'model without a KV cache',
    message: '`{path}` has no past_key_values inputs (a full-sequence model): every new token re-runs the whole sequence',
    hint: 'recompile with `moec compile <spec> --target onnx -o <dir>/` for the cached decoder',
  },
  MOE5525: {
    severity: 'error',
    title: 'nothing to evaluate',
    message: 'the evaluation data holds {tokens} token(s); scoring needs at least 2',
    hint: 'pass more text with --data',
  },
  MOE5526: {
    severity: 'error',
    title: 'cannot evaluate this run directory',
    message: '`{path}`: {reason}',
    hint: 'pass the spec with --spec, or evaluate a compiled model (moec compile <spec> -o dir/ --weights <run>)',
  },
  MOE5528: {
    severity: 'warning',
    title: 'the byte tokenizer does not fit the vocabulary',
    message: 'the folder\'s tokenizer.json encodes text as byte ids 0–255, but the model has {vocab} ids: a client that tokenizes text (transformers.js, onnxruntime-genai) feeds ids the model has no embedding for',
    hint: 'give the model a vocabulary of at least 256 (the byte tokenizer), or its own tokenizer with --tokenizer; token ids still run with `moec run --ids`',
  },
  MOE5527: {
    severity: 'warning',
    title: 'evaluation windows longer than the context',
    message: '--seq-len {seqLen} is longer than the model\'s context of {context} tokens: positions from {context} on were never trained, so the loss is not the model\'s',
    hint: 'use --seq-len {context} or less (the default is the context)',
  },
  MOE5529: {
    severity: 'warning',
    title: 'too many external data files for transformers.js',
    message: '`{file}` keeps its weights in {count} external data files; transformers.js loads at most {max} (MAX_EXTERNAL_DATA_CHUNKS) and refuses this model',
    hint: 'onnxruntime and onnxruntime-genai load it as it is; for transformers.js, export a smaller variant (--variants q4) or split the model',
  },
  // MOE5620–MOE5639: export-time overrides (`--quantize`).
  MOE5620: {
    severity: 'error',
    title: 'invalid --quantize scheme',
    message: '`{part}` in --quantize is not {what}',
    hint: 'write e.g. `--quantize int4-block32`, `--quantize int8-channel` or `--quantize experts=int4,attention=int8` (docs/onnx.md)',
  },
  MOE5621: {
    severity: 'error',
    title: '--quantize names a group twice',
    message: '--quantize sets group `{group}` twice',
    hint: 'give each group once',
  },
  // MOE5640–MOE5679: streaming export (external data).
  MOE5640: {
    severity: 'error',
    title: 'initializers left in the model exceed 2 GB',
    message: 'with external data, the {count} initializers under --external-threshold ({threshold} bytes) would stay in `{path}`: {bytes} bytes, over protobuf\'s 2 GB limit on one model file',
    hint: 'lower --external-threshold (default 1024) so that more of them move to the data files',
  },
});
