/**
 * Diagnostic codes MOE7000–7499 (the Hugging Face bridge, src/interop/hf/): reading a
 * config.json into a spec (MOE70xx), reading an HF checkpoint into the IR's tensors (MOE71xx),
 * writing config and checkpoint (MOE72xx). Codes are stable: never renumber or reuse one;
 * retire a code by leaving it here with `retired: why`. Each is documented in
 * docs/diagnostics.md and docs/hf.md.
 */
import { defineCodes } from './entry.js';

export const hfCodes = defineCodes({
  // ── config.json → spec ──
  MOE7000: {
    severity: 'error',
    title: 'cannot read Hugging Face config',
    message: 'cannot read the Hugging Face config `{path}`: {reason}',
    hint: 'give a model directory holding config.json, or the config.json file itself',
  },
  MOE7001: {
    severity: 'error',
    title: 'model_type not supported',
    message: '`{path}`: model_type `{modelType}` {reason}',
    hint: 'moec imports {known}',
  },
  MOE7002: {
    severity: 'error',
    title: 'bad config field',
    message: '`{path}`: `{field}` is {value}; {expected}',
    hint: 'transformers would refuse or misread it too; fix the config',
  },
  MOE7003: {
    severity: 'error',
    title: 'config field not expressible',
    message: '`{path}`: `{field}` {value} cannot be expressed in a moec spec: {why}',
  },
  MOE7004: {
    severity: 'warning',
    title: 'config field ignored by transformers',
    message: '`{path}`: `{field}` {value} is ignored: {why}',
  },
  MOE7005: {
    severity: 'warning',
    title: 'unknown config field',
    message: '`{path}`: `{field}` is not a field of transformers\' {modelType} configuration; ignored',
    hint: 'a typo, or a field of a newer transformers or of remote code; check that the model computes what {modelType} does without it',
  },
  MOE7006: {
    severity: 'warning',
    title: 'transformers versions disagree',
    message: '`{path}`: `{field}` {value}: {why}',
  },
  MOE7007: {
    severity: 'error',
    title: 'required config field missing',
    message: '`{path}`: `{field}` is missing and transformers\' {modelType} configuration has no default for it',
  },
  MOE7008: {
    severity: 'info',
    title: 'config value converted',
    message: '`{path}`: `{field}` {value} becomes {key} {converted}: {why}',
  },
  MOE7009: {
    severity: 'error',
    title: 'imported spec does not check',
    message: 'the spec imported from `{path}` does not check: {code} {message}',
    hint: 'the config describes a model moec cannot build as written; the diagnostic above names the value',
  },
  MOE7010: {
    severity: 'error',
    title: 'a Hugging Face config where a spec is expected',
    message: '`{path}` looks like a Hugging Face config (model_type `{modelType}`), not a moec spec',
    hint: 'try `moec import {path} -o {name}.moe`, which writes the spec of that model',
  },
  MOE7011: {
    severity: 'warning',
    title: 'config names a head other than the causal LM',
    message: '`{path}`: `architectures` names {found}; moec builds {architecture} (the decoder and its `lm_head`), so that class\'s own head is not imported',
    hint: '--weights of this checkpoint will miss `lm_head.weight`; import it for its decoder only, or use the causal-LM checkpoint',
  },
  // ── HF checkpoint → IR tensors ──
  MOE7100: {
    severity: 'error',
    title: 'tensor missing from Hugging Face checkpoint',
    message: '`{path}` has no `{key}`, needed for `{tensor}` [{shape}]',
    hint: 'the checkpoint does not hold this spec\'s model: compare the spec with the checkpoint\'s config.json (`moec import {path}`)',
  },
  MOE7101: {
    severity: 'error',
    title: 'tensor shape differs from the spec',
    message: '`{key}` in `{path}` has shape [{found}]; the spec needs [{expected}] for `{tensor}`',
    hint: 'the checkpoint was saved for another architecture; compare the spec with `moec import {path}`',
  },
  MOE7102: {
    severity: 'error',
    title: 'checkpoint tensors the spec has no place for',
    message: '`{path}` holds {count} tensor(s) the spec has no place for, first `{key}`',
    hint: 'the model has a part the spec lacks (a bias, a norm, a shared expert…); loading without it would compute another function. Compare the spec with `moec import {path}`',
  },
  MOE7103: {
    severity: 'error',
    title: 'checkpoint quantization not supported',
    message: '`{path}`: {what} cannot be read: {why}',
    hint: 'moec dequantizes FP8 block-scaled weights (DeepSeek) and MXFP4 experts (gpt-oss) and reads F32, F16 and BF16; convert other formats with their own tools first',
  },
  MOE7104: {
    severity: 'info',
    title: 'checkpoint tensors not imported',
    message: '`{path}`: {count} tensor(s) not imported, first `{key}`: {why}',
  },
  MOE7105: {
    severity: 'error',
    title: 'checkpoint config differs from the spec',
    message: 'the checkpoint `{path}` holds another model: its config.json gives {field} {found}, the spec {expected}',
    hint: 'import the checkpoint\'s own spec with `moec import {path}`, or point --weights at the checkpoint of this spec',
  },
  MOE7106: {
    severity: 'error',
    title: 'not a weights directory',
    message: 'cannot read weights from `{path}`: {reason}',
    hint: 'give a moec training run or checkpoint directory (docs/checkpoint.md), or a Hugging Face model directory (config.json + model.safetensors or shards)',
  },
  // ── spec / IR → config.json + checkpoint ──
  MOE7200: {
    severity: 'error',
    title: 'no Hugging Face model_type holds the spec',
    message: 'no Hugging Face model_type can hold `{name}`: {reasons}',
    hint: 'transformers fixes each architecture in code; change the spec to one of them (docs/hf.md lists what each holds)',
  },
  MOE7201: {
    severity: 'error',
    title: 'model_type cannot hold the spec',
    message: 'Hugging Face {modelType} cannot hold {what}: {why}',
    hint: 'leave --model-type out to pick a model_type that can, or change the spec',
  },
  MOE7202: {
    severity: 'error',
    title: 'cannot write Hugging Face export',
    message: 'cannot write `{path}`: {reason}',
    hint: 'nothing was written under that name',
  },
  MOE7203: {
    severity: 'warning',
    title: 'spec setting not carried to Hugging Face',
    message: '{what} is not written to the Hugging Face config: {why}',
  },
});
