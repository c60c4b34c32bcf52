/**
 * Diagnostic codes MOE6xxx (tfjs). Codes are stable: never renumber or reuse one;
 * retire a code by leaving it here with `retired: why`. Each is documented in docs/diagnostics.md.
 */
import { defineCodes } from './entry.js';

export const tfjsCodes = defineCodes({
  // MOE6000–MOE6499: model lowering, backends, the Layers artifact (src/lower/tfjs).
  MOE6000: {
    severity: 'warning',
    title: 'requested TensorFlow.js backend unavailable',
    message: 'backend `{requested}` is not available ({reason}); using `{used}`',
    hint: '{hint}',
  },
  MOE6001: {
    severity: 'error',
    title: 'no TensorFlow.js backend could be initialised',
    message: 'backend `{requested}` could not be initialised: {reason}',
    hint: 'use `--backend auto` to fall back to wasm or cpu',
    retired: 'an unavailable backend falls back down the list (MOE6000) to cpu, which is plain JavaScript and always initialises; its failure would be a bug in moec',
  },
  MOE6002: {
    severity: 'warning',
    title: 'selective activation checkpointing runs as full',
    message: 'checkpointing selective is run as full recompute by the TensorFlow.js target',
    hint: 'TensorFlow.js keeps no tape between gradient calls, so a layer is either stored or recomputed whole; set `checkpointing full` to silence this warning',
  },
  MOE6003: {
    severity: 'warning',
    title: 'RoPE scaling not applied',
    message: 'rope scaling `{scaling}` is not applied by the TensorFlow.js target; positions use plain RoPE',
    hint: 'context-extension scaling matters only past the trained context; remove `scaling` to silence this warning',
    retired: 'the TensorFlow.js target applies YaRN exactly as transformers computes it (src/ir/rope.ts), in the forward pass and its gradient',
  },
  MOE6004: {
    severity: 'warning',
    title: 'multi-token prediction not trained',
    message: 'the spec has {depth} MTP module(s); the TensorFlow.js target does not train them and their weights keep their initial values',
    hint: 'remove the `mtp` block to silence this warning',
  },
  MOE6005: {
    severity: 'warning',
    title: 'quantized storage not applied to the training artifact',
    message: 'the TensorFlow.js artifact stores {group} weights in fp32 (the spec asks for {dtype}); TensorFlow.js trains in float32 only',
    hint: 'quantization applies to the ONNX deployment target',
  },
  MOE6006: {
    severity: 'error',
    title: 'cannot write TensorFlow.js artifact',
    message: 'cannot write the TensorFlow.js artifact to `{path}`: {reason}',
    hint: 'check that the parent directory exists and is writable; nothing was written',
  },
  MOE6007: {
    severity: 'error',
    title: 'weights do not match the model',
    message: 'weight `{name}` {reason}',
  },
  // MOE6020–MOE6029: router losses in the trainer (src/lower/tfjs/balance-loss.ts).
  MOE6020: {
    severity: 'warning',
    title: 'micro-step not a multiple of the rank micro-batch',
    message: 'a training micro-step holds {rows} sequences (batch / grad_accum), not a multiple of parallel.micro_batch {micro_batch}: the balance loss and z-loss average over the whole micro-step instead of per data-parallel micro-batch',
    hint: 'make train.batch / train.grad_accum a multiple of parallel.micro_batch (Megatron: batch = micro_batch × data × grad_accum)',
  },
  // MOE6030–MOE6049: backend setup — wasm threads, webgpu, fallbacks (src/lower/tfjs/backend.ts, wasm-threads.ts, webgpu.ts).
  MOE6030: {
    severity: 'error',
    title: 'thread count out of range',
    message: '--threads {threads} is not possible here: the wasm backend can use 1 to {max} threads on this machine ({cores} cores available to this process)',
    hint: 'leave --threads out to use every available core, or pass a number from 1 to {max} (tfjs-backend-wasm runs at most 8)',
  },
  MOE6031: {
    severity: 'warning',
    title: 'thread count ignored by this backend',
    message: '--threads {threads} applies to the wasm backend only; the {backend} backend ignores it',
    hint: 'tfjs-node and GPU backends choose their own threads; drop --threads, or pass --backend wasm',
  },
  MOE6032: {
    severity: 'warning',
    title: 'wasm runs on fewer threads than requested',
    message: 'the wasm backend runs on {used} thread(s), not the {requested} requested: {reason}',
    hint: 'training continues on the threads that run; pass --threads 1 to silence this. If tfjs-backend-wasm was upgraded, moec\'s threaded-wasm support may need updating (docs/training.md, Backends)',
  },
  MOE6033: {
    severity: 'error',
    title: 'requested TensorFlow.js backend unavailable',
    message: 'backend `{requested}` is not available ({reason}), and --no-backend-fallback forbids running on `{used}` instead',
    hint: '{hint}',
  },
  // MOE6500–MOE6999: training loop, data, checkpoints, report (src/train, src/checkpoint, src/report).
  MOE6500: {
    severity: 'error',
    title: 'checkpoint not found',
    message: 'no checkpoint at `{path}`: {reason}',
    hint: 'pass a run directory written by `moec train --output` (it has a `latest` file) or one of its `checkpoints/step-*` directories',
  },
  MOE6501: {
    severity: 'error',
    title: 'not a moec checkpoint',
    message: '`{path}` is not a readable moec checkpoint: {reason}',
    hint: 'the checkpoint format is described in docs/checkpoint.md; this moec reads format `moec-checkpoint` version 2 (and version 1 for weights)',
  },
  MOE6502: {
    severity: 'error',
    title: 'checkpoint without an architecture record is for a different spec',
    message: 'checkpoint `{path}` was written before checkpoints recorded their architecture, and its spec differs from this one (spec hash {found}, this spec is {expected})',
    hint: 'use the exact spec the run was trained with, or re-save the checkpoint with this moec (`moec train --resume` for one step) so it records its architecture',
  },
  MOE6503: {
    severity: 'error',
    title: 'checkpoint tensor missing',
    message: 'checkpoint `{path}` has no tensor `{name}`, which the spec needs',
  },
  MOE6504: {
    severity: 'error',
    title: 'checkpoint tensor has the wrong shape',
    message: '`{name}` is [{found}] in the checkpoint, [{expected}] in this spec',
    hint: 'the checkpoint was trained with a different architecture; use the spec it was trained with (quantization, layout, training settings and the name may differ)',
  },
  MOE6505: {
    severity: 'error',
    title: 'checkpoint data is damaged',
    message: 'checkpoint `{path}` is damaged: {reason}',
    hint: 'resume from an earlier checkpoint: point at `checkpoints/step-*` directly, or rewrite `latest`',
  },
  MOE6506: {
    severity: 'error',
    title: 'cannot write checkpoint',
    message: 'cannot write checkpoint `{path}`: {reason}',
    hint: 'the previous checkpoint is intact; check free disk space and permissions',
  },
  MOE6507: {
    severity: 'warning',
    title: 'checkpoint has extra tensors',
    message: 'checkpoint `{path}` has {count} tensor(s) the spec does not use (first: `{name}`); they are ignored',
  },
  MOE6510: {
    severity: 'error',
    title: 'optimizer not supported by the TensorFlow.js trainer',
    message: 'optimizer `{type}` is not supported by `moec train`',
    hint: 'use adamw, adam, sgd or momentum',
  },
  MOE6511: {
    severity: 'warning',
    title: 'training precision not available on this backend',
    message: 'precision {precision} cannot be honoured by the {backend} backend; training runs in fp32',
    hint: 'TensorFlow.js computes in float32 only; set `precision fp32` to silence this warning',
  },
  MOE6512: {
    severity: 'error',
    title: 'optimizer state does not match',
    message: 'optimizer state in `{path}` does not match this run: {reason}',
    hint: 'resume with the same spec the run was trained with',
  },
  MOE6520: {
    severity: 'error',
    title: 'no training data',
    message: 'no training text found at `{pattern}`',
    hint: 'pass UTF-8 text files (.txt, .md), JSONL files with a "text" field, a directory of them, or a glob',
  },
  MOE6521: {
    severity: 'error',
    title: 'bad JSONL record',
    message: '{file}:{line}: {reason}',
    hint: 'each line of a .jsonl file must be a JSON object with a string "text" field',
  },
  MOE6522: {
    severity: 'error',
    title: 'training data too small',
    message: 'the training data has {tokens} tokens; one sequence needs {needed} (seq_len + 1)',
    hint: 'add more text or lower train.seq_len',
  },
  MOE6523: {
    severity: 'error',
    title: 'vocabulary too small for the byte tokenizer',
    message: 'the byte-level tokenizer needs vocab ≥ 256, the spec has vocab {vocab}',
  },
  MOE6524: {
    severity: 'error',
    title: 'cannot read training data',
    message: 'cannot read training data `{path}`: {reason}',
  },
  MOE6530: {
    severity: 'error',
    title: 'run directory already holds a run',
    message: '`{path}` already holds a training run (it has checkpoints or metrics)',
    hint: 'continue it with `moec train --resume {path}`, or pass a new --output directory',
  },
  MOE6531: {
    severity: 'error',
    title: 'training diverged',
    message: 'the loss became {value} at step {step}; training stopped',
    hint: 'lower the learning rate, add warmup or gradient clipping, then resume from the last checkpoint',
  },
  MOE6532: {
    severity: 'info',
    title: 'training interrupted',
    message: 'interrupted at step {step}; the last checkpoint is step {checkpoint}',
    hint: 'continue with `moec train --resume {path}`',
  },
  MOE6533: {
    severity: 'error',
    title: 'resume settings differ',
    message: 'cannot resume `{path}`: {reason}',
  },
  MOE6534: {
    severity: 'error',
    title: 'model too large to train here',
    message: 'training `{name}` needs about {need} ({params} parameters at 20 B each for weights, gradients and Adam moments, plus activations); the {backend} backend can use at most {limit}',
    hint: '`moec train` runs TensorFlow.js on one device, for small models and CI-sized variants: train this spec with your cluster\'s framework, or write a smaller variant that `extends` it (fewer layers, a narrower hidden size)',
  },
  MOE6540: {
    severity: 'error',
    title: 'no metrics to report',
    message: 'no metrics in `{path}`: {reason}',
    hint: 'pass the --output directory of a `moec train` run (it holds metrics.jsonl)',
  },
  MOE6550: {
    severity: 'error',
    title: 'checkpoint is for a different architecture',
    message: 'checkpoint `{path}` has a different architecture: `{field}` is {found} in the checkpoint, {expected} in this spec',
    hint: 'weights only fit the architecture they were trained with; use that spec (quantization, parallel layout, training settings, targets and the name may differ)',
  },
  MOE6551: {
    severity: 'warning',
    title: 'resuming with changed settings',
    message: 'resuming `{path}` with a spec whose non-architecture settings differ from the run\'s (spec hash {found} → {expected})',
    hint: 'training continues with this spec\'s settings; the run will not reproduce an uninterrupted one',
  },
  MOE6552: {
    severity: 'error',
    title: 'checkpoint was trained with a different tokenizer',
    message: 'checkpoint `{path}` was trained with a different tokenizer (fingerprint {found}) than this export uses ({expected}: {tokenizer})',
    hint: 'embedding rows are learned per token id: export with the tokenizer the run was trained with (the spec\'s train.tokenizer, or --tokenizer)',
  },
  // MOE6580–MOE6599: the held-out split of `moec train` (onnx-deploy).
  MOE6580: {
    severity: 'error',
    title: 'held-out split too small or too large',
    message: '--eval-split {fraction} of {tokens} tokens leaves {held} held-out and {train} training tokens; scoring needs 2 held-out tokens and training one sample of seq_len + 1 = {needed}',
    hint: 'pass more data with --data, or change --eval-split (a fraction in (0, 1), e.g. 0.05)',
  },
  MOE6581: {
    severity: 'error',
    title: 'resumed run with another held-out split',
    message: 'cannot resume `{path}` with --eval-split {given}: the run holds out {recorded} of its data, and the training tokens would differ',
    hint: 'resume without --eval-split (the run keeps its split), or start a new run',
  },
  // MOE6560–MOE6579: hostile input and faults in training runs (checkpoint integrity, run locks, reports).
  MOE6560: {
    severity: 'error',
    title: 'checkpoint file modified',
    message: 'checkpoint `{path}`: `{file}` does not match the checksum recorded when the checkpoint was written',
    hint: 'the file was edited or damaged after it was written; resume from an earlier checkpoint (point at `checkpoints/step-*` directly)',
  },
  MOE6561: {
    severity: 'warning',
    title: 'checkpoint metadata not verifiable',
    message: 'checkpoint `{path}` is format version 1: its tensor shards are verified, its manifest and JSON files cannot be',
    hint: 'checkpoints written by this moec (version 2) carry a checksum over every file',
  },
  MOE6562: {
    severity: 'error',
    title: 'cannot resume a version-1 checkpoint',
    message: 'cannot resume from `{path}`: format version 1 has no checksum over the optimizer and data-cursor state, so an edit could not be detected',
    hint: 'start a new run, or export the weights with `moec compile --weights` (which still reads version 1)',
  },
  MOE6563: {
    severity: 'warning',
    title: 'bad metrics line',
    message: '{file}:{line}: {reason}; the line is skipped',
    hint: 'metrics.jsonl is written by `moec train`; a line edited by hand or from another tool is ignored',
  },
  MOE6564: {
    severity: 'error',
    title: 'model name cannot name a run directory',
    message: 'the model name `{name}` cannot be used as the run directory runs/<name>: {reason}',
    hint: 'pass --out <dir> to choose the run directory',
  },
  // MOE6600–MOE6799: fine-tuning — LoRA, --init-from, adapters, tokenizers, fine-tuning data (issue 11).
  MOE6600: {
    severity: 'error',
    title: 'LoRA target matches no projection',
    message: 'LoRA target `{target}` matches no projection {where}',
    hint: '{hint}',
  },
  MOE6601: {
    severity: 'warning',
    title: 'LoRA rank not below a projection\'s width',
    message: 'LoRA rank {rank} is not below the smallest dimension of `{module}` ({in} → {out}): its adapter has at least as many parameters as the weight it adapts',
    hint: 'use a rank below {min}, or leave `{target}` out of the targets',
  },
  MOE6602: {
    severity: 'warning',
    title: 'LoRA on randomly initialised weights',
    message: 'training LoRA adapters on randomly initialised base weights: nothing was loaded with --init-from',
    hint: 'pass `--init-from <run or checkpoint dir>` to fine-tune trained weights; adapters on a random base learn little',
  },
  MOE6603: {
    severity: 'error',
    title: '--init-from cannot be used here',
    message: '--init-from {reason}',
    hint: '{hint}',
  },
  MOE6604: {
    severity: 'error',
    title: 'adapter does not match the spec',
    message: 'adapter in `{path}` does not match this spec\'s LoRA block: {reason}',
    hint: 'use the spec (and its train.lora block) the adapter was trained with',
  },
  MOE6605: {
    severity: 'error',
    title: 'not a LoRA run',
    message: '`{path}` {reason}',
    hint: '{hint}',
  },
  MOE6606: {
    severity: 'error',
    title: 'base weights changed since the adapter was trained',
    message: 'the base weights of `{path}` were read from `{source}` (sha256 {expected}), which now holds different weights (sha256 {found})',
    hint: 'an adapter only fits the weights it was trained on: restore those base weights, or start a new run',
  },
  MOE6607: {
    severity: 'warning',
    title: 'merging an adapter into other base weights',
    message: 'the adapter in `{adapter}` was trained on {trained}; merging it into {given}',
    hint: 'an adapter fits the weights it was trained on; leave out --weights to merge into those',
  },
  MOE6620: {
    severity: 'error',
    title: 'tokenizer not found',
    message: 'no tokenizer at `{path}`: {reason}',
    hint: 'pass a tokenizer.json file or a Hugging Face model directory that holds one (--tokenizer, or train.tokenizer relative to the spec)',
  },
  MOE6621: {
    severity: 'error',
    title: 'tokenizer.json cannot be used',
    message: '`{path}` is not a usable tokenizer file: {reason}',
    hint: 'use the tokenizer.json a Hugging Face model ships (tokenizers ≥ 0.13 format); sentencepiece .model files need converting (transformers saves tokenizer.json with save_pretrained)',
  },
  MOE6622: {
    severity: 'error',
    title: 'tokenizer vocabulary larger than the model\'s',
    message: 'the tokenizer `{path}` has {size} token ids (largest {max}), the spec\'s vocab is {vocab}: ids past {last} have no embedding row',
    hint: 'set the spec\'s vocab to at least {size} (models often round it up, e.g. to a multiple of 64), or use the model\'s own tokenizer',
  },
  MOE6640: {
    severity: 'error',
    title: 'training record not usable',
    message: '{file}:{line}: {reason}',
    hint: 'a JSONL record is {"text": "..."}, {"prompt": "...", "completion": "..."} or {"messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]}',
  },
  MOE6641: {
    severity: 'error',
    title: 'chat records need a chat template',
    message: '{file} has chat records ({"messages": …}) but {reason}',
    hint: 'pass the model\'s tokenizer (--tokenizer <hf dir>) whose tokenizer_config.json has a chat_template, or a chat_template.jinja beside its tokenizer.json',
  },
  MOE6642: {
    severity: 'error',
    title: 'chat template is not prefix-stable',
    message: '{file}:{line}: the chat template renders turn {turn} differently alone than inside the conversation, so the assistant tokens cannot be told apart',
    hint: 'the loss mask needs the conversation up to an assistant turn to render as a prefix of the whole (as TRL\'s prompt/completion check); use the prompt/completion form for such data',
  },
  MOE6643: {
    severity: 'warning',
    title: 'training examples truncated',
    message: '{count} of {total} chat or prompt/completion examples are longer than seq_len {seq} tokens and were truncated (the longest has {longest})',
    hint: 'raise train.seq_len, or shorten the examples; text documents are split instead, never cut',
  },
  MOE6650: {
    severity: 'error',
    title: 'adapter cannot be written in the PEFT format',
    message: 'the LoRA adapter on `{module}` has no PEFT module in a `{modelType}` model: {reason}',
    hint: '{hint}',
  },
  MOE6651: {
    severity: 'error',
    title: 'not a PEFT LoRA adapter',
    message: '`{path}` is not a PEFT LoRA adapter this moec reads: {reason}',
    hint: 'pass a directory with adapter_config.json (peft_type LORA) and adapter_model.safetensors, as PeftModel.save_pretrained writes',
  },
  MOE6652: {
    severity: 'error',
    title: 'PEFT adapter does not match the spec',
    message: 'PEFT adapter `{path}` does not match this spec\'s train.lora block: {reason}',
    hint: 'use the spec the adapter was trained with (rank, alpha and targets), or one whose train.lora block states the adapter\'s',
  },
  MOE6654: {
    severity: 'error',
    title: 'bad --lora setting',
    message: '--lora `{text}`: {reason}',
    hint: 'give each setting as key=value: rank=16, alpha=32, dropout=0.05, rslora=true, targets=q_proj,v_proj,experts, layers=0..3',
  },
  MOE6653: {
    severity: 'error',
    title: 'no Hugging Face model for a PEFT adapter',
    message: 'no Hugging Face model_type holds `{name}`, so a PEFT adapter of it would adapt no model transformers can build: {reasons}',
    hint: 'the run\'s checkpoints keep the adapter in moec\'s format (moec compile --adapter <run> merges it); for a PEFT adapter fine-tune a spec `moec export hf` can write (moec check --target hf says why not), e.g. one imported with moec import',
  },
});
